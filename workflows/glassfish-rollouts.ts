/**
 * `versionedRollingUpgrade` (seed 001, GlassFish 3.1+ and Payara: N+1 deployed disabled beside N,
 * then instance by instance quiesced, switched and given back) and `rollingUpgrade` (seed 000,
 * GlassFish 2's procedure: dynamic reconfiguration off, redeploy in place, then instance by instance
 * disabled, restarted with its session store kept, enabled and reconciled).
 */
import { workflowTypes, type RolloutStatus } from '../src/model';
import { planRollingUpgrade } from '../src/planning/rolling-upgrade';
import { planVersionedRollingUpgrade } from '../src/planning/versioned-rolling-upgrade';
import { glassfishActs, summarized } from './activity-proxies';
import { runRollout } from './executor';
import { planned, restoreReconfig, rollBackGlassfish } from './glassfish-rollback';
import { showInstances } from './glassfish-steps';
import { snapshotSprayer } from './rollback';
import type { StepContext } from './steps';

/** Before the first change: the load balancer's states and each instance's versions, and dynamic reconfiguration. */
async function recordGlassfishStart(ctx: StepContext): Promise<void> {
  await snapshotSprayer(ctx);
  const start = await summarized(glassfishActs.recordGlassfishStart, "Record each instance's versions and the cluster's dynamic reconfiguration", { estate: ctx.estate, app: ctx.request.app, cluster: planned(ctx).cluster, instances: planned(ctx).instances });
  ctx.glassfish.reconfigBefore = start.dynamicReconfig;
  showInstances(ctx, start.instances);
}

/** A failure that ends the rollout without a rollback still gives the cluster its dynamic reconfiguration back (seed 000 step 12). */
async function settleGlassfish(ctx: StepContext): Promise<void> {
  if (ctx.glassfish.reconfigOff) await restoreReconfig(ctx, planned(ctx).cluster, false);
}

const procedure = { recordStart: recordGlassfishStart, rollBack: rollBackGlassfish, settle: settleGlassfish };

/** Upgrades a GlassFish or Payara cluster instance by instance with application versioning. */
export async function versionedRollingUpgrade(request: unknown, continued?: unknown): Promise<RolloutStatus> {
  return runRollout(workflowTypes.versionedRollingUpgrade, request, { plan: planVersionedRollingUpgrade, ...procedure }, continued);
}

/** Upgrades a GlassFish or Payara cluster instance by instance through restarts, keeping sessions. */
export async function rollingUpgrade(request: unknown, continued?: unknown): Promise<RolloutStatus> {
  return runRollout(workflowTypes.rollingUpgrade, request, { plan: planRollingUpgrade, ...procedure }, continued);
}
