/**
 * The last step of every rollback (issue 16, patch `rollback-restores-app-servers`): the application
 * servers of the clusters the plan changes get back their start (installed version, virtual host,
 * running or stopped), after every procedure's own route has restored routing. Then the forward
 * steps the rollback undid are marked so, with the time.
 */
import { patched } from '@temporalio/workflow';
import { artifactsFor, describeRepair, touchedClusters } from '../src/planning/app-server-start';
import { listed } from '../src/planning/listed';
import { acts, rollbackActs, summarized } from './activity-proxies';
import type { StepContext } from './steps';

/** The patch: histories recorded before it restored routing and their procedure's own repairs only. */
export const restoresAppServersPatch = 'rollback-restores-app-servers';

/** The rollback step's ID. */
export const appServersStepId = 'rollback.app-servers';

/** Before the first change: each changed cluster's version, virtual host and running members. */
export async function recordAppServerStart(ctx: StepContext): Promise<void> {
  if (!patched(restoresAppServersPatch)) return;
  const clusters = touchedClusters(ctx.plan, ctx.estate);
  if (clusters.length === 0) return;
  const input = { estate: ctx.estate, clusters };
  ctx.appServers = await summarized(acts.recordAppServers, `Record the version, virtual host and running servers of ${listed(clusters)} before the rollout`, input);
}

/** The step's title; undefined when nothing was recorded (a rollback before the start, or the GlassFish family). */
export function appServersStepTitle(ctx: StepContext): string | undefined {
  const start = ctx.appServers;
  if (!start || start.length === 0) return undefined;
  const clusters = listed(start.map((c) => c.cluster));
  if (!ctx.request.rollback.reinstallPrevious) return `Start or stop the servers of ${clusters} as at the start (${ctx.request.toVersion} stays installed: reinstallPrevious is false)`;
  return `Give ${clusters} back the version, virtual host and running servers they had at the start`;
}

/** Puts the recorded start back; the activity verifies it and fails (the step retries) while something differs. */
export async function restoreAppServers(ctx: StepContext): Promise<void> {
  const start = ctx.appServers ?? [];
  const { request, estate } = ctx;
  const input = { estate, app: request.app, start, artifacts: artifactsFor(request, start), versions: request.rollback.reinstallPrevious };
  const { repairs } = await summarized(rollbackActs.restoreAppServers, appServersStepTitle(ctx) ?? appServersStepId, input);
  if (repairs.length > 0) ctx.run.event('turnout', 'app-servers-restored', repairs.map(describeRepair).join('; '), appServersStepId);
}

/**
 * Marks the forward steps that changed something as undone (`undoneAt`) once the rollback has put
 * the start back: done ones become `undone`, a failed one keeps `failed` (it may have changed
 * something) with the time too. Status only: no command, so old histories replay either way.
 */
export function markUndone(ctx: StepContext): void {
  if (!patched(restoresAppServersPatch)) return;
  const at = new Date().toISOString();
  // A versioned N+1 stays deployed, disabled on every instance (see `glassfish-rollback.ts`): its deploy is not undone.
  const disruptive = new Set(ctx.plan.steps.filter((s) => s.disruptive && !(s.kind === 'deployVersion' && s.versioned)).map((s) => s.id));
  for (const step of ctx.run.status.steps) {
    if (!disruptive.has(step.id) || (step.status !== 'done' && step.status !== 'failed')) continue;
    if (step.status === 'done') step.status = 'undone';
    step.undoneAt = at;
  }
  ctx.run.publish();
}
