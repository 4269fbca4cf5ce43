/**
 * One runner per step kind. Each returns `done`, or `interrupted` when a rollback request cut an
 * interruptible wait short (drain, burn-in, approval). Failures throw; the executor applies policy.
 */
import { ApplicationFailure, condition, patched, sleep } from '@temporalio/workflow';
import type { Estate, Plan, RolloutRequest, Step } from '../src/model';
import type { RoutingSnapshot } from '../activities/rollout-types';
import { drainActivities, shortActs, summarized } from './activity-proxies';
import { runClusterStep, type ClusterChanges } from './cluster-steps';
import { failureTypes } from './failure-types';
import type { RolloutRun } from './rollout-run';

/** What a step runner needs. */
export interface StepContext {
  run: RolloutRun;
  request: RolloutRequest;
  estate: Estate;
  plan: Plan;
  /** The sprayer's routing before the rollout touched anything. */
  before: RoutingSnapshot | undefined;
  /** Cells where N+1 was (or may have been) installed: rollback reinstalls N there. */
  tainted: string[];
  /** Single-cell and Java-client procedures: what changed so far. */
  changes: ClusterChanges;
}

export type StepOutcome = 'done' | 'interrupted';
type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

const now = (): string => new Date().toISOString();

/**
 * A gate: waits for a person's approval of `phase` (or takes one sent ahead), applying the approval
 * policy's timeout action. Returns false when a rollback interrupted it.
 */
export async function awaitApproval(ctx: StepContext, phase: string): Promise<boolean> {
  const { run, request } = ctx;
  const policy = request.approvals;
  let approval = run.takeApproval(phase);
  if (!approval) {
    const timeoutMs = policy.onTimeout === 'wait' ? undefined : policy.timeoutSeconds * 1000;
    const since = new Date();
    run.status.pendingApproval = { phase, since: since.toISOString(), ...(timeoutMs ? { timeoutAt: new Date(since.getTime() + timeoutMs).toISOString() } : {}) };
    run.setState('awaiting-approval');
    const arrived = await run.interruptible(async () => {
      if (timeoutMs === undefined) return (await condition(() => run.hasApproval(phase)), true);
      return condition(() => run.hasApproval(phase), timeoutMs, { summary: `Approval of ${phase}: ${policy.onTimeout} after ${policy.timeoutSeconds}s` });
    });
    run.status.pendingApproval = undefined;
    if (arrived === undefined) return false;
    if (!arrived) return approvalTimedOut(ctx, phase);
    approval = run.takeApproval(phase);
  }
  if (approval) run.status.approvals.push({ phase, by: approval.by, at: now(), ...(approval.comment ? { comment: approval.comment } : {}) });
  run.setState('running');
  return true;
}

function approvalTimedOut(ctx: StepContext, phase: string): boolean {
  const { run, request } = ctx;
  const reason = `nobody approved ${phase} within ${request.approvals.timeoutSeconds}s`;
  if (request.approvals.onTimeout === 'fail') throw ApplicationFailure.nonRetryable(reason, failureTypes.approvalTimedOut);
  run.requestRollback({ by: 'turnout', reason });
  return false;
}

async function runDrain(ctx: StepContext, step: StepOf<'drain'>): Promise<StepOutcome> {
  const { run, request, estate } = ctx;
  run.setState('draining');
  const input = { estate, stepId: step.id, servers: step.servers, policy: request.drain, cell: step.cell, ...(step.measure ? { measure: step.measure } : {}) };
  const result = await run.interruptible(() => summarized(drainActivities(request.drain).drainServers, step.title, input));
  run.status.drain = undefined;
  if (!result) return 'interrupted';
  run.setState('running');
  if (result.drained) {
    const connections = result.sprayerConnections === undefined ? '' : `; sprayer connections to cell ${step.cell}: ${result.sprayerConnections} (TCP connections, not sessions)`;
    run.event('turnout', 'drained', `${step.servers.join(', ')} drained in ${result.waitedSeconds}s${connections}`, step.id);
    return 'done';
  }
  const left = result.servers.filter((s) => s.sessions === null || s.sessions > request.drain.sessionThreshold).map((s) => `${s.name} ${s.sessions ?? 'unknown'}`).join(', ');
  const note = `drain reached its maximum wait (${request.drain.maxWaitSeconds}s) with sessions left: ${left}`;
  run.event('turnout', 'drain-timeout', note, step.id);
  if (request.drain.onTimeout === 'proceed') return 'done';
  if (request.drain.onTimeout === 'fail') throw ApplicationFailure.nonRetryable(note, failureTypes.drainTimedOut);
  return (await awaitApproval(ctx, step.id)) ? 'done' : 'interrupted';
}

async function runStepKind(ctx: StepContext, step: Step): Promise<StepOutcome> {
  const { run, request, estate } = ctx;
  switch (step.kind) {
    case 'routeCell':
      await summarized(shortActs().routeCell, step.title, { estate, cell: step.cell, state: step.state });
      return 'done';
    case 'drain':
      return runDrain(ctx, step);
    case 'install':
      // Recorded before the call: a half-finished install must be repaired by a rollback too.
      if (!ctx.tainted.includes(step.cell)) ctx.tainted.push(step.cell);
      await summarized(shortActs().installApp, step.title, { estate, app: request.app, clusters: step.clusters, version: step.version, artifact: step.artifact, virtualHost: step.virtualHost });
      return 'done';
    case 'smokeTest': {
      const r = await summarized(shortActs().smokeTest, step.title, { urls: step.urls, expectVersion: step.expectVersion, policy: request.smokeTest });
      run.event('turnout', 'smoke-test-passed', `${r.requests} request(s) answered ${step.expectVersion}`, step.id);
      return 'done';
    }
    case 'switchVirtualHost':
      await summarized(shortActs().switchVirtualHost, step.title, { estate, app: request.app, clusters: step.clusters, virtualHost: step.virtualHost, restart: step.restart });
      return 'done';
    case 'burnIn':
      // A zero burn-in needs no timer: the SDK would turn sleep(0) into a 1 ms timer that the
      // server fires up to a second later. Patched, so histories with that timer still replay.
      if (step.seconds === 0 && patched('skip-zero-burn-in')) return 'done';
      return (await run.interruptible(async () => (await sleep(step.seconds * 1000, { summary: step.title }), true))) ? 'done' : 'interrupted';
    case 'approval':
      if (step.gate === 'automatic') {
        run.event('turnout', 'approved-automatically', `${step.phase} needs no approval by policy`, step.id);
        return 'done';
      }
      return (await awaitApproval(ctx, step.phase)) ? 'done' : 'interrupted';
    case 'pluginCfg':
    case 'servers':
    case 'switchBindings':
    case 'ejbSmokeTest':
      return runClusterStep(ctx, step);
  }
}

/** Runs one step, keeping its status and the audit trail. */
export async function runStep(ctx: StepContext, step: Step): Promise<StepOutcome> {
  ctx.run.markStep(step.id, 'running');
  ctx.run.event('turnout', 'step-started', step.title, step.id);
  const outcome = await runStepKind(ctx, step);
  if (outcome === 'done') {
    ctx.run.markStep(step.id, 'done');
    ctx.run.event('turnout', 'step-done', step.title, step.id);
  }
  return outcome;
}
