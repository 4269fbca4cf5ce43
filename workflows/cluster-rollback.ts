/**
 * Rollback of the single-cell and Java-client procedures (seed 002: "The rollback procedure
 * involves using the starting state version of the plugin-cfg.xml file"; DESIGN, "Rollback").
 *
 * Version N's servers come back first, so the site never lacks a cluster that takes new sessions.
 * For the single cell, routing follows: once N+1 servers have taken sessions, a hold file goes out
 * in which version N takes every new session while the N+1 sessions keep their servers; when those
 * have ended, every HTTP server gets its starting bytes back. For Java clients, the bindings switch
 * back. Servers the rollout started stop again. Every step retries through faults (see `tracked`).
 */
import { patched } from '@temporalio/workflow';
import { clusterServerNames } from '../src/model/estate';
import { javaClientMoves, singleCellMoves, type ClusterRollbackInput, type ClusterRollbackMove } from '../src/planning/rollback-route';
import { rollbackActs, summarized } from './activity-proxies';
import { pickupTimer } from './cluster-steps';
import { addStep, beginRollback, letEnd, showRoute, tracked } from './rollback';
import type { StepContext } from './steps';

/**
 * The moved servers that may hold N+1 sessions: not those only announced at weight 0, which took
 * none (a distribution that failed there needs no hold file and no drain, only the starting bytes).
 * Patched: older histories held every moved server.
 */
function live(changes: StepContext['changes']): string[] {
  const announced = changes.announced ?? [];
  if (announced.length === 0 || !patched('announced-servers-need-no-hold')) return changes.moved;
  return changes.moved.filter((s) => !announced.includes(s));
}

/** Where the rollout stands, as the rollback's moves need it. */
function standing(ctx: StepContext): ClusterRollbackInput {
  const { changes, estate } = ctx;
  const before = new Set(changes.runningBefore ?? []);
  const stopAgain = changes.started.filter((s) => !before.has(s));
  const wrote = changes.stage !== undefined && changes.pluginCfgBefore !== undefined;
  const moved = live(changes);
  const hold = wrote && moved.length > 0 && changes.generated !== undefined;
  return {
    startAgain: changes.stopped.filter((s) => before.has(s)),
    stopAgain,
    wrote,
    moved: hold ? moved : [],
    bindingsSwitched: changes.bindings !== undefined && changes.bindingsBefore !== undefined,
    quiet: clusterServerNames(estate, ctx.plan.clusters?.incoming).filter((s) => stopAgain.includes(s)),
  };
}

/** Adds the moves as rollback steps and shows them as the route. */
function announce(ctx: StepContext, moves: ClusterRollbackMove[]): Record<string, string> {
  for (const m of moves) addStep(ctx, m.id, m.title);
  showRoute(ctx, moves.map((m) => m.title));
  return Object.fromEntries(moves.map((m) => [m.id, m.title]));
}

/** Runs the moves in order through `run`; stops when a person left the rollback as is. */
async function perform(ctx: StepContext, moves: ClusterRollbackMove[], run: Record<string, () => Promise<unknown>>): Promise<void> {
  for (const m of moves) {
    const fn = run[m.id];
    if (fn && !(await tracked(ctx, m.id, fn))) return;
  }
}

/** Rolls a single-cell rollout back. */
export async function rollBackSingleCell(ctx: StepContext, failedStep: string | undefined): Promise<void> {
  const { estate, changes } = ctx;
  beginRollback(ctx, failedStep);
  const s = standing(ctx);
  const moves = singleCellMoves(s);
  const t = announce(ctx, moves);
  const snapshot = changes.pluginCfgBefore;
  const clusters = ctx.plan.clusters ?? { active: '', incoming: '' };
  const hold = s.moved.length > 0;
  await perform(ctx, moves, {
    'rollback.start': () => summarized(rollbackActs.manageServers, t['rollback.start'] ?? '', { estate, action: 'start', servers: [...s.startAgain] }),
    'rollback.routing': async () => {
      if (!snapshot) return;
      const holdFile = { generated: changes.generated ?? '', stage: 'hold' as const, active: clusters.active, incoming: clusters.incoming, moved: changes.moved };
      // From here the guard keeps the rollback's file; the starting bytes are nobody's to guard (nothing waits after them).
      changes.pluginCfg = hold ? holdFile : undefined;
      if (hold) await summarized(rollbackActs.distributePluginCfg, t['rollback.routing'] ?? '', { estate, ...holdFile });
      else await summarized(rollbackActs.restorePluginCfg, t['rollback.routing'] ?? '', { estate, snapshot });
      // Rollback is not interruptible: the pickup is a plain timer.
      await pickupTimer(estate, hold ? 'the hold file' : 'the starting plugin-cfg.xml');
    },
    'rollback.drain': () => letEnd(ctx, 'rollback.drain', [...s.moved], 'sessions', t['rollback.drain']),
    'rollback.plugin-cfg': async () => {
      if (!snapshot) return;
      changes.pluginCfg = undefined;
      await summarized(rollbackActs.restorePluginCfg, t['rollback.plugin-cfg'] ?? '', { estate, snapshot });
      await pickupTimer(estate, 'the starting plugin-cfg.xml');
    },
    'rollback.stop': () => summarized(rollbackActs.manageServers, t['rollback.stop'] ?? '', { estate, action: 'stop', servers: [...s.stopAgain] }),
  });
}

/**
 * Rolls a Java-client rollout back. Version N's servers start before the bindings point back at
 * them (patched: older histories switched the bindings first).
 */
export async function rollBackJavaClient(ctx: StepContext, failedStep: string | undefined): Promise<void> {
  const { estate, changes } = ctx;
  beginRollback(ctx, failedStep);
  const s = standing(ctx);
  let moves = javaClientMoves(s);
  if (s.startAgain.length > 0 && s.bindingsSwitched && !patched('java-rollback-starts-first')) {
    moves = [...moves.filter((m) => m.id === 'rollback.bindings'), ...moves.filter((m) => m.id !== 'rollback.bindings')];
  }
  const t = announce(ctx, moves);
  await perform(ctx, moves, {
    'rollback.start': () => summarized(rollbackActs.manageServers, t['rollback.start'] ?? '', { estate, action: 'start', servers: [...s.startAgain] }),
    'rollback.bindings': () => {
      changes.bindings = changes.bindingsBefore;
      return summarized(rollbackActs.setBindings, t['rollback.bindings'] ?? '', { estate, values: changes.bindingsBefore ?? [] });
    },
    'rollback.quiet': () => letEnd(ctx, 'rollback.quiet', [...s.quiet], 'connections', t['rollback.quiet']),
    'rollback.stop': () => summarized(rollbackActs.manageServers, t['rollback.stop'] ?? '', { estate, action: 'stop', servers: [...s.stopAgain] }),
  });
}
