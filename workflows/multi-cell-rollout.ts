/**
 * `multiCellRollout`: the multi-cell procedure through the IP sprayer (seed 002), on the shared
 * executor. The input is one RolloutRequest JSON object, as typed in the Temporal UI.
 */
import { workflowTypes, type RolloutStatus } from '../src/model';
import { planMultiCell } from '../src/planning/multi-cell';
import { runRollout } from './executor';
import { rollBack, snapshotSprayer } from './rollback';

/** Rolls an application from version N to N+1 across cells, one cell at a time. */
export async function multiCellRollout(request: unknown, continued?: unknown): Promise<RolloutStatus> {
  return runRollout(workflowTypes.multiCellRollout, request, { plan: planMultiCell, recordStart: snapshotSprayer, rollBack }, continued);
}
