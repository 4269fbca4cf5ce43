/**
 * Rollback of the single-cell and Java-client procedures (seed 002: "The rollback procedure
 * involves using the starting state version of the plugin-cfg.xml file"; DESIGN, "Rollback").
 *
 * Routing comes first. For the single cell, once N+1 servers have taken sessions, a hold file goes
 * out first: version N takes every new session while the N+1 sessions keep their servers; when
 * those have ended, every HTTP server gets its starting bytes back. For Java clients, both bindings
 * switch back first. Servers the rollout stopped start again; servers it started stop again.
 */
import type { Estate } from '../src/model';
import { acts, drainActivities, summarized } from './activity-proxies';
import { pickupTimer } from './cluster-steps';
import { addStep, beginRollback, tracked } from './rollback';
import type { StepContext } from './steps';

function clusterServers(estate: Estate, cluster: string | undefined): string[] {
  return estate.cells.flatMap((c) => c.clusters).filter((k) => k.name === cluster).flatMap((k) => k.servers.map((s) => s.name));
}

/** What to start again and what to stop again, against the servers running before the rollout. */
function serverRepairs(ctx: StepContext): { startAgain: string[]; stopAgain: string[] } {
  const before = new Set(ctx.changes.runningBefore ?? []);
  return {
    startAgain: ctx.changes.stopped.filter((s) => before.has(s)),
    stopAgain: ctx.changes.started.filter((s) => !before.has(s)),
  };
}

/** Lets sessions (or connections) on `servers` end; the drain policy bounds the wait, then it goes on. */
async function letEnd(ctx: StepContext, stepId: string, title: string, servers: string[], measure: 'sessions' | 'connections'): Promise<void> {
  const policy = { ...ctx.request.drain, onTimeout: 'proceed' as const };
  await summarized(drainActivities(policy).drainServers, title, { estate: ctx.estate, stepId, servers, policy, measure });
}

/** Rolls a single-cell rollout back. */
export async function rollBackSingleCell(ctx: StepContext, failedStep: string | undefined): Promise<void> {
  const { run, estate, changes } = ctx;
  beginRollback(ctx, failedStep);
  const { startAgain, stopAgain } = serverRepairs(ctx);
  const wrote = changes.stage !== undefined && changes.pluginCfgBefore !== undefined;
  const hold = wrote && changes.moved.length > 0 && changes.generated !== undefined;
  const t = {
    start: `Start ${startAgain.join(', ')} again: version N takes its traffic back`,
    routing: hold ? `Restore routing: version N takes every new session; ${changes.moved.join(', ')} keep their sessions` : 'Restore every HTTP server\'s plugin-cfg.xml byte for byte',
    drain: `Let the N+1 sessions on ${changes.moved.join(', ')} end`,
    restore: 'Restore every HTTP server\'s plugin-cfg.xml byte for byte',
    stop: `Stop ${stopAgain.join(', ')}: the cluster is dormant again`,
  };
  if (startAgain.length > 0) addStep(ctx, 'rollback.start', t.start);
  if (wrote) addStep(ctx, 'rollback.routing', t.routing);
  if (hold) {
    addStep(ctx, 'rollback.drain', t.drain);
    addStep(ctx, 'rollback.plugin-cfg', t.restore);
  }
  if (stopAgain.length > 0) addStep(ctx, 'rollback.stop', t.stop);
  run.publish();
  if (startAgain.length > 0) await tracked(ctx, 'rollback.start', () => summarized(acts.manageServers, t.start, { estate, action: 'start', servers: startAgain }));
  const snapshot = changes.pluginCfgBefore;
  if (wrote && snapshot) {
    await tracked(ctx, 'rollback.routing', async () => {
      const clusters = ctx.plan.clusters ?? { active: '', incoming: '' };
      if (hold) await summarized(acts.distributePluginCfg, t.routing, { estate, generated: changes.generated ?? '', stage: 'hold', active: clusters.active, incoming: clusters.incoming, moved: changes.moved });
      else await summarized(acts.restorePluginCfg, t.routing, { estate, snapshot });
      // Rollback is not interruptible: the pickup is a plain timer.
      await pickupTimer(estate, hold ? 'the hold file' : 'the starting plugin-cfg.xml');
    });
    if (hold) {
      await tracked(ctx, 'rollback.drain', () => letEnd(ctx, 'rollback.drain', t.drain, changes.moved, 'sessions'));
      await tracked(ctx, 'rollback.plugin-cfg', async () => {
        await summarized(acts.restorePluginCfg, t.restore, { estate, snapshot });
        await pickupTimer(estate, 'the starting plugin-cfg.xml');
      });
    }
  }
  if (stopAgain.length > 0) await tracked(ctx, 'rollback.stop', () => summarized(acts.manageServers, t.stop, { estate, action: 'stop', servers: stopAgain }));
}

/** Rolls a Java-client rollout back: bindings first. */
export async function rollBackJavaClient(ctx: StepContext, failedStep: string | undefined): Promise<void> {
  const { run, estate, changes } = ctx;
  beginRollback(ctx, failedStep);
  const { startAgain, stopAgain } = serverRepairs(ctx);
  const bindings = changes.bindingsSwitched ? changes.bindingsBefore : undefined;
  const incoming = clusterServers(estate, ctx.plan.clusters?.incoming).filter((s) => stopAgain.includes(s));
  const t = {
    bindings: 'Switch the InitialContextProvider and EJB bindings back: new clients start on version N',
    start: `Start ${startAgain.join(', ')} again`,
    quiet: `Wait until the ORB connections to ${incoming.join(', ')} are quiet`,
    stop: `Stop ${stopAgain.join(', ')}: the cluster is dormant again`,
  };
  if (bindings) addStep(ctx, 'rollback.bindings', t.bindings);
  if (startAgain.length > 0) addStep(ctx, 'rollback.start', t.start);
  if (bindings && incoming.length > 0) addStep(ctx, 'rollback.quiet', t.quiet);
  if (stopAgain.length > 0) addStep(ctx, 'rollback.stop', t.stop);
  run.publish();
  if (bindings) await tracked(ctx, 'rollback.bindings', () => summarized(acts.setBindings, t.bindings, { estate, values: bindings }));
  if (startAgain.length > 0) await tracked(ctx, 'rollback.start', () => summarized(acts.manageServers, t.start, { estate, action: 'start', servers: startAgain }));
  if (bindings && incoming.length > 0) await tracked(ctx, 'rollback.quiet', () => letEnd(ctx, 'rollback.quiet', t.quiet, incoming, 'connections'));
  if (stopAgain.length > 0) await tracked(ctx, 'rollback.stop', () => summarized(acts.manageServers, t.stop, { estate, action: 'stop', servers: stopAgain }));
}
