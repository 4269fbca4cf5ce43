/**
 * Rollback (seed 002, "Rollback scenario"; DESIGN, "Rollback"), the multi-cell procedure's and the
 * machinery every procedure's rollback runs on.
 *
 * Restoring the routing comes first and is one activity. It never leaves the site without a cell
 * that takes new sessions: cells still on version N go back to their state before the rollout and
 * cells holding N+1 take no new sessions, unless no cell on N could take them yet; then N+1 keeps
 * serving until N is back on one cell. Slower repairs follow, cell by cell in reverse order of the
 * rollout: let the N+1 sessions end, reinstall N, give the cell back its original routing.
 *
 * A rollback always finishes: a step that meets a fault retries with backoff for as long as it
 * takes, showing why it is blocked. Only a person can stop it, by pausing it or by leaving it as is.
 */
import { ActivityFailure, condition, patched } from '@temporalio/workflow';
import type { CellRoutingState, StepStatus } from '../src/model';
import { previousArtifactOf } from '../src/model/request';
import { cellRepairs, cellRollbackRoute, cellRoutingTitle, describeCellRoute, type CellRollbackRoute } from '../src/planning/rollback-route';
import type { RoutingSnapshot } from '../activities/rollout-types';
import { drainActivities, rollbackShortActs, shortActs, summarized } from './activity-proxies';
import { errorText } from './message-input';
import { correctDrift, expectedRouting, guarded } from './routing-guard';
import { unknownsOf, type StepContext } from './steps';
import { listed } from '../src/planning/listed';
import { appServersStepId, appServersStepTitle } from './app-server-restore';

/** Adds a rollback step to the status, pending. */
export function addStep(ctx: StepContext, id: string, title: string): void {
  ctx.run.status.steps.push({ id, title, status: 'pending' });
}

/** The wait before the next attempt of a blocked rollback step: 1 s, doubling, up to the policy's interval. */
export function retryDelaySeconds(attempt: number, maxSeconds: number): number {
  return Math.min(maxSeconds, 2 ** Math.min(attempt - 1, 20));
}

/** What a failed attempt says: an activity failure's cause is the driver's own message (its own causes are detail). */
function failureText(err: unknown): string {
  return errorText(err instanceof ActivityFailure && err.cause instanceof Error ? err.cause : err);
}

/** A rollback step boundary: holds while paused; false when a person left the rollback as is. */
async function boundary(ctx: StepContext): Promise<boolean> {
  if (ctx.run.paused && patched('pausable-rollback')) await ctx.run.holdRollbackWhilePaused();
  return ctx.run.leftAsIs === undefined;
}

/**
 * Runs one rollback step until it goes through, keeping its status and the audit trail. A failed
 * attempt shows `rollback blocked` and is retried after a backoff. Resolves false when a person left
 * the rollback as is (the step then stays undone). Patched: older histories failed on the first error.
 */
export async function tracked(ctx: StepContext, id: string, fn: () => Promise<unknown>): Promise<boolean> {
  const { run } = ctx;
  if (!(await boundary(ctx))) return false;
  run.markStep(id, 'running');
  run.event('turnout', 'step-started', run.status.steps.find((s) => s.id === id)?.title ?? id, id);
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      break;
    } catch (err) {
      if (!patched('rollback-retries')) throw err;
      const wait = retryDelaySeconds(attempt, ctx.request.rollback.retryIntervalSeconds);
      run.rollbackBlocked(id, failureText(err), attempt, wait);
      await condition(() => run.leftAsIs !== undefined || run.paused, wait * 1000);
      if (!(await boundary(ctx))) {
        run.markStep(id, 'failed');
        return false;
      }
    }
  }
  run.rollbackUnblocked(id);
  run.markStep(id, 'done');
  run.event('turnout', 'step-done', id, id);
  return true;
}

