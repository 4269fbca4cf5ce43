/**
 * Who holds a target's lease, read from the server: the lease workflow and its owner's latest run.
 * The CLI's look-ahead and the claim's take-over both judge a lease by this one reading.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { targetLeaseId } from '../../workflows/target-lease';

/** A running lease, and whether the rollout named as its owner still runs. */
export interface LeaseHolder {
  /** The owner's workflow ID (the lease's parent), or the lease's own ID if it has none. */
  owner: string;
  /** The lease's run, so that a take-over ends this lease and never a newer one. */
  leaseRunId: string;
  /** False once every run of the owner closed: the lease is left over (its rollout was terminated). */
  ownerRunning: boolean;
}

/** The running lease of `target`, or undefined when the target is free. */
export async function leaseHolder(client: Client, target: string): Promise<LeaseHolder | undefined> {
  let lease;
  try {
    lease = await client.workflow.getHandle(targetLeaseId(target)).describe();
  } catch {
    return undefined;
  }
  if (lease.status.name !== 'RUNNING') return undefined;
  const owner = lease.parentExecution?.workflowId;
  if (!owner) return { owner: targetLeaseId(target), leaseRunId: lease.runId, ownerRunning: true };
  // The owner's latest run: a rollout that continued as new still holds the lease.
  const ownerRunning = await client.workflow
    .getHandle(owner)
    .describe()
    .then((d) => d.status.name === 'RUNNING')
    // In doubt (the server did not answer), the owner runs: a lease is never taken from a live rollout.
    .catch((err: unknown) => !(err instanceof WorkflowNotFoundError));
  return { owner, leaseRunId: lease.runId, ownerRunning };
}
