/**
 * Rollback (seed 002, "Rollback scenario"; DESIGN, "Rollback"). Restoring the routing comes first
 * and is one activity: every cell still on version N goes back to exactly its state before the
 * rollout, and cells holding N+1 take no new sessions. Slower repairs follow, cell by cell: let the
 * N+1 sessions end, reinstall N under the production virtual host, and give the cell back its
 * original routing, so the end state equals the start.
 */
import type { StepStatus } from '../src/model';
import { drainActivities, shortActs } from './activity-proxies';
import type { StepContext } from './steps';
import { previousArtifactOf } from '../src/model/request';

/** Adds a rollback step to the status, pending. */
export function addStep(ctx: StepContext, id: string, title: string): void {
  ctx.run.status.steps.push({ id, title, status: 'pending' });
}

/** Runs one rollback step, keeping its status and the audit trail. */
export async function tracked(ctx: StepContext, id: string, fn: () => Promise<unknown>): Promise<void> {
  const { run } = ctx;
  run.markStep(id, 'running');
  run.event('turnout', 'step-started', run.status.steps.find((s) => s.id === id)?.title ?? id, id);
  await fn();
  run.markStep(id, 'done');
  run.event('turnout', 'step-done', id, id);
}

/** Marks what the forward plan left undone: the step under way failed or was cut short, the rest skipped. */
function closeForwardSteps(ctx: StepContext, failedStep: string | undefined): void {
  for (const step of ctx.run.status.steps) {
    const next: StepStatus | undefined = step.id === failedStep ? 'failed' : step.status === 'running' ? 'failed' : step.status === 'pending' ? 'skipped' : undefined;
    if (next) ctx.run.markStep(step.id, next);
  }
}

/** Enters the rolling-back state: nothing pending, forward steps closed. */
export function beginRollback(ctx: StepContext, failedStep: string | undefined): void {
  const { run } = ctx;
  run.status.pendingApproval = undefined;
  run.status.drain = undefined;
  run.paused = false;
  run.setState('rolling-back');
  closeForwardSteps(ctx, failedStep);
}

/** Records the sprayer's routing before the multi-cell rollout changes it. */
export async function snapshotSprayer(ctx: StepContext): Promise<void> {
  if (ctx.estate.sprayer) ctx.before = await shortActs().snapshotRouting(ctx.estate);
}

/** Rolls a multi-cell rollout back. Runs to the end: a rollback is not itself interruptible. */
export async function rollBack(ctx: StepContext, failedStep?: string): Promise<void> {
  const { run, request, estate, before } = ctx;
  beginRollback(ctx, failedStep);
  const tainted = [...ctx.tainted].reverse();
  if (before) addStep(ctx, 'rollback.routing', 'Restore routing: the sprayer as before the rollout; cells holding N+1 take no new sessions');
  const repairs = request.rollback.reinstallPrevious ? tainted : [];
  for (const cell of repairs) {
    addStep(ctx, `rollback.${cell}.drain`, `Let the N+1 sessions on cell ${cell} end`);
    addStep(ctx, `rollback.${cell}.reinstall`, `Reinstall ${request.app} ${request.fromVersion} on cell ${cell} under ${estate.virtualHosts.production.name}`);
    if (before) addStep(ctx, `rollback.${cell}.route`, `Give cell ${cell} back its routing from before the rollout`);
  }
  run.publish();
  if (before) await tracked(ctx, 'rollback.routing', () => shortActs().restoreRouting({ estate, snapshot: before, hold: tainted }));
  for (const [i, cell] of repairs.entries()) await repairCell(ctx, cell, repairs.slice(i + 1));
}

async function repairCell(ctx: StepContext, cell: string, stillHeld: string[]): Promise<void> {
  const { request, estate, before } = ctx;
  const cellDef = estate.cells.find((c) => c.name === cell);
  const clusters = (cellDef?.clusters ?? []).filter((k) => k.state === 'active');
  const servers = clusters.flatMap((k) => k.servers.map((s) => s.name));
  const names = clusters.map((k) => k.name);
  // The N+1 sessions keep their server until they end; the drain policy bounds the wait.
  const policy = { ...request.drain, onTimeout: 'proceed' as const };
  await tracked(ctx, `rollback.${cell}.drain`, () => drainActivities(policy).drainServers({ estate, stepId: `rollback.${cell}.drain`, servers, policy }));
  await tracked(ctx, `rollback.${cell}.reinstall`, async () => {
    const virtualHost = estate.virtualHosts.production.name;
    await shortActs().installApp({ estate, app: request.app, clusters: names, version: request.fromVersion, artifact: previousArtifactOf(request), virtualHost });
    await shortActs().switchVirtualHost({ estate, app: request.app, clusters: names, virtualHost, restart: true });
  });
  if (before) await tracked(ctx, `rollback.${cell}.route`, () => shortActs().restoreRouting({ estate, snapshot: before, hold: stillHeld }));
}
