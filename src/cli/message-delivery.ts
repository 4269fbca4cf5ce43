/**
 * Sending a message to a rollout so that what the CLI says is what happened:
 * - no worker polls the rollout's task queue: nothing is sent, exit 1;
 * - the worker does not accept it within {@link workerAnswerLimitMs}: exit 1, saying it may still
 *   be applied when a worker takes it (an admitted update waits on the server for a worker);
 * - refused by the workflow's validator: exit 3 with the reason, never "accepted";
 * - accepted: the new status, or, if it has not taken effect yet, that it was accepted.
 * Each message carries an update ID derived from its meaning (see rollout-messages.ts), so a
 * repeated command is applied once.
 */
import {
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import type { RolloutStatus } from '../model';
import { statusQuery } from '../../workflows/messages';
import { CliError, ExitCode } from './exit-codes';
import { isAuthorizationRefusal } from './temporal-client';
import type { RolloutMessage } from './rollout-messages';
import { notBegun, readRolloutStatus, startsAt } from './rollout-status';
import { isNoAnswerInTime, noWorkerSentence, workerAnswerLimitMs, workerPresence } from './worker-presence';

/** What an accepted message did. */
export interface Delivered {
  /** The status the update returned, or (not in effect yet) the status read after acceptance, if it could be. */
  status: RolloutStatus | undefined;
  /** False when the workflow accepted it but its handler had not finished within the limit. */
  inEffect: boolean;
}

const limitSeconds = workerAnswerLimitMs / 1000;

/**
 * Why a message cannot reach the rollout at all: it has ended (an update can no longer be
 * delivered) or it is a delayed start that has not begun. Undefined when it is running.
 */
async function undeliverable(client: Client, d: WorkflowExecutionDescription): Promise<string | undefined> {
  if (notBegun(d)) return `rollout ${d.workflowId} has not begun; it starts at ${startsAt(d)}`;
  if (d.status.name === 'RUNNING') return undefined;
  const s = await readRolloutStatus(client, d.workflowId);
  return `rollout ${d.workflowId} has ended (${s.state}${s.reason ? `: ${s.reason}` : ''})`;
}

/** Where a message goes, and what the CLI knows of the worker on the way. */
interface Route {
  client: Client;
  handle: WorkflowHandle;
  taskQueue: string;
  /** Whether DescribeTaskQueue showed a worker (false: the server would not say). */
  polling: boolean;
  /** The end of the one budget for reading the status and for acceptance. */
  deadline: number;
}

/** "a worker polls task queue X, but " when the server said so; nothing when it would not say. */
function workerSeen(r: Route): string {
  return r.polling ? `a worker polls task queue "${r.taskQueue}", but ` : '';
}

/** The status the update ID is derived from; reading it also proves a worker answers. */
async function statusBeforeSending(r: Route, command: string): Promise<RolloutStatus> {
  try {
    return await r.client.withDeadline(r.deadline, () => r.handle.query(statusQuery));
  } catch (err) {
    // A refusal by the server's authorizer is said as such by withClient, not as a silent worker.
    if (isAuthorizationRefusal(err)) throw err;
    const why = isNoAnswerInTime(err) ? `did not answer within ${limitSeconds} s` : `could not answer (${(err as Error).message})`;
    const id = r.handle.workflowId;
    throw new CliError(`${command} not sent: ${workerSeen(r)}rollout ${id} ${why} when asked for its status. Nothing was sent; check with \`turnout status ${id}\`.`, ExitCode.failure);
  }
}

/** The refusal's reason as a person reads it. */
function refusal(err: WorkflowUpdateFailedError, updateName: string): string {
  const reason = err.cause?.message ?? err.message;
  // A worker built before this message existed rejects it this way.
  if (/^No registered handler for update/.test(reason)) return `the worker running this rollout does not know ${updateName} (an older turnout worker?)`;
  return reason;
}

function notAccepted(r: Route, command: string): CliError {
  const id = r.handle.workflowId;
  return new CliError(
    `${command} not confirmed: ${workerSeen(r)}rollout ${id} did not accept the ${command} within ${limitSeconds} s. ` +
      `It may still be applied once a worker takes it: check with \`turnout status ${id}\` before you send it again.`,
    ExitCode.failure,
  );
}

/** Sends the update and waits until the workflow accepts it; refusals and timeouts become CliErrors. */
async function sendUntilAccepted<I>(r: Route, msg: RolloutMessage<I>, updateId: string): Promise<WorkflowUpdateHandle<RolloutStatus>> {
  try {
    // startUpdate returns once the workflow has accepted or refused it; a refusal surfaces on result().
    return await r.client.withDeadline(r.deadline, () => r.handle.startUpdate(msg.update, { args: [msg.input] as [I], updateId, waitForStage: 'ACCEPTED' }));
  } catch (err) {
    if (isNoAnswerInTime(err)) throw notAccepted(r, msg.command);
    if (err instanceof WorkflowUpdateFailedError) throw new CliError(`${msg.command} refused: ${refusal(err, msg.update.name)}`, ExitCode.conflict);
    // It ended between describe and the update.
    if (/workflow execution already completed/i.test((err as Error).message)) throw new CliError(`${msg.command} refused: rollout ${r.handle.workflowId} has ended`, ExitCode.conflict);
    throw err;
  }
}

/**
 * A failed outcome: usually the validator's refusal (a refused update's outcome is only read here),
 * or an accepted update whose rollout ended before its handler finished.
 */
function afterAcceptance<I>(err: WorkflowUpdateFailedError, msg: RolloutMessage<I>, id: string): CliError {
  const reason = err.cause?.message ?? err.message;
  if (/completed before the Update completed/i.test(reason)) return new CliError(`${msg.command} was accepted, but rollout ${id} ended before it took effect`, ExitCode.conflict);
  return new CliError(`${msg.command} refused: ${refusal(err, msg.update.name)}`, ExitCode.conflict);
}

/** Waits (bounded) for the handler's result: the status once the message has taken effect. */
async function effect<I>(r: Route, update: WorkflowUpdateHandle<RolloutStatus>, msg: RolloutMessage<I>): Promise<Delivered> {
  try {
    return { status: await r.client.withDeadline(Date.now() + workerAnswerLimitMs, () => update.result()), inEffect: true };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw afterAcceptance(err, msg, r.handle.workflowId);
    if (!isNoAnswerInTime(err)) throw err;
  }
  // Accepted is on the record; only its effect is still to come (a pause waits for a step boundary).
  const status = await r.client.withDeadline(Date.now() + workerAnswerLimitMs, () => r.handle.query(statusQuery)).catch(() => undefined);
  return { status, inEffect: false };
}

/**
 * Delivers `msg` to rollout `id`, or throws a CliError that says exactly how far it got. Never
 * waits on a worker for longer than {@link workerAnswerLimitMs} at a time.
 */
export async function deliverMessage<I>(client: Client, id: string, msg: RolloutMessage<I>): Promise<Delivered> {
  const handle = client.workflow.getHandle(id);
  const d = await handle.describe();
  const why = await undeliverable(client, d);
  if (why) throw new CliError(`${msg.command} refused: ${why}`, ExitCode.conflict);
  const presence = await workerPresence(client, d.taskQueue);
  if (presence === 'none') {
    throw new CliError(`${msg.command} not sent: ${noWorkerSentence(d.taskQueue)}, so nothing would act on it. Nothing was sent; start a worker (\`turnout worker\`) and send it again.`, ExitCode.failure);
  }
  // One budget for reading the status and for acceptance: the person waits at most this long.
  const route: Route = { client, handle, taskQueue: d.taskQueue, polling: presence === 'polling', deadline: Date.now() + workerAnswerLimitMs };
  const before = await statusBeforeSending(route, msg.command);
  const update = await sendUntilAccepted(route, msg, msg.updateId(before));
  return effect(route, update, msg);
}
