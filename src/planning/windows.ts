/**
 * Off-peak windows: whether one is open at an instant, when it closes, or when the next one opens.
 * Pure (the instant is an argument), so the executor evaluates it at workflow time.
 *
 * Local times are turned into instants by luxon, never by hand, which settles the daylight-saving
 * edges the way luxon does:
 * - a local time that does not exist (02:30 on a spring-forward day) moves forward by the gap
 *   (02:30 becomes 03:30 summer time); a window that lies wholly in the gap (02:00-03:00) is empty;
 * - a local time that occurs twice (02:30 on a fall-back day in Europe/Berlin, 01:30 in
 *   America/New_York) means its second occurrence, in standard time.
 *
 * A window belongs to the day it starts: `end` < `start` crosses midnight into the next day, and
 * `end` = `start` is a whole day. A blackout date has no window time at all, in the windows' zone:
 * the windows of that day do not open (not even their part past midnight), and a window of the day
 * before closes at the blackout date's midnight.
 */
import { DateTime } from 'luxon';
import type { Windows } from '../model';
import { PlanningError } from './planning-error';

/** How far ahead the next opening is looked for; a schedule that never opens in that time is refused. */
export const windowSearchDays = 400;

/** Open now and closing at `closesAt`, or closed now and opening at `opensAt` (ISO instants in UTC). */
export type WindowState = { open: true; closesAt: string } | { open: false; opensAt: string };

const weekdayNumbers = { MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6, SUN: 7 } as const;

interface Interval {
  start: number;
  end: number;
}

/** The instant of local time `clock` on calendar date `day` in `zone` (luxon settles DST gaps and repeats). */
function atClock(day: DateTime, clock: string, zone: string): number {
  const [hour, minute] = clock.split(':').map(Number);
  return DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone }).toMillis();
}

/**
 * The windows that start on calendar date `day` (a date, held in UTC so that stepping through days
 * costs no time-zone lookups), in order of start. A window running into a blackout date stops at
 * its midnight.
 */
function intervalsOf(windows: Windows, day: DateTime, blackout: ReadonlySet<string>): Interval[] {
  const starting = windows.windows.filter((w) => w.days.some((d) => weekdayNumbers[d] === day.weekday));
  if (starting.length === 0 || blackout.has(day.toISODate() ?? '')) return [];
  const zone = windows.timeZone;
  const next = day.plus({ days: 1 });
  const cutAtMidnight = blackout.has(next.toISODate() ?? '');
  return starting
    .map((w) => {
      const start = atClock(day, w.start, zone);
      if (w.end > w.start) return { start, end: atClock(day, w.end, zone) };
      const end = atClock(next, w.end, zone);
      return { start, end: cutAtMidnight ? Math.min(end, atClock(next, '00:00', zone)) : end };
    })
    .sort((a, b) => a.start - b.start);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Whether an off-peak window is open at `now`. When open, `closesAt` is the end of the open time,
 * windows that touch or overlap counting as one; when closed, `opensAt` is the next opening, which
 * is never earlier than `now`. Throws a PlanningError naming `$.windows` when no window opens within
 * {@link windowSearchDays} days.
 */
export function windowState(windows: Windows, now: Date): WindowState {
  const at = now.getTime();
  const blackout = new Set(windows.blackoutDates);
  const local = DateTime.fromJSDate(now, { zone: windows.timeZone });
  const today = DateTime.utc(local.year, local.month, local.day);
  let open: Interval | undefined;
  // Starts rise from day to day, and within a day after sorting, so the first interval not yet
  // ended either holds `now` or is the next opening. Yesterday's windows may reach past midnight.
  for (let offset = -1; offset <= windowSearchDays; offset++) {
    for (const iv of intervalsOf(windows, today.plus({ days: offset }), blackout)) {
      if (iv.end <= at || iv.start >= iv.end) continue;
      if (open && iv.start > open.end) return { open: true, closesAt: iso(open.end) };
      if (open) open.end = Math.max(open.end, iv.end);
      else if (iv.start <= at) open = { ...iv };
      else return { open: false, opensAt: iso(iv.start) };
    }
  }
  // Open without a gap as far as the search looks: it closes no earlier than that.
  if (open) return { open: true, closesAt: iso(open.end) };
  throw new PlanningError(`$.windows: no off-peak window opens within ${windowSearchDays} days of ${now.toISOString()} (check the days and the blackout dates)`);
}

/** An instant as people read it: in the windows' zone, and in UTC. */
export function formatInstant(instant: string, timeZone: string): string {
  const utc = DateTime.fromISO(instant, { zone: 'utc' }).setLocale('en-US');
  const local = utc.setZone(timeZone);
  return `${local.toFormat('ccc yyyy-MM-dd HH:mm')} ${timeZone} (${utc.toFormat('yyyy-MM-dd HH:mm')} UTC)`;
}

/** The schedule in one line, such as `SAT,SUN 01:00-05:00 Europe/Berlin; no window on 2026-12-24`. */
export function describeSchedule(windows: Windows): string {
  const spans = windows.windows.map((w) => `${w.days.join(',')} ${w.start}-${w.end}`).join(' and ');
  const blackout = windows.blackoutDates.length > 0 ? `; no window on ${windows.blackoutDates.join(', ')}` : '';
  return `${spans} ${windows.timeZone}${blackout}`;
}

/** What `turnout plan` says about windows at `now`: the schedule and the next opening or closing. */
export function describeWindows(windows: Windows, now: Date): string {
  const state = windowState(windows, now);
  const when = state.open
    ? `a window is open now, until ${formatInstant(state.closesAt, windows.timeZone)}`
    : `the next window opens ${formatInstant(state.opensAt, windows.timeZone)}`;
  return `Steps begin only inside the off-peak windows: ${describeSchedule(windows)}; ${when}.`;
}
