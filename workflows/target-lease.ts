/**
 * One running rollout per target (application + estate), whatever workflow ID was typed.
 *
 * Each rollout starts a child workflow whose ID is derived from its target. Temporal refuses a second
 * running workflow with the same ID, atomically, so two rollouts can never both hold a target; the
 * child ends with its parent (parent close policy TERMINATE), which releases the target.
 */
import { condition, defineQuery, setHandler } from '@temporalio/workflow';

/** The lease's workflow ID for a target. */
export function targetLeaseId(target: string): string {
  return `turnout-target:${target}`;
}

/** Answers which rollout holds the lease. */
export const leaseOwnerQuery = defineQuery<string>('owner');

/** Holds a target for `owner` (a rollout's workflow ID) until the owner ends. */
export async function rolloutTargetLease(owner: string): Promise<void> {
  setHandler(leaseOwnerQuery, () => owner, { description: 'The workflow ID of the rollout that holds this target.' });
  await condition(() => false);
}
