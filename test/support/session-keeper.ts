/**
 * Sessions kept alive on chosen servers, through the real sprayer: one simulated user per server
 * that comes back every half second, far inside the lab's session idle time. A drain of that
 * server cannot end while its keeper runs, so a small `drain.maxWaitSeconds` times out every time:
 * that is how tests force a drain-timeout gate without relying on the random load still having a
 * session there.
 *
 * A keeper starts with the server's clone ID in its cookie (a session ID the server does not know),
 * which is how affinity routes a returning user: the sprayer's map and the plug-in send it to that
 * server, which starts a session there. What the keeper sees is tallied exactly as the load
 * generator tallies its users: failed requests, lost sessions, version flips.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { allServers, type Estate } from '../../src/model';
import { createLabSessionCounter } from '../../src/drivers/sessions/lab-sessions';
import { cloneIdSeparatorOf } from '../../src/drivers/sprayer/sprayer';
import { CookieJar, LoadTally, newUserSessionState, observeResponse, parseSessionCookie, sessionCookieName, type LoadReport, type RawResponse } from '../../src/lab/load';

const everyMs = 500;
const requestTimeoutMs = 5000;
/** Far beyond any real wait; reaching it means the condition never came, not that it was slow. */
const waitLimitMs = 120_000;

/** A session kept alive on one server. */
export interface SessionKeeper {
  server: string;
  /** What the keeper saw so far. */
  report(): LoadReport;
  /** Requests made since the keeper started. */
  requests(): number;
  /** The keeper walks away: no more requests; its session idles out on the server. */
  stop(): Promise<LoadReport>;
}

function get(url: URL, cookie: string | undefined): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: cookie ? { cookie } : {}, agent: false, timeout: requestTimeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, latencyMs: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** The estate's front door: the sprayer, else its first load balancer. */
function frontPort(estate: Estate): number | undefined {
  return estate.sprayer?.listen.port ?? estate.loadBalancers?.balancers[0]?.listen.port;
}

/** Keeps a session on `server` (a server of the estate) through the estate's sprayer (or `port`, a load balancer's) until stopped. */
export function keepSession(estate: Estate, server: string, port = frontPort(estate)): SessionKeeper {
  const found = allServers(estate).find((s) => s.server.name === server);
  if (!found) throw new Error(`no server ${server} in estate ${estate.name}`);
  const url = new URL(`http://127.0.0.1:${port}${estate.lab?.contextRoot ?? '/user'}/hit`);
  const tally = new LoadTally();
  const user = newUserSessionState();
  const jar = new CookieJar();
  // The GlassFish family ends the ID with `.jvmRoute`; WebSphere puts `:cloneId` after it.
  const made = cloneIdSeparatorOf(estate) === '.' ? `keeper.${found.server.cloneId}` : `0000keeper:${found.server.cloneId}`;
  jar.update(`${sessionCookieName}=${made}; Path=/`);
  const startedAt = performance.now();
  let first = true;
  let stopped = false;
  let wake: (() => void) | undefined;

  const loop = (async () => {
    while (!stopped) {
      // The made-up first session ID is not a session the user had: it cannot be lost.
      const carried = first ? undefined : parseSessionCookie(jar.get(sessionCookieName))?.sessionId;
      try {
        const res = await get(url, jar.header());
        jar.update(res.headers['set-cookie']);
        tally.record(user, observeResponse('hit', carried, res));
      } catch (err) {
        tally.record(user, { kind: 'hit', failure: `network ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, newSession: false });
      }
      first = false;
      if (!stopped) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, everyMs)));
    }
  })();

  const report = () => tally.toReport(url.toString(), (performance.now() - startedAt) / 1000);
  return {
    server,
    report,
    requests: () => tally.requests,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      return report();
    },
  };
}

/** Polls `read` until `done` holds for what it returns. */
async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + waitLimitMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what} never happened; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Live sessions per server, as the lab's PMI counters report them. */
export async function liveSessions(estate: Estate, servers: readonly string[]): Promise<Record<string, number>> {
  const counts = await createLabSessionCounter(estate).liveSessions(servers);
  return Object.fromEntries(counts.map((c) => [c.name, c.sessions ?? Number.NaN]));
}

/** Waits until none of `servers` holds a live session. */
export async function waitForNoSessions(estate: Estate, servers: readonly string[]): Promise<void> {
  await pollUntil(() => liveSessions(estate, servers), (c) => Object.values(c).every((n) => n === 0), `no session left on ${servers.join(', ')}`);
}

/** Waits until `servers` hold at least `count` live sessions between them. */
export async function waitForSessions(estate: Estate, servers: readonly string[], count: number): Promise<void> {
  await pollUntil(() => liveSessions(estate, servers), (c) => Object.values(c).reduce((sum, n) => sum + n, 0) >= count, `${count} sessions on ${servers.join(', ')}`);
}

/** Waits until `keeper` has made more than `after` requests. */
export async function waitForKeeperRequests(keeper: SessionKeeper, after: number): Promise<void> {
  await pollUntil(async () => keeper.requests(), (n) => n > after, `a request of the keeper on ${keeper.server} after its ${after}th`);
}
