import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { windowsSchema, type RolloutStatus, type Windows } from '../../src/model';
import { renderCurrentDetails } from '../../src/planning/details';
import { PlanningError } from '../../src/planning/planning-error';
import { describeWindows, formatInstant, windowSearchDays, windowState } from '../../src/planning/windows';
import { runCli } from '../support/cli';
import { tempDir } from '../support/temp-dir';

function schedule(timeZone: string, windows: Windows['windows'], blackoutDates: string[] = []): Windows {
  return windowsSchema.parse({ timeZone, windows, blackoutDates });
}
const at = (iso: string): Date => new Date(iso);
const weekend = schedule('Europe/Berlin', [{ days: ['SAT', 'SUN'], start: '01:00', end: '05:00' }]);

describe('windowState', () => {
  it('is open inside a window, with the instant it closes', () => {
    // Sat 2026-06-13 02:00 in Berlin (summer time, UTC+2).
    expect(windowState(weekend, at('2026-06-13T00:00:00Z'))).toEqual({ open: true, closesAt: '2026-06-13T03:00:00.000Z' });
  });

  it('is closed outside, with the next opening', () => {
    // Fri 12:00 UTC: the next window is Sat 01:00 Berlin, Fri 23:00 UTC.
    expect(windowState(weekend, at('2026-06-12T12:00:00Z'))).toEqual({ open: false, opensAt: '2026-06-12T23:00:00.000Z' });
  });

  it('opens at its start and is closed at its end', () => {
    expect(windowState(weekend, at('2026-06-12T23:00:00Z'))).toEqual({ open: true, closesAt: '2026-06-13T03:00:00.000Z' });
    // Sun 05:00 Berlin: closed until next Saturday.
    expect(windowState(weekend, at('2026-06-14T03:00:00Z'))).toEqual({ open: false, opensAt: '2026-06-19T23:00:00.000Z' });
  });

  it('lets a window cross midnight, belonging to the day it starts', () => {
    const friNight = schedule('UTC', [{ days: ['FRI'], start: '22:00', end: '02:00' }]);
    // Sat 01:00 is inside Friday's window.
    expect(windowState(friNight, at('2026-06-13T01:00:00Z'))).toEqual({ open: true, closesAt: '2026-06-13T02:00:00.000Z' });
    // Sat 22:30: Saturday has no window of its own.
    expect(windowState(friNight, at('2026-06-13T22:30:00Z'))).toEqual({ open: false, opensAt: '2026-06-19T22:00:00.000Z' });
    // Sunday's window reaches into Monday.
    const sunNight = schedule('UTC', [{ days: ['SUN'], start: '23:00', end: '01:00' }]);
    expect(windowState(sunNight, at('2026-06-15T00:30:00Z'))).toEqual({ open: true, closesAt: '2026-06-15T01:00:00.000Z' });
  });

  it('reads end = start as a whole day, and an always-open schedule as open as far as it looks', () => {
    const daily = schedule('UTC', [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], start: '00:00', end: '00:00' }]);
    const state = windowState(daily, at('2026-06-13T12:00:00Z'));
    expect(state.open).toBe(true);
    if (state.open) expect(Date.parse(state.closesAt)).toBeGreaterThan(Date.parse('2026-06-13T12:00:00Z') + (windowSearchDays - 2) * 86_400_000);
    const mondays = schedule('UTC', [{ days: ['MON'], start: '06:00', end: '06:00' }]);
    expect(windowState(mondays, at('2026-06-16T05:00:00Z'))).toEqual({ open: true, closesAt: '2026-06-16T06:00:00.000Z' });
  });

  it('has no window on blackout dates, in the windows zone', () => {
    const nightly = schedule('Europe/Berlin', [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], start: '01:00', end: '05:00' }], ['2026-12-24']);
    // Dec 24 is skipped: Dec 25 01:00 Berlin (winter time, UTC+1).
    expect(windowState(nightly, at('2026-12-23T12:00:00Z'))).toEqual({ open: false, opensAt: '2026-12-25T00:00:00.000Z' });
    // Dec 23 23:30 UTC is Dec 24 00:30 in Berlin: already the blackout date there.
    const late = schedule('Europe/Berlin', [{ days: ['WED', 'THU'], start: '00:00', end: '04:00' }], ['2026-12-24']);
    expect(windowState(late, at('2026-12-23T23:30:00Z'))).toEqual({ open: false, opensAt: '2026-12-29T23:00:00.000Z' });
  });

  it('closes a window at the midnight of a blackout date, and drops the windows that start on one', () => {
    const friNight = schedule('UTC', [{ days: ['FRI', 'SAT'], start: '22:00', end: '02:00' }], ['2026-06-13']);
    // Friday 12 runs into blackout Saturday 13: it closes at midnight.
    expect(windowState(friNight, at('2026-06-12T23:00:00Z'))).toEqual({ open: true, closesAt: '2026-06-13T00:00:00.000Z' });
    // Saturday 13's own window does not open, not even its part on Sunday.
    expect(windowState(friNight, at('2026-06-13T00:00:00Z'))).toEqual({ open: false, opensAt: '2026-06-19T22:00:00.000Z' });
  });

  it('takes the earliest of several windows, and merges windows that touch or overlap', () => {
    const two = schedule('UTC', [
      { days: ['SAT', 'SUN'], start: '01:00', end: '05:00' },
      { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '22:00', end: '23:00' },
    ]);
    expect(windowState(two, at('2026-06-12T12:00:00Z'))).toEqual({ open: false, opensAt: '2026-06-12T22:00:00.000Z' });
    expect(windowState(two, at('2026-06-13T00:00:00Z'))).toEqual({ open: false, opensAt: '2026-06-13T01:00:00.000Z' });
    const chained = schedule('UTC', [
      { days: ['SAT'], start: '03:00', end: '05:00' },
      { days: ['SAT'], start: '01:00', end: '03:00' },
      { days: ['SAT'], start: '04:00', end: '06:00' },
      { days: ['FRI'], start: '23:00', end: '01:30' },
    ]);
    expect(windowState(chained, at('2026-06-12T23:30:00Z'))).toEqual({ open: true, closesAt: '2026-06-13T06:00:00.000Z' });
  });

  it('places the same local window at different instants in Europe/Berlin and America/New_York', () => {
    const ny = schedule('America/New_York', weekend.windows);
    const now = at('2026-06-12T12:00:00Z');
    expect(windowState(weekend, now)).toEqual({ open: false, opensAt: '2026-06-12T23:00:00.000Z' });
    expect(windowState(ny, now)).toEqual({ open: false, opensAt: '2026-06-13T05:00:00.000Z' });
  });

  describe('daylight saving time, 2026', () => {
    const sunday = (zone: string, start: string, end: string): Windows => schedule(zone, [{ days: ['SUN'], start, end }]);

    it('Europe/Berlin springs forward on Mar 29: a 01:00-05:00 window lasts 3 hours', () => {
      const now = at('2026-03-28T12:00:00Z');
      expect(windowState(sunday('Europe/Berlin', '01:00', '05:00'), now)).toEqual({ open: false, opensAt: '2026-03-29T00:00:00.000Z' });
      expect(windowState(sunday('Europe/Berlin', '01:00', '05:00'), at('2026-03-29T00:00:00Z'))).toEqual({ open: true, closesAt: '2026-03-29T03:00:00.000Z' });
    });

    it('Europe/Berlin: 02:30 does not exist on Mar 29 and moves forward to 03:30 summer time; 02:00-03:00 is empty', () => {
      const now = at('2026-03-28T12:00:00Z');
      expect(windowState(sunday('Europe/Berlin', '02:30', '04:00'), now)).toEqual({ open: false, opensAt: '2026-03-29T01:30:00.000Z' });
      // The whole window is in the gap: the next one is a week later (02:00 summer time = 00:00 UTC).
      expect(windowState(sunday('Europe/Berlin', '02:00', '03:00'), now)).toEqual({ open: false, opensAt: '2026-04-05T00:00:00.000Z' });
      // A window crossing the spring-forward night: Sat 23:00 CET to Sun 03:00 CEST is 2 hours.
      const satNight = schedule('Europe/Berlin', [{ days: ['SAT'], start: '23:00', end: '03:00' }]);
      expect(windowState(satNight, at('2026-03-28T22:00:00Z'))).toEqual({ open: true, closesAt: '2026-03-29T01:00:00.000Z' });
    });

    it('Europe/Berlin falls back on Oct 25: 01:00-05:00 lasts 5 hours; 02:30 is its second occurrence', () => {
      const now = at('2026-10-24T12:00:00Z');
      expect(windowState(sunday('Europe/Berlin', '01:00', '05:00'), now)).toEqual({ open: false, opensAt: '2026-10-24T23:00:00.000Z' });
      expect(windowState(sunday('Europe/Berlin', '01:00', '05:00'), at('2026-10-24T23:00:00Z'))).toEqual({ open: true, closesAt: '2026-10-25T04:00:00.000Z' });
      expect(windowState(sunday('Europe/Berlin', '02:30', '04:00'), now)).toEqual({ open: false, opensAt: '2026-10-25T01:30:00.000Z' });
    });

    it('America/New_York springs forward on Mar 8: 01:00 EST to 05:00 EDT; 02:30 becomes 03:30 EDT', () => {
      const now = at('2026-03-07T12:00:00Z');
      expect(windowState(sunday('America/New_York', '01:00', '05:00'), now)).toEqual({ open: false, opensAt: '2026-03-08T06:00:00.000Z' });
      expect(windowState(sunday('America/New_York', '01:00', '05:00'), at('2026-03-08T06:00:00Z'))).toEqual({ open: true, closesAt: '2026-03-08T09:00:00.000Z' });
      expect(windowState(sunday('America/New_York', '02:30', '04:00'), now)).toEqual({ open: false, opensAt: '2026-03-08T07:30:00.000Z' });
    });

    it('America/New_York falls back on Nov 1: 01:00-02:00 occurs twice, and a window starting in it starts at the second', () => {
      const now = at('2026-10-31T12:00:00Z');
      // 00:30-05:00 starts before the repeated hour: 00:30 EDT to 05:00 EST is 5.5 hours.
      expect(windowState(sunday('America/New_York', '00:30', '05:00'), at('2026-11-01T04:30:00Z'))).toEqual({ open: true, closesAt: '2026-11-01T10:00:00.000Z' });
      // 01:00 is the second 01:00, in EST (06:00 UTC), not the first one in EDT (05:00 UTC).
      expect(windowState(sunday('America/New_York', '01:00', '05:00'), now)).toEqual({ open: false, opensAt: '2026-11-01T06:00:00.000Z' });
      expect(windowState(sunday('America/New_York', '01:00', '05:00'), at('2026-11-01T05:30:00Z'))).toEqual({ open: false, opensAt: '2026-11-01T06:00:00.000Z' });
      expect(windowState(sunday('America/New_York', '01:30', '04:00'), now)).toEqual({ open: false, opensAt: '2026-11-01T06:30:00.000Z' });
    });
  });

  it('never gives an opening before now, and agrees with itself at every opening and closing', () => {
    const schedules = [
      weekend,
      schedule('America/New_York', [{ days: ['SUN'], start: '01:30', end: '02:30' }, { days: ['WED'], start: '23:00', end: '00:30' }], ['2026-03-18']),
      schedule('Europe/Berlin', [{ days: ['SAT'], start: '23:00', end: '03:00' }, { days: ['SUN'], start: '02:00', end: '03:00' }]),
    ];
    let checked = 0;
    for (const windows of schedules) {
      // Every 97 minutes across March 2026 (both spring-forward dates) and the fall-back dates.
      for (const [from, to] of [['2026-03-04T00:00:00Z', '2026-04-02T00:00:00Z'], ['2026-10-22T00:00:00Z', '2026-11-03T00:00:00Z']] as const) {
        for (let t = Date.parse(from); t < Date.parse(to); t += 97 * 60_000) {
          const state = windowState(windows, new Date(t));
          const edge = Date.parse(state.open ? state.closesAt : state.opensAt);
          expect(edge).toBeGreaterThan(t);
          expect(windowState(windows, new Date(edge)).open).toBe(!state.open);
          expect(windowState(windows, new Date(edge - 1)).open).toBe(state.open);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1500);
  });

  it('refuses a schedule that opens nowhere within the search, naming $.windows', () => {
    const mondays: string[] = [];
    for (let d = Date.parse('2026-06-15T00:00:00Z'); d < Date.parse('2027-09-01T00:00:00Z'); d += 7 * 86_400_000) mondays.push(new Date(d).toISOString().slice(0, 10));
    const never = schedule('UTC', [{ days: ['MON'], start: '01:00', end: '02:00' }], mondays);
    expect(() => windowState(never, at('2026-06-13T00:00:00Z'))).toThrow(PlanningError);
    expect(() => windowState(never, at('2026-06-13T00:00:00Z'))).toThrow(`$.windows: no off-peak window opens within ${windowSearchDays} days of 2026-06-13T00:00:00.000Z`);
  });
});

