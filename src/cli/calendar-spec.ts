/**
 * The `--calendar` spec of `turnout schedule create`: `DAY[,DAY] HH:MM`, days MON..SUN or `*`,
 * read in the schedule's time zone. Kept small on purpose: an off-peak rollout runs at a time of
 * day on some days of the week, and anything richer belongs in the Temporal UI.
 */
import type { CalendarSpec, DayOfWeek } from '@temporalio/client';
import { CliError, ExitCode } from './exit-codes';

const dayNames = { MON: 'MONDAY', TUE: 'TUESDAY', WED: 'WEDNESDAY', THU: 'THURSDAY', FRI: 'FRIDAY', SAT: 'SATURDAY', SUN: 'SUNDAY' } as const satisfies Record<string, DayOfWeek>;
type DayName = keyof typeof dayNames;

function isDayName(day: string): day is DayName {
  return Object.hasOwn(dayNames, day);
}

function bad(spec: string, why: string): CliError {
  return new CliError(`--calendar: ${why} in '${spec}'; expected DAY[,DAY] HH:MM, days MON..SUN or *, such as 'SUN 02:00' or 'SAT,SUN 23:30'`, ExitCode.invalidInput);
}

function parseDays(spec: string, text: string): DayOfWeek[] | '*' {
  if (text === '*') return '*';
  const days = text.split(',').map((d) => d.trim().toUpperCase());
  const unknown = days.filter((d) => !isDayName(d));
  if (unknown.length > 0) throw bad(spec, `unknown day ${unknown.map((d) => `'${d}'`).join(', ')}`);
  return [...new Set(days as DayName[])].map((d) => dayNames[d]);
}

/** Parses a calendar spec into a Temporal CalendarSpec; a bad spec is invalid input (exit 2) naming `--calendar`. */
export function parseCalendarSpec(spec: string): CalendarSpec {
  const parts = spec.trim().split(/\s+/);
  if (parts.length !== 2) throw bad(spec, 'need a day part and a time');
  const [dayPart, time] = parts as [string, string];
  const days = parseDays(spec, dayPart);
  const clock = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!clock) throw bad(spec, `'${time}' is not a time of day (HH:MM, 24-hour)`);
  return { dayOfWeek: days, hour: Number(clock[1]), minute: Number(clock[2]), second: 0 };
}
