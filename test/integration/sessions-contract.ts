/**
 * The contract every session counter passes: it counts live sessions per server, sees them end,
 * and counts a stopped server as holding none.
 */
import http from 'node:http';
import type { SessionCounter } from '../../src/drivers/sessions/sessions';

/** A session counter under test, with servers to open sessions on. */
export interface SessionsUnderTest {
  counter: SessionCounter;
  /** A running server, the URL of its application and the Host header its virtual host answers, and a stopped server. */
  running: { name: string; appUrl: string; host: string };
  stopped: string;
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
  });
}