/** Marks what the forward plan left undone: the step under way failed or was cut short, the rest skipped. */
function closeForwardSteps(ctx: StepContext, failedStep: string | undefined): void {
  for (const step of ctx.run.status.steps) {
    const next: StepStatus | undefined = step.id === failedStep ? 'failed' : step.status === 'running' ? 'failed' : step.status === 'pending' ? 'skipped' : undefined;
    if (next) ctx.run.markStep(step.id, next);
  }
}

/** Enters the rolling-back state: nothing pending, forward steps closed, the route shown. */
export function beginRollback(ctx: StepContext, failedStep: string | undefined): void {
  const { run } = ctx;
  run.status.pendingApproval = undefined;
  run.drainEnded();
  run.paused = false;
  run.status.rollback = { route: [] };
  run.setState('rolling-back');
  closeForwardSteps(ctx, failedStep);
}

/** Shows the route the rollback takes, in Current details and the status; the app servers' restore is its last step (the executor runs it). */
export function showRoute(ctx: StepContext, route: string[]): void {
  const last = appServersStepTitle(ctx);
  if (last) addStep(ctx, appServersStepId, last);
  ctx.run.status.rollback = { ...(ctx.run.status.rollback ?? {}), route: last ? [...route, last] : route };
  ctx.run.publish();
}

/**
 * Lets sessions (or connections) on `servers` end, while the routing guard keeps what the rollback
 * set. At the drain's deadline, counts nobody could read block the step (it retries); counts that
 * stay above the threshold are left behind, as the drain policy (or `maxWaitSeconds`) bounds the wait.
 */
export async function letEnd(ctx: StepContext, stepId: string, servers: string[], measure: 'sessions' | 'connections', title = `Let the sessions on ${listed(servers)} end`, maxWaitSeconds?: number): Promise<void> {
  const { run, request, estate } = ctx;
  const policy = { ...request.drain, ...(maxWaitSeconds === undefined ? {} : { maxWaitSeconds }), onTimeout: 'proceed' as const };
  run.drainStarted(stepId, servers, measure);
  try {
    const input = { estate, stepId, servers, policy, measure };
    const result = await guarded(ctx, stepId, () => summarized(drainActivities(policy).drainServers, title, input));
    const unknown = unknownsOf(result.servers);
    if (!result.drained && unknown) throw new Error(`counts unknown at the drain's deadline: ${unknown}`);
  } finally {
    run.drainEnded();
  }
}

/** Records a snapshot of the sprayer's routing before the multi-cell rollout changes it. */
export async function snapshotSprayer(ctx: StepContext): Promise<void> {
  if (ctx.estate.sprayer) ctx.before = await shortActs().snapshotRouting(ctx.estate);
}

/** Each cell's sprayer state before the rollout: `ready` if any of its servers took new sessions. */
function cellStates(before: RoutingSnapshot | undefined, cells: readonly string[]): Record<string, CellRoutingState> {
  const ofCell = (cell: string) => (before?.servers ?? []).filter((s) => s.cell === cell);
  return Object.fromEntries(cells.map((c) => [c, ofCell(c).some((s) => s.state === 'ready') ? 'ready' : (ofCell(c)[0]?.state ?? 'ready')]));
}

/** The cells in rollout order, as the plan installs them. */
function rolloutOrder(ctx: StepContext): string[] {
  const installed = ctx.plan.steps.flatMap((s) => (s.kind === 'install' ? [s.cell] : []));
  return [...new Set([...installed, ...ctx.estate.cells.map((c) => c.name)])];
}

/**
 * The route from where the rollout stands. Where every cell holds N+1 and some take new sessions,
 * they keep taking them until a cell on N does (patched: older histories held every cell at once).
 */
function routeNow(ctx: StepContext, order: string[], before: Record<string, CellRoutingState>): CellRollbackRoute {
  const serving = ctx.tainted.filter((c) => ctx.routed[c] === 'ready');
  const input = { order, before, tainted: ctx.tainted, serving, reinstall: ctx.request.rollback.reinstallPrevious };
  const route = cellRollbackRoute(input);
  if (route.keep.length === 0 || patched('rollback-keeps-a-cell-serving')) return route;
  return cellRollbackRoute({ ...input, serving: [] });
}

