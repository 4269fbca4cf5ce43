/**
 * The benchmarks' pure helpers: percentiles, summaries, interval coverage and history breakdowns.
 * (Timings themselves are never asserted: they belong to the machine, not the code.)
 */
import { coveredMs, median, percentile, round, summarize } from '../../bench/stats';
import { activityTimes, breakdown, eventMs } from '../../bench/history-timing';

describe('percentile (nearest rank)', () => {
  const samples = [5, 1, 4, 2, 3];

  it('picks a sample, rounding the rank up', () => {
    expect(percentile(samples, 50)).toBe(3);
    expect(percentile(samples, 20)).toBe(1);
    expect(percentile(samples, 21)).toBe(2);
    expect(percentile(samples, 100)).toBe(5);
  });

  it('makes p99 of fewer than 100 samples the worst one', () => {
    expect(percentile(Array.from({ length: 30 }, (_, i) => i + 1), 99)).toBe(30);
  });

  it('takes the lower middle of an even count as median, and leaves its input alone', () => {
    const even = [4, 1, 3, 2];
    expect(median(even)).toBe(2);
    expect(even).toEqual([4, 1, 3, 2]);
  });

  it('is NaN without samples and refuses percentiles outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(samples, 0)).toThrow(RangeError);
    expect(() => percentile(samples, 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('gives count, extremes, mean and percentiles, rounded', () => {
    expect(summarize([1, 2, 3, 4.333])).toEqual({ count: 4, min: 1, p50: 2, p90: 4.33, p99: 4.33, max: 4.33, mean: 2.58 });
    expect(round(1.005, 1)).toBe(1);
  });
});

describe('coveredMs', () => {
  it('counts overlapping intervals once and clips them to the window', () => {
    const calls = [
      { start: 0, end: 10 },
      { start: 5, end: 15 },
      { start: 20, end: 30 },
      { start: 40, end: 60 },
    ];
    expect(coveredMs(calls, { start: 0, end: 100 })).toBe(15 + 10 + 20);
    expect(coveredMs(calls, { start: 8, end: 50 })).toBe(7 + 10 + 10);
    expect(coveredMs(calls, { start: 31, end: 39 })).toBe(0);
  });

  it('counts an interval inside another once', () => {
    expect(coveredMs([{ start: 0, end: 10 }, { start: 2, end: 3 }], { start: 0, end: 10 })).toBe(10);
  });
});

describe('history breakdown', () => {
  const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
  const events = [
    { eventId: 5, eventTime: at(1_000_010), activityTaskScheduledEventAttributes: { activityType: { name: 'routeCell' } } },
    { eventId: 6, eventTime: at(1_000_015), activityTaskStartedEventAttributes: { scheduledEventId: 5 } },
    { eventId: 7, eventTime: at(1_000_040), activityTaskCompletedEventAttributes: { scheduledEventId: 5 } },
  ];

  it('reads event times to the millisecond', () => {
    expect(eventMs(events[1] as never)).toBe(1_000_015);
  });

  it('splits a step into scheduling, queueing, the activity and the way back', () => {
    const activities = activityTimes(events as never);
    expect(activities).toEqual([{ type: 'routeCell', scheduled: 1_000_010, started: 1_000_015, closed: 1_000_040 }]);
    expect(breakdown(activities, 1_000_000, 1_000_048)).toEqual({ toScheduleMs: 10, queueMs: 5, activityMs: 25, backMs: 8 });
    expect(breakdown(activities, 1_000_050, 1_000_060)).toEqual({ toScheduleMs: 0, queueMs: 0, activityMs: 0, backMs: 0 });
  });
});
