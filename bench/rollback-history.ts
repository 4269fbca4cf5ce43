/**
 * What a rollback waited for between its signal and the restore of routing, read from the
 * workflow's history: the events the server wrote in between, and when the workflow task that
 * took the signal started and completed. Server and worker run on this machine, so their clocks
 * are one.
 */
import type { temporal } from '@temporalio/proto';
import { eventMs } from './history-timing';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The path from a rollback signal to the restore, as the history shows it. */
export interface RollbackPath {
  /** Epoch ms the server recorded the signal. */
  signalledAt: number;
  /** Epoch ms the first workflow task after the signal started on the worker. */
  taskStartedAt: number;
  /** Epoch ms that workflow task completed (a local activity holds it open while it runs). */
  taskCompletedAt: number;
  /** Workflow tasks completed between the signal and the restore's own command or marker. */
  workflowTasks: number;
  /** Event types from the signal to the restore (inclusive), in order, repeats folded (`x3`). */
  events: string[];
}

/** The event's type, from whichever attributes it carries (the enum's runtime form differs between proto builds). */
function typeOf(e: HistoryEvent): string {
  const key = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]);
  return key ? key.replace(/EventAttributes$/, '').replace(/^./, (c) => c.toUpperCase()) : '?';
}

/** Whether `e` is the restoreRouting activity being scheduled, or its local activity's marker. */
function isRestore(e: HistoryEvent): boolean {
  if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'restoreRouting') return true;
  const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  return data !== undefined && data !== null && Buffer.from(data).toString('utf8').includes('"restoreRouting"');
}

function folded(types: string[]): string[] {
  const out: { type: string; n: number }[] = [];
  for (const type of types) {
    const last = out[out.length - 1];
    if (last && last.type === type) last.n += 1;
    else out.push({ type, n: 1 });
  }
  return out.map(({ type, n }) => (n > 1 ? `${type} x${n}` : type));
}

/** The path of the first `rollback` signal recorded at or after `sentAt`; undefined if none was. */
export function rollbackPath(events: readonly HistoryEvent[]): RollbackPath | undefined {
  const at = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'rollback');
  if (at < 0) return undefined;
  const end = events.findIndex((e, i) => i > at && isRestore(e));
  const span = events.slice(at, end < 0 ? undefined : end + 1);
  const started = span.find((e) => e.workflowTaskStartedEventAttributes);
  const completed = span.find((e) => e.workflowTaskCompletedEventAttributes);
  return {
    signalledAt: eventMs(events[at] as HistoryEvent),
    taskStartedAt: started ? eventMs(started) : Number.NaN,
    taskCompletedAt: completed ? eventMs(completed) : Number.NaN,
    workflowTasks: span.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    events: folded(span.map(typeOf)),
  };
}
