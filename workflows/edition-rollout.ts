/**
 * `editionRollout`: WebSphere's edition rollout (seed 003), atomic or grouped, soft or hard reset,
 * with a drainage interval, behind HAProxy as the on-demand router, and optionally validated first
 * on a clone of the cluster.
 */
import { patched } from '@temporalio/workflow';
import { workflowTypes, type RolloutStatus } from '../src/model';
import { planEdition } from '../src/planning/edition';
import { acts, summarized } from './activity-proxies';
import { rollBackEdition } from './edition-rollback';
import { runRollout } from './executor';
import { snapshotSprayer } from './rollback';
import type { StepContext } from './steps';

/** Before the first change: the router's states, what the rollback puts back. */
async function recordEditionStart(ctx: StepContext): Promise<void> {
  await snapshotSprayer(ctx);
  // Nothing reads which servers ran before an edition rollout; histories from before this patch recorded it.
  if (!patched('start-skips-running-servers')) ctx.changes.runningBefore = await summarized(acts.runningServers, 'Record which servers run before the rollout', ctx.estate);
}

/** Rolls an application's new edition over one cluster's members. */
export async function editionRollout(request: unknown, continued?: unknown): Promise<RolloutStatus> {
  return runRollout(workflowTypes.editionRollout, request, { plan: planEdition, recordStart: recordEditionStart, rollBack: rollBackEdition }, continued);
}
