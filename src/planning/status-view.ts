/**
 * Small pieces of a status as people read it, shared by Current details and `turnout status`:
 * clock times with durations, the recent events with refusals first, and the refusal a person
 * has not yet answered with an accepted message. Pure.
 */
import type { AuditEvent, StepState } from '../model';
import { formatDuration } from './edition-estimate';

/**
 * Where clock times are read: workflow code has no time zone, so Current details shows UTC (and
 * says so); the CLI shows the local zone.
 */
export type ClockZone = 'utc' | 'local';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `13:27:51` in `zone`; anything that is not a time is shown as given. */
export function clock(iso: string, zone: ClockZone): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (zone === 'utc') return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `13:27:51 UTC`, or `13:27:51` in the local zone: a time shown on its own says when UTC is meant. */
export function clockTime(iso: string, zone: ClockZone): string {
  const shown = clock(iso, zone);
  return zone === 'utc' && shown !== iso ? `${shown} UTC` : shown;
}

/**
 * A step's time: when it started and, once it ended, how long it took (`13:27:51, 4s`), in `zone`;
 * the table's heading names the zone, so the cells stay short.
 */
export function stepTime(step: Pick<StepState, 'startedAt' | 'endedAt'>, zone: ClockZone): string {
  if (!step.startedAt) return step.endedAt ? `ended ${clock(step.endedAt, zone)}` : '';
  const start = clock(step.startedAt, zone);
  if (!step.endedAt) return start;
  const took = (Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000;
  return Number.isNaN(took) ? start : `${start}, ${formatDuration(Math.max(0, took))}`;
}

/** The audit event type of a refused message. */
export const refusedEventType = 'message-refused';

/** Events that mean a person's message was taken: each answers an earlier refusal. */
const acceptedMessageEvents: ReadonlySet<string> = new Set(['approval-received', 'rollback-requested', 'pause-requested', 'resumed', 'leave-as-is-requested']);

/** Refusals of the drain activity's internal channel are not a person's message. */
const isPersonsRefusal = (e: AuditEvent): boolean => e.type === refusedEventType && !e.message.startsWith('drainProgress ');

/** One line of the recent events, and whether it is a refusal. */
export interface RecentEvent {
  event: AuditEvent;
  refused: boolean;
}

/** The last `count` events, refusals first; newest first within each kind. */
export function recentEvents(events: readonly AuditEvent[], count = 5): RecentEvent[] {
  const last = events.slice(-count).reverse().map((event) => ({ event, refused: event.type === refusedEventType }));
  return [...last.filter((e) => e.refused), ...last.filter((e) => !e.refused)];
}

/** The latest refusal of a person's message, unless a message was accepted after it. */
export function lastRefusal(events: readonly AuditEvent[]): AuditEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as AuditEvent;
    if (acceptedMessageEvents.has(e.type)) return undefined;
    if (isPersonsRefusal(e)) return e;
  }
  return undefined;
}

/** Longest event message Current details shows; the status keeps the whole of it. */
const maxShownMessage = 300;

/**
 * Text from a message (names, comments, refusal reasons) made inert in Markdown: it cannot start a
 * heading, a link, a table cell or HTML, and is cut to a readable length.
 */
export function markdownText(text: string, max = maxShownMessage): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[\\`*_[\]<>|#~!]/g, (c) => `\\${c}`);
}