describe('how windows read', () => {
  it('formats an instant in the windows zone and in UTC', () => {
    expect(formatInstant('2026-06-12T23:00:00.000Z', 'Europe/Berlin')).toBe('Sat 2026-06-13 01:00 Europe/Berlin (2026-06-12 23:00 UTC)');
  });

  it('describes the schedule and the next opening for turnout plan', () => {
    const withBlackout = schedule('Europe/Berlin', weekend.windows, ['2026-12-26']);
    expect(describeWindows(withBlackout, at('2026-06-12T12:00:00Z'))).toBe(
      'Steps begin only inside the off-peak windows: SAT,SUN 01:00-05:00 Europe/Berlin; no window on 2026-12-26; the next window opens Sat 2026-06-13 01:00 Europe/Berlin (2026-06-12 23:00 UTC).',
    );
    expect(describeWindows(weekend, at('2026-06-13T00:00:00Z'))).toMatch(/; a window is open now, until Sat 2026-06-13 05:00 Europe\/Berlin \(2026-06-13 03:00 UTC\)\.$/);
  });

  it('shows the opening in Current details, in the zone and in UTC', () => {
    const status: RolloutStatus = {
      rolloutId: 'r1', workflowType: 'multiCellRollout', app: 'a', fromVersion: '1', toVersion: '2', target: 'a@e', state: 'waiting-window', currentStep: null, steps: [],
      window: { opensAt: '2026-06-12T23:00:00.000Z', timeZone: 'Europe/Berlin' }, approvals: [], events: [],
    };
    expect(renderCurrentDetails(status)).toContain('**Waiting for the off-peak window opening Sat 2026-06-13 01:00 Europe/Berlin (2026-06-12 23:00 UTC)**');
  });
});

