/**
 * The contract every session counter passes: it counts live sessions per server, sees them end,
 * and counts a stopped server as holding none. And unknown is not zero: every server asked is
 * answered, and when the admin side cannot be reached the counts are null, never 0, and nothing
 * throws. A counter that can wait for a change (the lab's) ends a drain on the reading right after
 * the last session ends.
 */
import http from 'node:http';
import { MockActivityEnvironment } from '@temporalio/testing';
import { waitForDrain, type DrainOutcome } from '../../activities/drain';
import type { DrainInput } from '../../activities/rollout-types';
import type { Estate } from '../../src/model';
import type { SessionCounter } from '../../src/drivers/sessions/sessions';

/** A session counter under test, with servers to open sessions on. */
export interface SessionsUnderTest {
  counter: SessionCounter;
  /** A running server, the URL of its application and the Host header its virtual host answers, and a stopped server. */
  running: { name: string; appUrl: string; host: string };
  stopped: string;
  /** Makes the admin side the counter reads through unreachable (the app servers keep running). */
  cutAdmin(): Promise<void>;
  /** Makes it reachable again. */
  restoreAdmin(): Promise<void>;
  cleanup(): Promise<void>;
}

function request(url: string, host: string, cookie?: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { host, ...(cookie ? { cookie } : {}) } }, (res) => {
        res.resume();
        resolve(res.headers['set-cookie']?.[0]?.split(';')[0]);
      })
      .on('error', reject);
  });
}

/** Counts the drain's waits, so a test acts only once the drain waits. */
class WaitCount {
  private count = 0;
  private readonly watchers: { n: number; resolve: () => void }[] = [];

  started(): void {
    this.count++;
    for (const w of this.watchers.filter((x) => x.n <= this.count)) w.resolve();
  }

  reached(n: number): Promise<void> {
    return n <= this.count ? Promise.resolve() : new Promise((resolve) => this.watchers.push({ n, resolve }));
  }
}

/** Defines the contract tests for one implementation. */
export function sessionsContract(name: string, factory: () => Promise<SessionsUnderTest>): void {
  describe(`sessions contract: ${name}`, () => {
    let sut: SessionsUnderTest;
    const count = async (server: string) => (await sut.counter.liveSessions([server]))[0]?.sessions;

    beforeAll(async () => {
      sut = await factory();
    });
    afterAll(async () => sut?.cleanup());

    // First, while the server holds no other session that could idle out meanwhile.
    it('where it can wait for a change, ends a drain on the reading right after the last session ends, not a poll later', async () => {
      const wait = sut.counter.waitForChange?.bind(sut.counter);
      if (!wait) return; // PMI and asadmin cannot tell: their drains poll.
      const { name: server, appUrl, host } = sut.running;
      const base = (await count(server)) ?? 0;
      const cookies = [await request(appUrl, host), await request(appUrl, host)];
      const events: string[] = [];
      const waits = new WaitCount();
      const counter: SessionCounter = {
        liveSessions: async (asked) => {
          const counts = await sut.counter.liveSessions(asked);
          events.push(`read ${counts[0]?.sessions}`);
          return counts;
        },
        waitForChange: async (known, waitMs, signal) => {
          waits.started();
          const outcome = await wait(known, waitMs, signal);
          events.push(outcome);
          return outcome;
        },
      };
      // A 30 s poll interval: a drain that polled would show 'waited' before its last reading.
      const input: DrainInput = { estate: {} as Estate, stepId: 'X.drain', servers: [server], policy: { pollIntervalSeconds: 30, maxWaitSeconds: 600, sessionThreshold: base, onTimeout: 'fail' } };
      const drained: Promise<DrainOutcome> = new MockActivityEnvironment().run(() => waitForDrain(input, counter, async () => true));
      for (const [i, cookie] of cookies.entries()) {
        await waits.reached(i + 1);
        events.push(`logout ${i + 1}`);
        await request(appUrl.replace(/\/[^/]*$/, '/logout'), host, cookie);
      }
      expect((await drained).drained).toBe(true);
      expect(events).toEqual([`read ${base + 2}`, 'logout 1', 'changed', `read ${base + 1}`, 'logout 2', 'changed', `read ${base}`]);
    });

    it('counts each new session once, and none for requests inside a session', async () => {
      const base = (await count(sut.running.name)) ?? 0;
      const { appUrl, host } = sut.running;
      const cookies = [await request(appUrl, host), await request(appUrl, host)];
      expect(cookies.every((c) => c?.startsWith('JSESSIONID='))).toBe(true);
      await request(appUrl, host, cookies[0]);
      expect(await count(sut.running.name)).toBe(base + 2);
      await request(appUrl.replace(/\/[^/]*$/, '/logout'), host, cookies[0]);
      expect(await count(sut.running.name)).toBe(base + 1);
    });

    it('counts a stopped server as holding no sessions', async () => {
      expect(await sut.counter.liveSessions([sut.stopped])).toEqual([{ name: sut.stopped, sessions: 0 }]);
    });

    it('answers every server asked, in the order asked; one it does not know is unknown', async () => {
      const asked = [sut.stopped, 'NoSuchServer', sut.running.name];
      const answers = await sut.counter.liveSessions(asked);
      expect(answers.map((a) => a.name)).toEqual(asked);
      expect(answers[1]).toEqual({ name: 'NoSuchServer', sessions: null, problem: expect.any(String) });
      expect(typeof answers[2]?.sessions).toBe('number');
    });

    it('unknown is not zero: an unreachable admin side gives null with a problem for every server, and does not throw', async () => {
      const asked = [sut.running.name, sut.stopped];
      await sut.cutAdmin();
      try {
        const answers = await sut.counter.liveSessions(asked);
        expect(answers.map((a) => [a.name, a.sessions])).toEqual(asked.map((n) => [n, null]));
        expect(answers.every((a) => typeof a.problem === 'string' && a.problem.length > 0)).toBe(true);
      } finally {
        await sut.restoreAdmin();
      }
      expect((await sut.counter.liveSessions(asked)).map((a) => typeof a.sessions)).toEqual(['number', 'number']);
    });
  });
}
