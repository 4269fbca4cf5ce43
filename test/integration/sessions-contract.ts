/**
 * The contract every session counter passes: it counts live sessions per server, sees them end,
 * and counts a stopped server as holding none. And unknown is not zero: every server asked is
 * answered, and when the admin side cannot be reached the counts are null, never 0, and nothing
 * throws.
 */
import http from 'node:http';
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

/** Defines the contract tests for one implementation. */
export function sessionsContract(name: string, factory: () => Promise<SessionsUnderTest>): void {
  describe(`sessions contract: ${name}`, () => {
    let sut: SessionsUnderTest;
    const count = async (server: string) => (await sut.counter.liveSessions([server]))[0]?.sessions;

    beforeAll(async () => {
      sut = await factory();
    });
    afterAll(async () => sut?.cleanup());

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
