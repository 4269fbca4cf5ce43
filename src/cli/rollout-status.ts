/**
 * A rollout's status as the CLI shows it, whatever stage the workflow is in: a delayed start that
 * has not run its first task (no query can answer yet), a running rollout (the `status` query), or
 * an ended one (its result, the status its failure carries when it did not succeed, or the query
 * replayed; a workflow that failed before it could record a final state is shown as failed, with
 * the failure as the reason).
 */
import { WorkflowFailedError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { isFinal, type RolloutRequest, type RolloutStatus } from '../model';
import { statusQuery } from '../../workflows/messages';
import { rolloutSearchAttributes } from '../../workflows/search-attributes';
import { CliError, ExitCode } from './exit-codes';
import { statusOfFailure } from './rollout-outcome';
import { isNoAnswerInTime, noWorkerSentence, workerAnswerLimitMs, workerPresence } from './worker-presence';

/** What the client records on a rollout it starts, so the CLI can describe it before the workflow runs. */
export interface RolloutMemo {
  app: string;
  fromVersion: string;
  toVersion: string;
  target: string;
  /** The start time asked for with `start --at`, as typed (the server's execution time is within milliseconds of it). */
  startsAt?: string;
}

/** The memo `turnout start` and `turnout schedule create` attach to rollouts. */
export function rolloutMemo(request: RolloutRequest, target: string, startsAt?: Date): RolloutMemo {
  return { app: request.app, fromVersion: request.fromVersion, toVersion: request.toVersion, target, ...(startsAt ? { startsAt: startsAt.toISOString() } : {}) };
}

/** How long an ended rollout's replayed query may take before the CLI falls back to describe. */
const endedQueryLimitMs = 10_000;

/** Whether the workflow is a delayed start whose first task has not run. */
export function notBegun(d: WorkflowExecutionDescription, now = Date.now()): boolean {
  return d.status.name === 'RUNNING' && d.executionTime !== undefined && d.executionTime.getTime() > now;
}

/** A status built from describe alone: memo, search attributes and workflow type. */
function describedStatus(d: WorkflowExecutionDescription): RolloutStatus {
  const memo = (d.memo ?? {}) as Partial<RolloutMemo>;
  const sa = d.typedSearchAttributes;
  return {
    rolloutId: d.workflowId,
    workflowType: d.type,
    app: memo.app ?? sa.get(rolloutSearchAttributes.app) ?? '',
    fromVersion: memo.fromVersion ?? '',
    toVersion: memo.toVersion ?? '',
    target: memo.target ?? sa.get(rolloutSearchAttributes.target) ?? '',
    state: 'scheduled',
    currentStep: null,
    steps: [],
    approvals: [],
    events: [],
  };
}

async function failureOf(handle: WorkflowHandle): Promise<{ result?: RolloutStatus; failure?: string }> {
  try {
    return { result: (await handle.result()) as RolloutStatus };
  } catch (err) {
    // A rollout that ended rolled back or failed carries its final status (patch `rolled-back-ends-failed`).
    const ended = statusOfFailure(err);
    if (ended) return { result: ended };
    if (err instanceof WorkflowFailedError) return { failure: err.cause?.message ?? err.message };
    return { failure: (err as Error).message };
  }
}

async function endedStatus(client: Client, handle: WorkflowHandle, d: WorkflowExecutionDescription): Promise<RolloutStatus> {
  const { result, failure } = await failureOf(handle);
  if (result && typeof result === 'object' && 'state' in result) return result;
  let status: RolloutStatus;
  try {
    // The query replays the history on a worker; without one polling, describe is all there is.
    status = await client.withDeadline(Date.now() + endedQueryLimitMs, () => handle.query(statusQuery));
  } catch {
    status = describedStatus(d);
  }
  if (isFinal(status.state)) return status;
  const why = failure ?? `the workflow ${d.status.name.toLowerCase()}`;
  return { ...status, state: 'failed', currentStep: null, reason: status.reason ?? why };
}

/** When a delayed start begins: the time asked for, else the server's execution time. */
export function startsAt(d: WorkflowExecutionDescription): string | undefined {
  return (d.memo as Partial<RolloutMemo> | undefined)?.startsAt ?? d.executionTime?.toISOString();
}

/** Thrown when no worker answers a running rollout's status query in time; the CLI exits 1. */
export class StatusUnanswered extends CliError {
  constructor(message: string) {
    super(message, ExitCode.failure);
  }
}

/** A running rollout's status comes from its worker; without one, the query would wait for ever. */
async function runningStatus(client: Client, handle: WorkflowHandle, d: WorkflowExecutionDescription): Promise<RolloutStatus> {
  try {
    return await client.withDeadline(Date.now() + workerAnswerLimitMs, () => handle.query(statusQuery));
  } catch (err) {
    if (!isNoAnswerInTime(err)) throw err;
    const state = d.typedSearchAttributes.get(rolloutSearchAttributes.state);
    const presence = await workerPresence(client, d.taskQueue);
    const within = `within ${workerAnswerLimitMs / 1000} s`;
    const why = presence === 'none' ? noWorkerSentence(d.taskQueue) : presence === 'polling' ? `a worker polls task queue "${d.taskQueue}" but did not answer ${within}` : `no worker answered ${within}`;
    throw new StatusUnanswered(`rollout ${d.workflowId} is running${state ? ` (last recorded state: ${state})` : ''}, but its status cannot be read: ${why}`);
  }
}

/**
 * Reads a rollout's status. An unknown ID throws the SDK's WorkflowNotFoundError, which
 * `withClient` turns into exit 3; a running rollout no worker answers for, {@link StatusUnanswered}.
 */
export async function readRolloutStatus(client: Client, id: string): Promise<RolloutStatus> {
  const handle = client.workflow.getHandle(id);
  const d = await handle.describe();
  if (notBegun(d)) return { ...describedStatus(d), startsAt: startsAt(d) };
  if (d.status.name === 'RUNNING') return runningStatus(client, handle, d);
  return endedStatus(client, handle, d);
}
