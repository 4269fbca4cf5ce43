/**
 * What became of a rollout the CLI just started: did it claim its target? A start call returns as
 * soon as the server has recorded the workflow; the target is claimed later, by the workflow, when a
 * worker runs it (workflows/target-lease.ts). Two starts at the same instant both pass the CLI's
 * look-ahead, and the loser only learns it lost when its workflow fails with TargetBusy; so
 * "started" is printed only once the lease names this rollout as its holder.
 */
import { ApplicationFailure, WorkflowFailedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { failureTypes } from '../../workflows/failure-types';
import { targetLeaseId } from '../../workflows/target-lease';
import { isRolledBack } from './rollout-outcome';
import { workerAnswerLimitMs, workerPresence } from './worker-presence';
import { leaseHolder } from '../temporal/target-lease-holder';

/** The rollout holding `target`, if one runs: a lease left by a rollout that no longer runs is taken over by the next claim. */
export async function runningOwner(client: Client, target: string): Promise<string | undefined> {
  const held = await leaseHolder(client, target);
  return held?.ownerRunning ? held.owner : undefined;
}

/** A rollout just started, as the lease check needs it. */
export interface StartedRollout {
  workflowId: string;
  /** The run the start created: a lease held by an earlier run of the same ID is not ours. */
  runId: string;
  target: string;
  taskQueue: string;
}

/**
 * - `claimed`: the lease runs with this rollout as its parent.
 * - `busy`: the workflow failed with TargetBusy; `owner` is the rollout holding the target.
 * - `failed`: it ended at once for another reason (its failure type and message).
 * - `no-worker`: nobody polls the task queue, so nothing has run it.
 * - `undecided`: a worker polls, but neither happened within the limit.
 */
export type LeaseOutcome =
  | { kind: 'claimed' }
  | { kind: 'busy'; owner: string | undefined; message: string }
  | { kind: 'failed'; type: string | undefined; message: string }
  | { kind: 'no-worker' }
  | { kind: 'undecided' };

const lookEveryMs = 200;

async function holdsLease(client: Client, s: StartedRollout): Promise<boolean> {
  try {
    const lease = await client.workflow.getHandle(targetLeaseId(s.target)).describe();
    return lease.status.name === 'RUNNING' && lease.parentExecution?.workflowId === s.workflowId && lease.parentExecution.runId === s.runId;
  } catch {
    return false;
  }
}

async function endedOutcome(client: Client, s: StartedRollout, d: WorkflowExecutionDescription): Promise<LeaseOutcome> {
  if (d.status.name === 'COMPLETED') return { kind: 'claimed' };
  if (d.status.name !== 'FAILED') return { kind: 'failed', type: undefined, message: `the workflow was ${d.status.name.toLowerCase().replace(/_/g, ' ')}` };
  const err = await client.workflow.getHandle(s.workflowId, s.runId).result().then(() => undefined, (e: unknown) => e);
  // A rollback ends the workflow failed, but only after the target was claimed and the rollout ran.
  if (isRolledBack(err)) return { kind: 'claimed' };
  const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
  const type = cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
  const message = cause?.message ?? (err as Error | undefined)?.message ?? 'the workflow failed';
  if (type === failureTypes.targetBusy) return { kind: 'busy', owner: await runningOwner(client, s.target), message };
  return { kind: 'failed', type, message };
}

/** One look: the outcome if there is one yet. */
async function look(client: Client, s: StartedRollout): Promise<LeaseOutcome | undefined> {
  if (await holdsLease(client, s)) return { kind: 'claimed' };
  const d = await client.workflow.getHandle(s.workflowId, s.runId).describe();
  return d.status.name === 'RUNNING' ? undefined : endedOutcome(client, s, d);
}

/** Waits, at most `limitMs`, for the started rollout to claim its target or fail to. */
export async function awaitLeaseOutcome(client: Client, s: StartedRollout, limitMs = workerAnswerLimitMs): Promise<LeaseOutcome> {
  if ((await workerPresence(client, s.taskQueue)) === 'none') return { kind: 'no-worker' };
  const deadline = Date.now() + limitMs;
  for (;;) {
    const outcome = await look(client, s);
    if (outcome) return outcome;
    if (Date.now() >= deadline) return { kind: 'undecided' };
    await new Promise((r) => setTimeout(r, lookEveryMs));
  }
}
