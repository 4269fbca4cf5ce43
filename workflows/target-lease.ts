/**
 * One running rollout per target (application + estate), whatever workflow ID was typed.
 *
 * Each rollout starts a child workflow whose ID is derived from its target. Temporal refuses a second
 * running workflow with the same ID, atomically, so two rollouts can never both hold a target.
 *
 * How the lease ends depends on when the rollout started:
 * - since `lease-released-at-end`, the child is abandoned by its parent's close (it outlives a
 *   continue-as-new, which closes a run but not the rollout) and the rollout releases it with
 *   {@link releaseLeaseSignal} as it ends, so the lease completes. A lease whose rollout closed
 *   without releasing it (terminated by a person) is taken over by the next claim of the target,
 *   once the server says its owner no longer runs (`takeOverTargetLease`);
 * - before, the child ended with its parent (parent close policy TERMINATE), as a terminated lease.
 */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

/** The lease's workflow ID for a target. */
export function targetLeaseId(target: string): string {
  return `turnout-target:${target}`;
}

/** Answers which rollout holds the lease. */
export const leaseOwnerQuery = defineQuery<string>('owner');

/** The holder gives the target back; from anyone else the signal is ignored. */
export const releaseLeaseSignal = defineSignal<[{ owner: string }]>('release');

/** Holds a target for `owner` (a rollout's workflow ID) until the owner releases it or ends. */
export async function rolloutTargetLease(owner: string): Promise<void> {
  let released = false;
  setHandler(leaseOwnerQuery, () => owner, { description: 'The workflow ID of the rollout that holds this target.' });
  // Never throws: a malformed signal must not fail the lease's task, and only the holder releases.
  setHandler(
    releaseLeaseSignal,
    (input?: unknown) => {
      if (typeof input === 'object' && input !== null && (input as { owner?: unknown }).owner === owner) released = true;
    },
    { description: 'Sent by the rollout holding this target as it ends: {"owner": "<its workflow ID>"}. Anything else is ignored.' },
  );
  await condition(() => released);
}