/** Rolls a multi-cell rollout back. Resolves once done, or once a person left it as is. */
export async function rollBack(ctx: StepContext, failedStep?: string): Promise<void> {
  const { request, estate, before } = ctx;
  beginRollback(ctx, failedStep);
  const order = rolloutOrder(ctx);
  const states = cellStates(before, order);
  const route = routeNow(ctx, order, states);
  const v = { from: request.fromVersion, to: request.toVersion, app: request.app, virtualHost: estate.virtualHosts.production.name };
  if (before) addStep(ctx, 'rollback.routing', cellRoutingTitle(route, v));
  for (const { cell, titles: t } of cellRepairs(route, v, states)) {
    if (t.hold) addStep(ctx, `rollback.${cell}.hold`, t.hold);
    addStep(ctx, `rollback.${cell}.drain`, t.drain);
    addStep(ctx, `rollback.${cell}.reinstall`, t.reinstall);
    if (before) addStep(ctx, `rollback.${cell}.route`, t.route);
  }
  showRoute(ctx, describeCellRoute(route, v, states));
  if (before) {
    const held = ctx.tainted.filter((c) => !route.keep.includes(c));
    Object.assign(ctx.routed, route.routing);
    if (!(await tracked(ctx, 'rollback.routing', () => rollbackShortActs().restoreRouting({ estate, snapshot: before, hold: [...held].reverse() })))) return;
  }
  for (const [i, { cell, hold }] of route.repairs.entries()) {
    const stillHeld = route.repairs.slice(i + 1).filter((r) => !r.hold).map((r) => r.cell);
    if (!(await repairCell(ctx, cell, hold, stillHeld, states[cell] ?? 'ready'))) return;
  }
}

/** Reads the cell's routing before a reinstall; if it drifted back into new-session routing, puts it back and fails the attempt so the drain runs again. */
async function ensureHeld(ctx: StepContext, cell: string): Promise<void> {
  const expected = expectedRouting(ctx);
  if (!expected || !patched('install-checks-routing')) return;
  const drift = await rollbackShortActs().checkRouting({ estate: ctx.estate, expected });
  if (drift.found.length === 0) return;
  await correctDrift(ctx, expected, drift, `rollback.${cell}.drain`);
  if (drift.cells.includes(cell)) throw new Error(`cell ${cell} had been put back into new-session routing; it drains again before the reinstall`);
}

async function repairCell(ctx: StepContext, cell: string, hold: boolean, stillHeld: string[], state: CellRoutingState): Promise<boolean> {
  const { request, estate, before } = ctx;
  const clusters = (estate.cells.find((c) => c.name === cell)?.clusters ?? []).filter((k) => k.state === 'active');
  const servers = clusters.flatMap((k) => k.servers.map((s) => s.name));
  const names = clusters.map((k) => k.name);
  const virtualHost = estate.virtualHosts.production.name;
  if (hold) {
    ctx.routed[cell] = 'drain';
    if (!(await tracked(ctx, `rollback.${cell}.hold`, () => rollbackShortActs().routeCell({ estate, cell, state: 'drain' })))) return false;
  }
  const drained = await tracked(ctx, `rollback.${cell}.drain`, async () => {
    await letEnd(ctx, `rollback.${cell}.drain`, servers, 'sessions', `Let the ${request.toVersion} sessions on cell ${cell} end`);
    await ensureHeld(ctx, cell);
  });
  if (!drained) return false;
  const reinstalled = await tracked(ctx, `rollback.${cell}.reinstall`, async () => {
    await rollbackShortActs().installApp({ estate, app: request.app, clusters: names, version: request.fromVersion, artifact: previousArtifactOf(request), virtualHost });
    await rollbackShortActs().switchVirtualHost({ estate, app: request.app, clusters: names, virtualHost, restart: true });
  });
  if (!reinstalled) return false;
  if (!before) return true;
  ctx.routed[cell] = state;
  return tracked(ctx, `rollback.${cell}.route`, () => rollbackShortActs().restoreRouting({ estate, snapshot: before, hold: stillHeld }));
}
