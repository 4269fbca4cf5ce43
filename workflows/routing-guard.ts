/**
 * Routing is verified, not assumed (DESIGN, "Rollback"). While a rollout waits (drains, gates,
 * burn-in), a read-only activity re-reads the routing turnout set: the sprayer's states, the
 * plugin-cfg.xml it last wrote, the bindings it switched. When someone else changed it (a HAProxy
 * reload, a hand edit), the workflow puts it back and records `drift-corrected`.
 *
 * The watcher only reads and the workflow alone corrects, so a rollback that cuts a wait short never
 * races a correction: once a rollback is asked for, the rollout's guard corrects nothing more, and
 * the rollback waits for a correction under way before its own routing step. A rollback's own
 * drains are guarded with what the rollback set.
 */
import { ActivityCancellationType, CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import type { CellRoutingState } from '../src/model';
import type { ExpectedRouting, RolloutActivities, RoutingDrift } from '../activities/rollout-types';
import { proxyActivities, rollbackShortActs, summarized } from './activity-proxies';
import type { StepContext } from './steps';

/**
 * What turnout has set so far, and so keeps: undefined when it has set nothing it could re-read.
 * Forward steps and rollback steps alike record what they set before they set it, so the guard of a
 * rollback's own drain keeps the rollback's routing, never the rollout's.
 */
export function expectedRouting(ctx: StepContext): ExpectedRouting | undefined {
  const { before, routed, changes } = ctx;
  if (before) {
    const servers = before.servers.map((s) => {
      // Member names key an edition's members (the on-demand router); cell names key the IP sprayer's cells.
      const state: CellRoutingState | undefined = routed[s.name] ?? (s.cell ? routed[s.cell] : undefined);
      return state ? { ...s, state } : s;
    });
    return { sprayer: { ...before, servers } };
  }
  if (changes.pluginCfg) return { pluginCfg: changes.pluginCfg };
  if (changes.bindings) return { bindings: changes.bindings };
  return undefined;
}

function watcher(pollSeconds: number) {
  return proxyActivities<Pick<RolloutActivities, 'watchRouting'>>({
    // The watcher returns on its own within the hour; a long wait simply watches again.
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: `${Math.max(10, pollSeconds * 3)} seconds`,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
  });
}

function describeDrift(drift: RoutingDrift): string {
  return drift.found.slice(0, 10).join('; ') + (drift.found.length > 10 ? `; and ${drift.found.length - 10} more` : '');
}

/** Puts routing back as expected, records it, and says which cells it had to correct. */
export async function correctDrift(ctx: StepContext, expected: ExpectedRouting, drift: RoutingDrift, stepId: string, note = ''): Promise<void> {
  // Never interrupted half-way: a rollback waits for it (see guarded()).
  await CancellationScope.nonCancellable(() => summarized(rollbackShortActs().correctRouting, 'Put back the routing turnout set', { estate: ctx.estate, expected }));
  ctx.run.event('turnout', 'drift-corrected', `routing had changed under the rollout and was put back: ${describeDrift(drift)}${note}`, stepId);
}

/** The patch behind foreign writes to the files turnout manages (see `foreign-writes.ts`). */
export const foreignWritesPatch = 'foreign-writes';

/** What the guard may put back itself: never a file (a rewritten file waits for a person). */
function withoutFiles(expected: ExpectedRouting): ExpectedRouting {
  const { pluginCfg: _file, ...rest } = expected;
  return rest;
}

/** The guard of one wait: the watch loop, and the correction it may have under way. */
interface Guard {
  correcting: Promise<void> | undefined;
}

async function watch(ctx: StepContext, expected: ExpectedRouting, stepId: string, guard: Guard, foreign: boolean): Promise<void> {
  const pollSeconds = ctx.request.drain.pollIntervalSeconds;
  // A rollback's own drains are guarded too: only a rollback asked for after this wait began stops corrections.
  const rollingBack = ctx.run.rollback !== undefined;
  let watching = expected;
  for (;;) {
    const drift = await watcher(pollSeconds).watchRouting({ estate: ctx.estate, expected: watching, pollIntervalSeconds: pollSeconds, ...(foreign ? { foreignFiles: true } : {}) });
    if (ctx.run.rollback && !rollingBack) return;
    if (drift.files?.length) {
      // Shown at once; the gate at the next step boundary reads the files again, so one sighting is enough.
      ctx.run.foreignWriteNoticed(drift.files, stepId);
      watching = withoutFiles(watching);
      if (!watching.sprayer && !watching.bindings) return;
    }
    if (drift.found.length === 0) continue;
    guard.correcting = correctDrift(ctx, foreign ? withoutFiles(watching) : watching, drift, stepId);
    // Also on the run: a rollback that does not wait for this wait to settle still waits for it.
    ctx.run.correcting = guard.correcting;
    try {
      await guard.correcting;
    } finally {
      guard.correcting = undefined;
      ctx.run.correcting = undefined;
    }
  }
}

/**
 * Runs `wait` while the routing turnout set is watched and put back on drift. Patched: histories
 * recorded before the guard existed replay without it.
 */
export async function guarded<T>(ctx: StepContext, stepId: string, wait: () => Promise<T>): Promise<T> {
  const expected = expectedRouting(ctx);
  if (!expected || !patched('routing-guard')) return wait();
  const foreign = expected.pluginCfg !== undefined && patched(foreignWritesPatch);
  const scope = new CancellationScope();
  const guard: Guard = { correcting: undefined };
  void scope.run(() => watch(ctx, expected, stepId, guard, foreign)).catch((err: unknown) => {
    if (!isCancellation(err)) ctx.run.event('turnout', 'routing-guard-stopped', `the routing guard stopped: ${(err as Error).message}`, stepId);
  });
  try {
    return await wait();
  } finally {
    scope.cancel();
    // A correction under way finishes before anything else touches routing; a mere watch is dropped at once.
    if (guard.correcting) await guard.correcting.catch(() => undefined);
  }
}