describe('turnout plan with windows', () => {
  const root = path.resolve(__dirname, '..', '..');
  const tmp = tempDir('windows');
  const request = { app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate: 'lab-multi-cell' };
  const write = (name: string, body: unknown): string => {
    const file = path.join(tmp, name);
    writeFileSync(file, JSON.stringify(body));
    return file;
  };

  it('says when steps may begin, and gives the window state in JSON', async () => {
    const file = write('w.json', { ...request, windows: { timeZone: 'Europe/Berlin', windows: [{ days: ['SAT', 'SUN'], start: '01:00', end: '05:00' }] } });
    const text = await runCli(['plan', file], { TURNOUT_ESTATES: path.join(root, 'estates') });
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toMatch(/^Steps begin only inside the off-peak windows: SAT,SUN 01:00-05:00 Europe\/Berlin; (the next window opens|a window is open now, until) (Sat|Sun) \d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin \(.* UTC\)\.$/m);
    const json = await runCli(['plan', '--json', file], { TURNOUT_ESTATES: path.join(root, 'estates') });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).window).toEqual(expect.objectContaining({ open: expect.any(Boolean) }));
  });

  it('exits 2 naming $.windows when no window opens within the search', async () => {
    const days = Array.from({ length: windowSearchDays + 10 }, (_, i) => new Date(Date.now() + (i - 5) * 86_400_000).toISOString().slice(0, 10));
    const file = write('never.json', { ...request, windows: { timeZone: 'UTC', windows: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], start: '01:00', end: '02:00' }], blackoutDates: days } });
    const run = await runCli(['plan', file], { TURNOUT_ESTATES: path.join(root, 'estates') });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`$.windows: no off-peak window opens within ${windowSearchDays} days`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
