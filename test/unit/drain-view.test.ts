import { drainLimits } from '../../activities/drain';
import type { RolloutStatus } from '../../src/model';
import { bar, drainMarkdown, drainRows, drainText, drainTimeToEmpty, drainTrendLimits, sparkline, timeToEmpty, withTrend, type TrendSample } from '../../src/planning/drain-view';

type Drain = NonNullable<RolloutStatus['drain']>;
const t0 = Date.parse('2026-12-02T13:27:00Z');
const at = (s: number): string => new Date(t0 + s * 1000).toISOString();
const samples = (...counts: (number | null)[]): TrendSample[] => counts.map((sessions, i) => ({ at: at(i * 10), sessions }));

describe('drain view', () => {
  it('draws a bar against the largest count, at least one cell for any session left, and ? for unknown', () => {
    expect(bar(10, 10)).toBe('██████████');
    expect(bar(5, 10)).toBe('█████░░░░░');
    expect(bar(0, 10)).toBe('░░░░░░░░░░');
    expect(bar(1, 1000)).toBe('█░░░░░░░░░');
    expect(bar(0, 0)).toBe('░░░░░░░░░░');
    expect(bar(null, 10)).toBe('??????????');
    expect(bar(3, 4, 4)).toBe('███░');
  });

  it('draws a sparkline from zero to the largest value, · for an unknown reading', () => {
    expect(sparkline([14, 12, 10, 8, 6, 4, 2, 0])).toBe('█▇▆▅▄▃▂▁');
    expect(sparkline([7, null, 0])).toBe('█·▁');
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(sparkline([])).toBe('');
  });

  it('estimates the time to empty from the decay: a least-squares line through the known readings', () => {
    // 2 sessions fewer every 10 s: 6 left is 30 s.
    expect(timeToEmpty(samples(12, 10, 8, 6))).toEqual({ kind: 'estimate', seconds: expect.closeTo(30, 6) });
    // An unknown reading in the middle is skipped; the rate is the same.
    expect(timeToEmpty(samples(12, null, 8, 6))).toEqual({ kind: 'estimate', seconds: expect.closeTo(30, 6) });
    // Noise around a line: the fit (a slope of -480/2800 per second), not the last two readings (which alone say 100 s).
    const noisy = timeToEmpty(samples(20, 18, 17, 16, 13, 11, 10));
    expect(noisy.kind === 'estimate' ? noisy.seconds : undefined).toBeCloseTo(10 / (480 / 2800), 6);
    expect(timeToEmpty(samples(6, 3, 0))).toEqual({ kind: 'empty' });
    expect(timeToEmpty(samples(4, 5, 6))).toEqual({ kind: 'unknown', why: 'not falling' });
    expect(timeToEmpty(samples(4, 4))).toEqual({ kind: 'unknown', why: 'not falling' });
    expect(timeToEmpty(samples(4))).toEqual({ kind: 'unknown', why: 'one reading so far' });
    expect(timeToEmpty(samples(4, null))).toEqual({ kind: 'unknown', why: 'count unknown' });
    expect(timeToEmpty([])).toEqual({ kind: 'unknown', why: 'count unknown' });
  });

  it('says the drain empties when its slowest server does, and not while any is unknown', () => {
    const fast = { name: 'A', sessions: 2, trend: samples(6, 4, 2) };
    const slow = { name: 'B', sessions: 9, trend: samples(11, 10, 9) };
    expect(drainTimeToEmpty([fast, slow])).toEqual({ kind: 'estimate', seconds: expect.closeTo(90, 6) });
    expect(drainTimeToEmpty([fast, { name: 'C', sessions: null, trend: samples(3, null) }])).toEqual({ kind: 'unknown', why: 'count unknown' });
    expect(drainTimeToEmpty([{ name: 'A', sessions: 0, trend: samples(1, 0) }])).toEqual({ kind: 'empty' });
  });

  it('keeps a bounded trend: the last readings, for the reported servers only, at most the cap of servers', () => {
    let servers = withTrend([{ name: 'A', sessions: 5 }], undefined, at(0));
    expect(servers).toEqual([{ name: 'A', sessions: 5, trend: [{ at: at(0), sessions: 5 }] }]);
    for (let i = 1; i <= 20; i++) servers = withTrend([{ name: 'A', sessions: 5 + i }, { name: 'B', sessions: i }], servers, at(i));
    expect(servers[0]?.trend).toHaveLength(drainTrendLimits.samples);
    expect(servers[0]?.trend?.at(-1)).toEqual({ at: at(20), sessions: 25 });
    expect(servers[0]?.trend?.[0]).toEqual({ at: at(20 - drainTrendLimits.samples + 1), sessions: 25 - drainTrendLimits.samples + 1 });
    // A server that leaves the report loses its trend; one that comes back starts again.
    servers = withTrend([{ name: 'B', sessions: 0 }], servers, at(21));
    servers = withTrend([{ name: 'A', sessions: 1 }, { name: 'B', sessions: 0 }], servers, at(22));
    expect(servers[0]?.trend).toEqual([{ at: at(22), sessions: 1 }]);
    // A report naming more servers than the cap (a forged one: the activity sends at most 20) keeps no trend past it.
    const many = withTrend(Array.from({ length: 500 }, (_, i) => ({ name: `S${i}`, sessions: i })), undefined, at(0));
    expect(many.filter((s) => 'trend' in s)).toHaveLength(drainTrendLimits.servers);
    expect(drainTrendLimits.servers).toBe(drainLimits.reportedServers);
  });

  it('renders rows for Current details (UTC) and the terminal (local), with the estimate against the deadline', () => {
    const drain: Drain = {
      deadline: at(600),
      measure: 'sessions',
      servers: [
        { name: 'ServerX1', sessions: 6, trend: samples(12, 10, 8, 6) },
        { name: 'ServerX2', sessions: null, problem: 'dmgr down', trend: samples(3, null) },
        { name: 'ServerX3', sessions: 0, trend: samples(2, 0) },
      ],
    };
    expect(drainRows(drain.servers)).toEqual([
      { name: 'ServerX1', count: '6', bar: '█████░░░░░', trend: '█▇▆▅', emptyIn: '~30s' },
      { name: 'ServerX2', count: 'unknown (dmgr down)', bar: '??????????', trend: '█·', emptyIn: 'count unknown' },
      { name: 'ServerX3', count: '0', bar: '░░░░░░░░░░', trend: '█▁', emptyIn: 'empty' },
    ]);
    const md = drainMarkdown(drain, 'utc');
    expect(md.slice(0, 6)).toEqual(['', '**Draining** until 13:37:00 UTC', '', '| server | live sessions | | trend | empty in |', '|---|---|---|---|---|', '| ServerX1 | 6 | `█████░░░░░` | `█▇▆▅` | ~30s |']);
    expect(md).toContain('Estimated time to empty: not yet (count unknown).');
    expect(md).toContain('Unknown is not zero: the drain does not end while a count cannot be read.');

    const known: Drain = { ...drain, servers: [drain.servers[0] as Drain['servers'][number]] };
    expect(drainMarkdown(known, 'utc')).toContain('Estimated time to empty: about 30s from the last reading.');
    expect(drainMarkdown({ ...known, deadline: at(40) }, 'utc')).toContain('Estimated time to empty: about 30s from the last reading, after the deadline.');
    const text = drainText({ ...known, totals: { servers: 40, sessions: 80, unknown: 0 } });
    expect(text[0]).toMatch(/^draining until \d\d:\d\d:\d\d \(live sessions\)$/);
    expect(text.slice(1)).toEqual(['  ServerX1  6  █████░░░░░  █▇▆▅  ~30s', '  (most held of 40 servers; 80 in all, 0 unknown)', '  estimated time to empty: about 30s from the last reading']);
  });

  it('shows a drain reported before trends existed (an older status) with one reading per server', () => {
    const rows = drainRows([{ name: 'A', sessions: 4 }]);
    expect(rows).toEqual([{ name: 'A', count: '4', bar: '██████████', trend: '█', emptyIn: 'one reading so far' }]);
  });
});
