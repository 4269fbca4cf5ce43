/**
 * Where a step's engine time goes, from the workflow history's event timestamps: the workflow task
 * that scheduled the activity, the wait for a worker to pick it up, and the way back from its
 * completion to the next workflow task.
 */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Epoch milliseconds of a history event. */
export function eventMs(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return Number.NaN;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

/** One activity's life, in epoch milliseconds. */
export interface ActivityTimes {
  type: string;
  scheduled: number;
  started: number;
  closed: number;
}

/** The activities of a history that ran to completion (or failure), in scheduling order. */
export function activityTimes(events: readonly HistoryEvent[]): ActivityTimes[] {
  const byScheduledId = new Map<string, ActivityTimes>();
  for (const e of events) {
    // The attributes say the event's type; the enum's runtime form differs between proto builds.
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) byScheduledId.set(String(e.eventId), { type: scheduled.activityType?.name ?? '?', scheduled: eventMs(e), started: Number.NaN, closed: Number.NaN });
    const started = e.activityTaskStartedEventAttributes;
    if (started) setField(byScheduledId, started.scheduledEventId, 'started', eventMs(e));
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskCanceledEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (closed) setField(byScheduledId, closed.scheduledEventId, 'closed', eventMs(e));
  }
  return [...byScheduledId.values()];
}

function setField(map: Map<string, ActivityTimes>, id: unknown, field: 'started' | 'closed', ms: number): void {
  const entry = map.get(String(id));
  if (entry) entry[field] = ms;
}

/** How a step's wall time splits, in milliseconds; absent parts are 0. */
export interface StepBreakdown {
  /** Step start to the activity being scheduled: the workflow task's own work and its completion. */
  toScheduleMs: number;
  /** Scheduled to picked up by the worker. */
  queueMs: number;
  /** Picked up to completed, as the server saw it (includes the drivers' time). */
  activityMs: number;
  /** Activity completed to the step's end: the next workflow task's scheduling and start. */
  backMs: number;
}

/** The breakdown of a step from `start` to `end` whose activities are those scheduled inside the window. */
export function breakdown(activities: readonly ActivityTimes[], start: number, end: number): StepBreakdown {
  const inside = activities.filter((a) => a.scheduled >= start && a.scheduled <= end && a.closed <= end);
  const first = inside[0];
  const last = inside[inside.length - 1];
  if (!first || !last) return { toScheduleMs: 0, queueMs: 0, activityMs: 0, backMs: 0 };
  return {
    toScheduleMs: first.scheduled - start,
    queueMs: inside.reduce((sum, a) => sum + (a.started - a.scheduled), 0),
    activityMs: inside.reduce((sum, a) => sum + (a.closed - a.started), 0),
    backMs: end - last.closed,
  };
}
