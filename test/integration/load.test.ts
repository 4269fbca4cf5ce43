/**
 * The load generator against real sockets: a small app server on 127.0.0.1 that keeps the lab's
 * session contract, with switches for the ways a rollout can hurt users.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { CliError, ExitCode } from '../../src/cli/exit-codes';
import { register } from '../../src/cli/commands/load';
import { runLoad, type LoadReport } from '../../src/lab/load';

interface Misbehaviour {
  /** Serve this version to every request from the nth on. */
  flipVersionAfter?: number;
  /** Forget every session after it has served this many requests. */
  forgetAfter?: number;
  /** Answer every nth request with a 500. */
  failEvery?: number;
  /** Serve 1.0 and 1.1 by turns, request by request, as two editions taking new sessions side by side would. */
  alternateVersions?: boolean;
}

interface TestApp {
  url: string;
  requests: () => number;
  logouts: () => number;
  close: () => Promise<void>;
}

async function startApp(bad: Misbehaviour = {}): Promise<TestApp> {
  const sessions = new Map<string, number>();
  let served = 0;
  let logouts = 0;
  let nextId = 0;
  const cloneId = 'v7oe1ii4';
  const server = http.createServer((req, res) => {
    served += 1;
    const flipped = bad.flipVersionAfter !== undefined && served > bad.flipVersionAfter;
    const version = flipped || (bad.alternateVersions === true && served % 2 === 0) ? '1.1' : '1.0';
    const headers = { 'content-type': 'application/json', 'x-turnout-version': version, 'x-turnout-server': 'ServerX1' };
    if (bad.failEvery !== undefined && served % bad.failEvery === 0) {
      res.writeHead(500, headers).end('{"error":"boom"}');
      return;
    }
    const carried = /JSESSIONID=([^:;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (req.url === '/user/logout') {
      if (carried) sessions.delete(carried);
      logouts += 1;
      res.writeHead(200, { ...headers, 'set-cookie': 'JSESSIONID=; Max-Age=0; Path=/' }).end('{"loggedOut":true}');
      return;
    }
    const known = carried !== undefined && sessions.has(carried);
    const sessionId = known ? carried : `S${String(++nextId).padStart(6, '0')}`;
    const hits = (sessions.get(sessionId) ?? 0) + 1;
    if (bad.forgetAfter !== undefined && hits >= bad.forgetAfter) sessions.delete(sessionId);
    else sessions.set(sessionId, hits);
    const setCookie = known ? {} : { 'set-cookie': `JSESSIONID=${sessionId}:${cloneId}; Path=/` };
    res.writeHead(200, { ...headers, ...setCookie });
    res.end(JSON.stringify({ app: 'userHitCount', version, server: 'ServerX1', cloneId, cell: 'X', cluster: 'ClusterX', sessionId, newSession: !known, hits }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/user/hit`,
    requests: () => served,
    logouts: () => logouts,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const shortRun = { rate: 40, durationSeconds: 2, requestsPerSession: [3, 6] as [number, number] };

describe('runLoad against a local app', () => {
  const apps: TestApp[] = [];
  const app = async (bad?: Misbehaviour) => {
    const a = await startApp(bad);
    apps.push(a);
    return a;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it('reports a well-behaved server as clean', async () => {
    const a = await app();
    const progress: number[] = [];
    const report = await runLoad({ target: a.url, ...shortRun, onProgress: (p) => progress.push(p.requests) });
    expect(report).toMatchObject({ target: a.url, failed: 0, lostSessions: 0, versionFlips: 0, failures: [] });
    expect(report.sessions).toBeGreaterThan(0);
    expect(report.completedSessions).toBeGreaterThan(0);
    expect(report.requests).toBe(a.requests());
    expect(report.requests).toBeLessThanOrEqual(Math.ceil(shortRun.rate * shortRun.durationSeconds));
    expect(report.versions).toEqual({ '1.0': report.requests });
    expect(report.servers).toEqual({ ServerX1: report.requests });
    expect(report.newSessionsByServer.ServerX1).toBe(report.sessions);
    expect(report.newSessionsByVersion).toEqual({ '1.0': report.sessions });
    expect(report.mixedEditionSeconds).toBe(0);
    expect(report.latencyMs.max).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('sends logouts for the share of users asked to log out', async () => {
    const none = await app();
    await runLoad({ target: none.url, ...shortRun, logoutRatio: 0 });
    expect(none.logouts()).toBe(0);
    const all = await app();
    const report = await runLoad({ target: all.url, ...shortRun, logoutRatio: 1 });
    expect(all.logouts()).toBeGreaterThan(0);
    expect(report.failed).toBe(0);
  });

  it('counts sessions that saw the version change', async () => {
    const a = await app({ flipVersionAfter: 30 });
    const report = await runLoad({ target: a.url, ...shortRun });
    expect(report.versionFlips).toBeGreaterThan(0);
    expect(report.versionFlips).toBeLessThanOrEqual(report.sessions);
    expect(report.lostSessions).toBe(0);
    expect(Object.keys(report.versions).sort()).toEqual(['1.0', '1.1']);
    // One switch, in the order the server made sessions: however the answers came back, no mixing.
    expect(report.mixedEditionSeconds).toBe(0);
  });

  it('counts the seconds in which new sessions went to two editions side by side', async () => {
    const a = await app({ alternateVersions: true });
    const report = await runLoad({ target: a.url, ...shortRun });
    expect(Object.keys(report.newSessionsByVersion).sort()).toEqual(['1.0', '1.1']);
    expect(report.mixedEditionSeconds).toBeGreaterThan(0);
    expect(report.mixedEditionSeconds).toBeLessThanOrEqual(Math.ceil(shortRun.durationSeconds));
  });

  it('counts sessions the server forgot', async () => {
    const a = await app({ forgetAfter: 2 });
    const report = await runLoad({ target: a.url, ...shortRun });
    expect(report.lostSessions).toBeGreaterThan(0);
    expect(report.lostSessions).toBeLessThanOrEqual(report.sessions);
    expect(report.failed).toBe(0);
  });

  it('counts 500s as failed, by reason', async () => {
    const a = await app({ failEvery: 3 });
    const report = await runLoad({ target: a.url, ...shortRun });
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failures).toEqual([{ reason: 'http 500', count: report.failed }]);
  });

  it('counts a refused connection as failed', async () => {
    const a = await app();
    const url = a.url;
    await Promise.all(apps.splice(0).map((x) => x.close()));
    const report = await runLoad({ target: url, rate: 20, durationSeconds: 0.5 });
    expect(report.failed).toBe(report.requests);
    expect(report.failures[0]?.reason).toBe('network ECONNREFUSED');
    expect(report.sessions).toBe(0);
  });

  it('stops early on its signal and still reports', async () => {
    const a = await app();
    const stop = new AbortController();
    const run = runLoad({ target: a.url, rate: 20, durationSeconds: 600, signal: stop.signal, onProgress: () => stop.abort() });
    const report = await run;
    expect(report.requests).toBeGreaterThan(0);
    expect(report.requests).toBeLessThan(20 * 600);
    expect(report.failed).toBe(0);
  });
});

describe('turnout load', () => {
  let app: TestApp;
  let out: string[];
  beforeEach(async () => {
    app = await startApp();
    out = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await app.close();
  });

  async function turnout(...args: string[]): Promise<void> {
    const program = new Command('turnout').exitOverride();
    register(program);
    await program.parseAsync(['load', ...args], { from: 'user' });
  }

  it('prints the report as JSON on stdout only', async () => {
    await turnout('--target', app.url, '--rate', '30', '--duration', '1', '--requests-per-session', '2-3', '--json');
    const report = JSON.parse(out.join('')) as LoadReport;
    expect(report).toMatchObject({ target: app.url, failed: 0, lostSessions: 0, versionFlips: 0 });
    expect(report.sessions).toBeGreaterThan(0);
  });

  it('prints a summary for people', async () => {
    await turnout('--target', app.url, '--rate', '20', '--duration', '1');
    expect(out.join('')).toMatch(/requests \d+, failed 0/);
  });

  it('exits 1 with --fail-on-errors when requests failed, after printing the report', async () => {
    await app.close();
    app = await startApp({ failEvery: 2 });
    const run = turnout('--target', app.url, '--rate', '20', '--duration', '1', '--json', '--fail-on-errors');
    await expect(run).rejects.toMatchObject({ exitCode: ExitCode.failure });
    expect((JSON.parse(out.join('')) as LoadReport).failed).toBeGreaterThan(0);
  });

  it('rejects a bad option with exit 2, naming it', async () => {
    const run = turnout('--rate', '-3', '--duration', '1');
    await expect(run).rejects.toBeInstanceOf(CliError);
    await expect(run).rejects.toMatchObject({ exitCode: ExitCode.invalidInput, message: '--rate: must be a positive number' });
    expect(out).toEqual([]);
  });
});
