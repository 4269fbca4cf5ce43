/**
 * The contract every app-server driver passes: install on whole clusters, map virtual hosts (taking
 * effect at restart), start and stop, all idempotent; a probe that says whether each server is
 * up and answering, with its version; seed 003's soft and hard resets (a stopped member started,
 * a member that fails to start reported, never thrown); and the requests in flight per server.
 * Call it with a factory that brings up a real cell (the lab, or a Payara domain).
 *
 * What differs between families is a capability of the AppServerUnderTest: the artifact of a
 * version, whether virtual hosts exist (the GlassFish family has none to remap), what a server
 * answers where its application failed to start, and which tests that stop and start members an
 * implementation leaves out (`leaveOut`: where members take a minute to start and other suites prove
 * those starts already).
 */
import http from 'node:http';
import type { AppServerDriver } from '../../src/drivers/app-server/app-server';

/** An app-server driver under test, with a way to ask a server which version it serves. */
export interface AppServerUnderTest {
  driver: AppServerDriver;
  /** A running cluster. */
  cluster: string;
  /** One of its servers' URLs on the test virtual host; absent where the family has no virtual hosts to remap. */
  testVhostUrl?: string;
  /** The artifact that installs `version` (built on demand where it is a real archive); `lab:<version>` when absent. */
  artifact?(version: string): string | Promise<string>;
  /** The app name to install; `userHitCount` when absent. */
  app?: string;
  /** The HTTP status of a server whose application failed to start; 503 when absent. */
  failedStatus?: number;
  /** Sends one application request straight to a server on its production mapping, with a session cookie and a delay if given. */
  hit(server: string, opts?: { cookie?: string; delayMs?: number }): Promise<AppHit>;
  /** An artifact whose version fails to start on these servers only. */
  brokenOn(servers: readonly string[]): string | Promise<string>;
  /**
   * Tests that stop and start members which this implementation leaves out, because its members
   * take long to start and its caller proves those starts elsewhere: the whole cluster's stop and
   * start, the hard reset, the reset of a stopped member. None when absent.
   */
  leaveOut?: readonly RestartingTest[];
  cleanup(): Promise<void>;
}

/** A contract test that costs member restarts, which an implementation may leave out. */
export type RestartingTest = 'clusterStopStart' | 'hardReset' | 'stoppedMemberReset';

/** What one application request answered. */
export interface AppHit {
  status: number;
  version?: string;
  /** The session cookie to send back (`JSESSIONID=...`), when the server set one. */
  cookie?: string;
  newSession?: boolean;
}

function versionAt(url: string): Promise<{ status: number; version?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, version: res.headers['x-turnout-version']?.toString() });
      })
      .on('error', reject);
  });
}

