/**
 * The contract every app-server driver passes: install on whole clusters, map virtual hosts (taking
 * effect at restart), start and stop, all idempotent; and a probe that says whether each server is
 * up and answering, with its version. Call it with a factory that brings up a real cell (the lab
 * here).
 */
import http from 'node:http';
import type { AppServerDriver } from '../../src/drivers/app-server/app-server';

/** An app-server driver under test, with a way to ask a server which version it serves. */
export interface AppServerUnderTest {
  driver: AppServerDriver;
  /** A running cluster and one of its servers' URLs on the test virtual host. */
  cluster: string;
  testVhostUrl: string;
  cleanup(): Promise<void>;
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

    beforeAll(async () => {
      sut = await factory();
    });
    afterAll(async () => sut?.cleanup());

    it('installs a version on every member, mapped to the given virtual host, twice without harm', async () => {
      const cmd = { app: 'userHitCount', clusters: [sut.cluster], version: '2.0', artifact: 'lab:2.0', virtualHost: 'test_vhost' };
      await sut.driver.install(cmd);
      await sut.driver.install(cmd);
      expect((await members()).map((s) => [s.version, s.virtualHost])).toEqual((await members()).map(() => ['2.0', 'test_vhost']));
      expect(await versionAt(sut.testVhostUrl)).toEqual({ status: 200, version: '2.0' });
    });

    it('probes every member as answering with the installed version', async () => {
      const names = (await members()).map((s) => s.name);
      expect(await sut.driver.probe(names)).toEqual(names.map((name) => ({ name, answering: true, version: '2.0' })));
    });

    it('remaps the virtual host only for restarted servers, and restarts each once', async () => {
      await sut.driver.setVirtualHost({ app: 'userHitCount', clusters: [sut.cluster], virtualHost: 'prod_vhost', restart: false });
      expect((await members()).every((s) => s.virtualHost === 'prod_vhost' && s.runningVirtualHost === 'test_vhost')).toBe(true);
      await sut.driver.setVirtualHost({ app: 'userHitCount', clusters: [sut.cluster], virtualHost: 'prod_vhost', restart: true });
      await sut.driver.setVirtualHost({ app: 'userHitCount', clusters: [sut.cluster], virtualHost: 'prod_vhost', restart: true });
      expect((await members()).every((s) => s.running && s.runningVirtualHost === 'prod_vhost')).toBe(true);
      expect((await versionAt(sut.testVhostUrl)).status).toBe(404);
    });

    it('stops and starts a cluster, idempotently', async () => {
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

    it('answers a probe for every server asked, in order; a server it does not know is not answering', async () => {
      const [first] = await members();
      const answers = await sut.driver.probe(['NoSuchServer', first?.name ?? '']);
      expect(answers.map((a) => [a.name, a.answering, a.version])).toEqual([
        ['NoSuchServer', false, null],
        [first?.name, true, '2.0'],
      ]);
      expect(answers[0]?.problem).toEqual(expect.any(String));
    });
  });
}
