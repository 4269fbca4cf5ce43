/**
 * A rollout's final status as a client reads it from the workflow's close. A rollout that succeeded
 * completes with its status; one that did not (rolled back, failed, left as is) fails with a typed
 * failure whose details hold the final status, so the UI shows it in red and a client still needs
 * no worker to read the status. Histories from before the `rolled-back-ends-failed` patch completed
 * a rolled-back rollout with its status and failed without details.
 */
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { RolloutStatus } from '../model';
import { failureTypes } from '../../workflows/failure-types';

/** The final status a rollout's failure carries in its details, if it carries one. */
export function statusOfFailure(err: unknown): RolloutStatus | undefined {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (!(cause instanceof ApplicationFailure)) return undefined;
  const status = cause.details?.[0];
  return status !== null && typeof status === 'object' && 'state' in status && 'rolloutId' in status ? (status as RolloutStatus) : undefined;
}

/** Whether the workflow's failure is a rollback that went through (`RolledBack`). */
export function isRolledBack(err: unknown): boolean {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.type === failureTypes.rolledBack;
}

/**
 * The status a rollout ended with when it succeeded or was rolled back, as `handle.result()` used
 * to resolve to for both; any other failure is thrown as the SDK threw it.
 */
export async function rolloutOutcome(handle: WorkflowHandle): Promise<RolloutStatus> {
  try {
    return (await handle.result()) as RolloutStatus;
  } catch (err) {
    const status = isRolledBack(err) ? statusOfFailure(err) : undefined;
    if (status) return status;
    throw err;
  }
}
