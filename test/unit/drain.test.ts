/**
 * The drain's wait without a lab: bounded progress reports at 2,000 servers, polls that close in on
 * the last session, the end on the reading right after a counter says a count changed, and the
 * deadline kept from a heartbeat. No assertion is on time taken: only on counts and order.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { drainLimits, nextPollMs, progressView, waitForDrain, type DrainOutcome, type DrainProgressView } from '../../activities/drain';
import type { DrainInput } from '../../activities/rollout-types';
import type { Estate } from '../../src/model';
import type { ServerSessions, SessionCounter, SessionWaitOutcome } from '../../src/drivers/sessions/sessions';

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `Server${i}`);

function drainInput(servers: string[], pollIntervalSeconds: number, maxWaitSeconds = 3600): DrainInput {
  return { estate: {} as Estate, stepId: 'X.drain', servers, policy: { pollIntervalSeconds, maxWaitSeconds, sessionThreshold: 0, onTimeout: 'fail' } };
}

describe('progressView', () => {
  it('names every server of a small drain, in order, with no totals', () => {
    const servers = names(6).map((name, i) => ({ name, sessions: i }));
    expect(progressView(servers)).toEqual({ servers });
  });

  it('caps a large drain at the unknown servers and those with the most sessions, with totals over all', () => {
    const servers: ServerSessions[] = names(2000).map((name, i) => ({ name, sessions: i % 7 }));
    servers[1500] = { name: 'Server1500', sessions: null, problem: 'x'.repeat(300) };
    const view = progressView(servers);
    expect(view.servers).toHaveLength(drainLimits.reportedServers);
    expect(view.servers[0]?.name).toBe('Server1500');
    expect(view.servers.slice(1).every((s) => s.sessions === 6)).toBe(true);
    const known = servers.reduce((sum, s) => sum + (s.sessions ?? 0), 0);
    expect(view.totals).toEqual({ servers: 2000, sessions: known, unknown: 1 });
    // The payload stays small whatever the estate's size: 20 servers, one with a long problem.
    expect(JSON.stringify(view).length).toBeLessThan(2_000);
  });
});

describe('nextPollMs', () => {
  const pollMs = 5000;
  it('backs off from its floor to the interval until a decay is seen, and polls at the interval while a count is unknown', () => {
    const flat = (readings: number) => nextPollMs({ at: 0, excess: 10 }, { at: 1000, excess: 10 }, pollMs, readings);
    expect([1, 2, 3, 4, 5, 6, 7].map(flat)).toEqual([200, 400, 800, 1600, 3200, pollMs, pollMs]);
    expect(nextPollMs({ at: 0, excess: 10 }, { at: 1000, excess: undefined }, pollMs, 1)).toBe(pollMs);
  });
  it('polls at half the predicted time left, down to its floor, as the count nears the threshold', () => {
    // 1 session a second ended; 20 left predicts 20 s, 4 left 4 s, 1 left 1 s.
    expect(nextPollMs({ at: 0, excess: 40 }, { at: 20_000, excess: 20 }, pollMs, 9)).toBe(pollMs);
    expect(nextPollMs({ at: 0, excess: 40 }, { at: 36_000, excess: 4 }, pollMs, 9)).toBe(2000);
    expect(nextPollMs({ at: 0, excess: 40 }, { at: 39_000, excess: 1 }, pollMs, 9)).toBe(500);
    expect(nextPollMs({ at: 0, excess: 400 }, { at: 39_900, excess: 1 }, pollMs, 9)).toBe(drainLimits.minPollMs);
  });
});

/**
 * A counter that says when a count changed, as the lab's dmgr does: each wait answers once the test
 * ends sessions. Records the order of reads and waits.
 */
class PushCounter implements SessionCounter {
  readonly events: string[] = [];
  private wake?: (o: SessionWaitOutcome) => void;
  private waiting?: () => void;

  constructor(readonly counts: Map<string, number>) {}

