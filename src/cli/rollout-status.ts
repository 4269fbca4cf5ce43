/**
 * A rollout's status as the CLI shows it, whatever stage the workflow is in: a delayed start that
 * has not run its first task (no query can answer yet), a running rollout (the `status` query), or
 * an ended one (its result, or the query replayed; a workflow that failed before it could record
 * a final state is shown as failed, with the failure as the reason).
 */
import { WorkflowFailedError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { isFinal, type RolloutRequest, type RolloutStatus } from '../model';
import { statusQuery } from '../../workflows/messages';
import { rolloutSearchAttributes } from '../../workflows/search-attributes';

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

/**
 * Reads a rollout's status. An unknown ID throws the SDK's WorkflowNotFoundError, which
 * `withClient` turns into exit 3.
 */
export async function readRolloutStatus(client: Client, id: string): Promise<RolloutStatus> {
  const handle = client.workflow.getHandle(id);
  const d = await handle.describe();
  if (notBegun(d)) return { ...describedStatus(d), startsAt: startsAt(d) };
  if (d.status.name === 'RUNNING') return handle.query(statusQuery);
  return endedStatus(client, handle, d);
}