/** Defines the contract tests for one implementation. */
export function appServerContract(name: string, factory: () => Promise<AppServerUnderTest>): void {
  describe(`app-server contract: ${name}`, () => {
    let sut: AppServerUnderTest;
    const members = async () => (await sut.driver.servers()).filter((s) => s.cluster === sut.cluster);
    const artifact = async (version: string) => (await sut.artifact?.(version)) ?? `lab:${version}`;
    const app = () => sut.app ?? 'userHitCount';
    const leftOut = (test: RestartingTest) => sut.leaveOut?.includes(test) === true;

    beforeAll(async () => {
      sut = await factory();
    });
    afterAll(async () => sut?.cleanup());

    it('installs a version on every member, mapped to the given virtual host, twice without harm', async () => {
      const cmd = { app: app(), clusters: [sut.cluster], version: '2.0', artifact: await artifact('2.0'), virtualHost: 'test_vhost' };
      await sut.driver.install(cmd);
      await sut.driver.install(cmd);
      expect((await members()).map((s) => s.version)).toEqual((await members()).map(() => '2.0'));
      if (!sut.testVhostUrl) return;
      expect((await members()).map((s) => s.virtualHost)).toEqual((await members()).map(() => 'test_vhost'));
      expect(await versionAt(sut.testVhostUrl)).toEqual({ status: 200, version: '2.0' });
    });

    it('probes every member as answering with the installed version', async () => {
      const names = (await members()).map((s) => s.name);
      expect(await sut.driver.probe(names)).toEqual(names.map((name) => ({ name, answering: true, version: '2.0' })));
    });

    it('remaps the virtual host only for restarted servers, and restarts each once', async () => {
      if (!sut.testVhostUrl) return; // No virtual hosts to remap in this family.
      await sut.driver.setVirtualHost({ app: 'userHitCount', clusters: [sut.cluster], virtualHost: 'prod_vhost', restart: false });
      expect((await members()).every((s) => s.virtualHost === 'prod_vhost' && s.runningVirtualHost === 'test_vhost')).toBe(true);
      await sut.driver.setVirtualHost({ app: 'userHitCount', clusters: [sut.cluster], virtualHost: 'prod_vhost', restart: true });
      await sut.driver.setVirtualHost({ app: 'userHitCount', clusters: [sut.cluster], virtualHost: 'prod_vhost', restart: true });
      expect((await members()).every((s) => s.running && s.runningVirtualHost === 'prod_vhost')).toBe(true);
      expect((await versionAt(sut.testVhostUrl)).status).toBe(404);
    });

    it('stops and starts a cluster, idempotently', async () => {
      if (leftOut('clusterStopStart')) return;
      await sut.driver.stopCluster(sut.cluster);
      await sut.driver.stopCluster(sut.cluster);
      expect((await members()).every((s) => !s.running)).toBe(true);
      const stopped = await sut.driver.probe((await members()).map((s) => s.name));
      expect(stopped.map((p) => [p.answering, p.version])).toEqual(stopped.map(() => [false, null]));
      expect(stopped.every((p) => typeof p.problem === 'string')).toBe(true);
      await sut.driver.startCluster(sut.cluster);
      await sut.driver.startCluster(sut.cluster);
      expect((await members()).every((s) => s.running && s.version === '2.0')).toBe(true);
    });

    describe('resets (seed 003)', () => {
      const pids = async () => new Map((await members()).map((s) => [s.name, s.pid]));
      const reset = async (servers: string[], version: string, kind: 'soft' | 'hard', art?: string) => sut.driver.resetServers({ app: app(), servers, version, artifact: art ?? (await artifact(version)), reset: kind });
      const ok = (servers: string[]) => servers.map((name) => expect.objectContaining({ name, ok: true }));

      it('soft: the new version in the same process; the old instance sessions are gone', async () => {
        const names = (await members()).map((s) => s.name);
        const before = await pids();
        const first = names[0] as string;
        const session = await sut.hit(first);
        expect(session.status).toBe(200);
        expect(await reset(names, '3.0', 'soft')).toEqual(ok(names));
        const after = await members();
        expect(after.map((s) => [s.version, s.running])).toEqual(after.map(() => ['3.0', true]));
        for (const s of after) expect(s.pid).toBe(before.get(s.name));
        expect(await sut.driver.probe(names)).toEqual(names.map((name) => ({ name, answering: true, version: '3.0' })));
        const again = await sut.hit(first, { cookie: session.cookie ?? '' });
        expect([again.status, again.version, again.newSession]).toEqual([200, '3.0', true]);
      });

      it('is idempotent: the same reset again restarts nothing, and sessions stay', async () => {
        const names = (await members()).map((s) => s.name);
        const first = names[0] as string;
        const session = await sut.hit(first);
        const before = await pids();
        expect(await reset(names, '3.0', 'soft')).toEqual(ok(names));
        expect(await pids()).toEqual(before);
        expect((await sut.hit(first, { cookie: session.cookie ?? '' })).newSession).toBe(false);
      });

      it('hard: a new process, with the new version', async () => {
        if (leftOut('hardReset')) return;
        const [first] = (await members()).map((s) => s.name) as [string];
        const before = (await pids()).get(first);
        const [outcome] = await reset([first], '3.1', 'hard');
        expect(outcome).toEqual(expect.objectContaining({ name: first, ok: true }));
        const now = (await pids()).get(first);
        expect(now).toEqual(expect.any(Number));
        expect(now).not.toBe(before);
        expect(outcome?.pid).toBe(now);
        expect((await sut.hit(first)).version).toBe('3.1');
        expect((await reset([first], '3.1', 'hard'))[0]).toEqual(expect.objectContaining({ ok: true, pid: now }));
      });

      it('starts a stopped member with the new version, whatever the reset', async () => {
        if (leftOut('stoppedMemberReset')) return;
        const second = (await members())[1]?.name as string;
        await sut.driver.stopServers([second]);
        expect((await pids()).get(second)).toBeNull();
        expect(await reset([second], '3.1', 'soft')).toEqual(ok([second]));
        const state = (await members()).find((s) => s.name === second);
        expect([state?.running, state?.version, typeof state?.pid]).toEqual([true, '3.1', 'number']);
      });

      it('fails only the member the version fails to start on, with a problem, without throwing', async () => {
        const names = (await members()).map((s) => s.name);
        const broken = names[1] as string;
        const outcomes = await reset(names, '4.0', 'soft', await sut.brokenOn([broken]));
        expect(outcomes.map((o) => [o.name, o.ok])).toEqual(names.map((n) => [n, n !== broken]));
        expect(outcomes[1]?.problem).toEqual(expect.stringContaining(broken));
        expect((await sut.driver.probe([broken]))[0]).toEqual(expect.objectContaining({ answering: false, version: null }));
        expect((await sut.hit(broken)).status).toBe(sut.failedStatus ?? 503);
        expect((await sut.hit(names[0] as string)).version).toBe('4.0');
        // A good version starts there again.
        expect(await reset(names, '4.1', 'soft')).toEqual(ok(names));
      });

      it('counts a request in flight while it is served, and none after', async () => {
        const [first] = (await members()).map((s) => s.name) as [string];
        expect(await sut.driver.inFlight([first])).toEqual([{ name: first, inFlight: 0 }]);
        const slow = sut.hit(first, { delayMs: 1500 });
        let seen = 0;
        for (let i = 0; i < 40 && seen < 1; i++) {
          seen = (await sut.driver.inFlight([first]))[0]?.inFlight ?? 0;
          if (seen < 1) await new Promise((r) => setTimeout(r, 25));
        }
        expect(seen).toBeGreaterThanOrEqual(1);
        expect((await slow).status).toBe(200);
        expect(await sut.driver.inFlight([first])).toEqual([{ name: first, inFlight: 0 }]);
      });
    });

    it('answers a probe for every server asked, in order; a server it does not know is not answering', async () => {
      const [first] = await members();
      const answers = await sut.driver.probe(['NoSuchServer', first?.name ?? '']);
      expect(answers.map((a) => [a.name, a.answering, a.version])).toEqual([
        ['NoSuchServer', false, null],
        [first?.name, true, '4.1'],
      ]);
      expect(answers[0]?.problem).toEqual(expect.any(String));
    });
  });
}
