/**
 * `multiClusterUpgrade`: seed 004's online upgrade without loss of service, one cluster at a time
 * behind Sun ONE / GlassFish load balancers that route by loadbalancer.xml; and `clusterOperation`,
 * the section's short procedures (reconfigure an instance, redeploy a web module, remove an instance
 * or a cluster), with the same quiesce rules.
 */
import { patched } from '@temporalio/workflow';
import { workflowTypes, type RolloutStatus } from '../src/model';
import { planClusterOperation } from '../src/planning/cluster-operation';
import { planMultiCluster } from '../src/planning/multi-cluster';
import { acts, lbActs, summarized } from './activity-proxies';
import { runRollout } from './executor';
import { rollBackLb } from './lb-rollback';
import type { StepContext } from './steps';

/** Before the first change: every load balancer's file (they must agree), what the rollback puts back. */
async function recordLbStart(ctx: StepContext): Promise<void> {
  const snapshot = await summarized(lbActs.snapshotLoadBalancerXml, 'Record every load balancer\'s loadbalancer.xml (they must be identical)', ctx.estate);
  ctx.lb.start = snapshot.base64;
  ctx.run.event('turnout', 'loadbalancer-xml-recorded', `every load balancer holds ${snapshot.sha256.slice(0, 12)} (${snapshot.balancers.map((b) => b.name).join(', ')})`);
  // Nothing reads which servers ran before: histories from before this patch recorded it.
  if (!patched('start-skips-running-servers')) ctx.changes.runningBefore = await summarized(acts.runningServers, 'Record which servers run before the rollout', ctx.estate);
}

/** Upgrades every cluster in turn behind the load balancers. */
export async function multiClusterUpgrade(request: unknown, continued?: unknown): Promise<RolloutStatus> {
  return runRollout(workflowTypes.multiClusterUpgrade, request, { plan: planMultiCluster, recordStart: recordLbStart, rollBack: rollBackLb }, continued);
}

/** One short procedure on a cluster behind the load balancers. */
export async function clusterOperation(request: unknown, continued?: unknown): Promise<RolloutStatus> {
  return runRollout(workflowTypes.clusterOperation, request, { plan: planClusterOperation, recordStart: recordLbStart, rollBack: rollBackLb }, continued);
}
