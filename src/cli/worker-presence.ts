/**
 * Whether a worker polls a rollout's task queue, so that the CLI can say "nothing would act on
 * this" at once instead of sending a message that waits, unseen, for a worker that may never come.
 */
import { isGrpcCancelledError, isGrpcDeadlineError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * How long the CLI waits for a worker to answer (a query, an update's acceptance, a new rollout's
 * claim on its target) before it says so and exits: the CLI never hangs on a missing worker.
 */
export const workerAnswerLimitMs = 10_000;

/**
 * Whether `err` is a call cut off by the CLI's own deadline. A passed deadline comes back as
 * DEADLINE_EXCEEDED, or as CANCELLED ("Call cancelled") when it fires inside the SDK's retrying
 * interceptor, as a query or an update waiting for an absent worker does; the CLI cancels nothing
 * else, so either means "no answer in time".
 */
export function isNoAnswerInTime(err: unknown): boolean {
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err) || isGrpcCancelledError(err);
}

/**
 * How old a poller's last access may be for its worker to count as present. The server records a
 * poll when it begins, and holds an idle long poll for up to a minute before the worker polls
 * again; so a live, idle worker's last access can be a minute old. The rest is slack for a busy
 * machine and for clock skew between this machine and the server (the time is the server's).
 */
export const pollerFreshnessMs = 90_000;

/** `polling`: a worker polled lately. `none`: nobody did. `unknown`: the server would not say. */
export type WorkerPresence = 'polling' | 'none' | 'unknown';

/** What this module reads of a poller as DescribeTaskQueue reports it (seconds may be a Long). */
export interface PollerTime {
  lastAccessTime?: { seconds?: { toString(): string } | number | null; nanos?: number | null } | null;
}

function millis(t: PollerTime['lastAccessTime']): number | undefined {
  if (t?.seconds === undefined || t.seconds === null) return undefined;
  return Number(String(t.seconds)) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** Whether any poller accessed the queue within {@link pollerFreshnessMs} of `now`. */
export function hasLivePoller(pollers: readonly PollerTime[], now: number): boolean {
  return pollers.some((p) => {
    const at = millis(p.lastAccessTime);
    return at !== undefined && now - at <= pollerFreshnessMs;
  });
}

/** Whether a worker polls the workflow task queue `taskQueue` (DescribeTaskQueue). */
export async function workerPresence(client: Client, taskQueue: string, now = Date.now()): Promise<WorkerPresence> {
  const { TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;
  try {
    const r = await client.withDeadline(Date.now() + workerAnswerLimitMs, () =>
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    return hasLivePoller(r.pollers ?? [], now) ? 'polling' : 'none';
  } catch {
    // A server (or a role) that refuses DescribeTaskQueue must not block messages: the caller's
    // own bound on waiting for the worker still keeps the CLI from hanging.
    return 'unknown';
  }
}

/** The words the CLI prints when nobody polls `taskQueue`. */
export function noWorkerSentence(taskQueue: string, yet = false): string {
  return `no worker polls task queue "${taskQueue}"${yet ? ' yet' : ''} (none in the last ${pollerFreshnessMs / 1000} s)`;
}