  async liveSessions(servers: readonly string[]): Promise<ServerSessions[]> {
    this.events.push('read');
    return servers.map((name) => ({ name, sessions: this.counts.get(name) ?? 0 }));
  }

  waitForChange(): Promise<SessionWaitOutcome> {
    this.events.push('wait');
    this.waiting?.();
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Resolves once the drain waits for a change. */
  nextWait(): Promise<void> {
    return this.wake ? Promise.resolve() : new Promise((resolve) => (this.waiting = resolve));
  }

  /** Ends sessions while the drain waits, and tells it. */
  end(name: string, sessions: number): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) - sessions);
    this.events.push(`ended ${name}`);
    const wake = this.wake;
    this.wake = undefined;
    wake?.('changed');
  }
}

describe('waitForDrain', () => {
  it('ends on the reading right after the last session ends, with no poll in between', async () => {
    const counter = new PushCounter(new Map([['A', 2], ['B', 1]]));
    const env = new MockActivityEnvironment();
    // A poll interval of an hour: only being told could end this drain before the test's timeout.
    const done: Promise<DrainOutcome> = env.run(() => waitForDrain(drainInput(['A', 'B'], 3600), counter, async () => true));
    for (const [name, n] of [['A', 2], ['B', 1]] as const) {
      await counter.nextWait();
      counter.end(name, n);
    }
    const outcome = await done;
    expect(outcome.drained).toBe(true);
    expect(counter.events).toEqual(['read', 'wait', 'ended A', 'read', 'wait', 'ended B', 'read']);
  });

  it('reports at most once per poll interval, each report capped, at 2,000 servers whose counts change on every reading', async () => {
    const servers = names(2000);
    const counts = new Map(servers.map((n) => [n, 3]));
    let reads = 0;
    const counter: SessionCounter = {
      async liveSessions(asked) {
        // 100 servers empty between two readings: every reading differs from the one before.
        for (const n of servers.slice(reads * 100, (reads + 1) * 100)) counts.set(n, 0);
        reads++;
        return asked.map((name) => ({ name, sessions: counts.get(name) ?? 0 }));
      },
      waitForChange: async () => 'changed',
    };
    const reports: DrainProgressView[] = [];
    const started = Date.now();
    const pollIntervalSeconds = 60;
    const outcome: DrainOutcome = await new MockActivityEnvironment().run(() =>
      waitForDrain(drainInput(servers, pollIntervalSeconds), counter, async (view) => {
        reports.push(view);
        return true;
      }),
    );
    const elapsedMs = Date.now() - started;
    expect(outcome.drained).toBe(true);
    expect(reads).toBe(20);
    // Bounded by the clock, not by the number of changes: one report, plus one per interval passed.
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.length).toBeLessThanOrEqual(1 + Math.floor(elapsedMs / (pollIntervalSeconds * 1000)));
    for (const r of reports) {
      expect(r.servers.length).toBeLessThanOrEqual(drainLimits.reportedServers);
      expect(r.totals?.servers).toBe(2000);
    }
  });

  it('keeps the deadline of the attempt it resumes, from the heartbeat', async () => {
    const startedAt = Date.now() - 120_000;
    const lines: string[] = [];
    const record = (message: string): void => void lines.push(message);
    const logger = { log: (_level: string, message: string) => record(message), trace: record, debug: record, info: record, warn: record, error: record };
    const env = new MockActivityEnvironment({ heartbeatDetails: { startedAt, servers: [] } }, { logger });
    const counter = new PushCounter(new Map([['A', 1]]));
    const outcome = await env.run(() => waitForDrain(drainInput(['A'], 5, 60), counter, async () => true));
    expect(outcome).toEqual({ drained: false, servers: [{ name: 'A', sessions: 1 }], deadline: new Date(startedAt + 60_000).toISOString(), waitedSeconds: expect.any(Number) });
    expect(counter.events).toEqual(['read']);
    expect(lines).toContain('drain resumed from its last heartbeat');
  });
});
