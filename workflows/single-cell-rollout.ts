/**
 * `singleCellRollout`: the single-cell procedure (seed 002, steps A-F), active and dormant clusters
 * behind the HTTP plug-in, moved by rewriting plugin-cfg.xml. With `strategy.dormantCell` it covers
 * the same-hardware dormant-cell variation.
 */
import { workflowTypes, type RolloutStatus } from '../src/model';
import { planSingleCell } from '../src/planning/single-cell';
import { rollBackSingleCell } from './cluster-rollback';
import { recordClusterStart } from './cluster-steps';
import { runRollout } from './executor';

/** Rolls an application from version N on the active cluster to N+1 on the dormant one. */
export async function singleCellRollout(request: unknown, continued?: unknown): Promise<RolloutStatus> {
  return runRollout(workflowTypes.singleCellRollout, request, { plan: planSingleCell, recordStart: recordClusterStart, rollBack: rollBackSingleCell }, continued);
}
