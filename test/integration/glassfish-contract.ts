/**
 * The GlassFish family's own contract, beside the common app-server contract: versioned deployment
 * disabled beside the enabled version, the per-instance switch (application-ref and HTTP answer
 * agree, both ways), dynamic reconfiguration round-trip, and seed 000's session store (a session
 * kept across a restart that brings a redeployed version), each operation twice without harm.
 */
import http from 'node:http';
import type { GlassfishAppServerDriver } from '../../src/drivers/app-server/app-server';

/** A GlassFish-family driver under test. */
export interface GlassfishUnderTest {
  driver: GlassfishAppServerDriver;
  cluster: string;
  instances: [string, string, ...string[]];
  app: string;
  contextRoot: string;
  /** The archive of `version` (built on demand where that takes a moment). */
  artifact(version: string): string | Promise<string>;
  /** The URL of the app on an instance's own port. */
  url(instance: string): string;
}

interface Hit {
  status: number;
  version?: string;
  cookie?: string;
  hits?: number;
}

function hit(url: string, cookie?: string): Promise<Hit> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: cookie ? { cookie } : {} }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => {
          let hits: number | undefined;
          try {
            hits = (JSON.parse(body) as { hits?: number }).hits;
          } catch {
            hits = undefined;
          }
          const set = res.headers['set-cookie']?.[0]?.split(';')[0];
          resolve({ status: res.statusCode ?? 0, version: res.headers['x-turnout-version']?.toString(), cookie: set ?? cookie, ...(hits !== undefined ? { hits } : {}) });
        });
      })
      .on('error', reject);
  });
}

/** Defines the GlassFish-family contract tests for one implementation. */
export function glassfishContract(name: string, factory: () => Promise<GlassfishUnderTest>): void {
  describe(`GlassFish-family contract: ${name}`, () => {
    let sut: GlassfishUnderTest;
    const deploy = async (version: string, enabled: boolean, versioned = true) =>
      sut.driver.deployVersion({ app: sut.app, version, artifact: await sut.artifact(version), cluster: sut.cluster, contextRoot: sut.contextRoot, enabled, versioned });

    beforeAll(async () => {
      sut = await factory();
    });

    it('deploys a version disabled beside the enabled one, twice without harm; every instance keeps serving the enabled one', async () => {
      await deploy('5.0', true);
      await deploy('5.1', false);
      await deploy('5.1', false);
      const versions = await sut.driver.instanceVersions(sut.app, sut.instances);
      expect(versions.map((v) => [v.name, v.enabled, v.serving])).toEqual(sut.instances.map((n) => [n, ['5.0'], '5.0']));
    });

    it('switches one instance, then back: application-ref and HTTP answer agree, the other instance untouched, twice without harm', async () => {
      const [first, second] = sut.instances;
      await sut.driver.switchVersion({ app: sut.app, version: '5.1', instance: first });
      await sut.driver.switchVersion({ app: sut.app, version: '5.1', instance: first });
      let versions = await sut.driver.instanceVersions(sut.app, [first, second]);
      expect(versions.map((v) => [v.enabled, v.serving])).toEqual([
        [['5.1'], '5.1'],
        [['5.0'], '5.0'],
      ]);
      expect((await sut.driver.servers()).find((s) => s.name === first)?.version).toBe('5.1');
      await sut.driver.switchVersion({ app: sut.app, version: '5.0', instance: first });
      versions = await sut.driver.instanceVersions(sut.app, [first]);
      expect(versions.map((v) => [v.enabled, v.serving])).toEqual([[['5.0'], '5.0']]);
    });

    it('undeploys a version, twice without harm', async () => {
      const cmd = { app: sut.app, version: '5.1', cluster: sut.cluster, versioned: true };
      await sut.driver.undeployVersion(cmd);
      await sut.driver.undeployVersion(cmd);
      expect((await sut.driver.instanceVersions(sut.app, sut.instances)).every((v) => v.enabled.join() === '5.0')).toBe(true);
    });

    it('turns dynamic reconfiguration off and on, each twice without harm', async () => {
      await sut.driver.setDynamicReconfiguration(sut.cluster, false);
      await sut.driver.setDynamicReconfiguration(sut.cluster, false);
      expect(await sut.driver.dynamicReconfiguration(sut.cluster)).toBe(false);
      await sut.driver.setDynamicReconfiguration(sut.cluster, true);
      await sut.driver.setDynamicReconfiguration(sut.cluster, true);
      expect(await sut.driver.dynamicReconfiguration(sut.cluster)).toBe(true);
    });

    it("seed 000: a session outlives its instance's restart into a version redeployed in place, through backup, restore and reconcile", async () => {
      const [first] = sut.instances;
      const app = `${sut.app}-inplace`;
      const inPlace = async (version: string) =>
        sut.driver.deployVersion({ app, version, artifact: await sut.artifact(version), cluster: sut.cluster, contextRoot: `${sut.contextRoot}-inplace`, enabled: true, versioned: false });
      await inPlace('6.0');
      const url = sut.url(first).replace(sut.contextRoot, `${sut.contextRoot}-inplace`);
      let user = await hit(url);
      user = await hit(url, user.cookie);
      expect([user.version, user.hits]).toEqual(['6.0', 2]);
      try {
        await sut.driver.setDynamicReconfiguration(sut.cluster, false);
        await inPlace('6.1');
        await inPlace('6.1');
        // Dynamic reconfiguration off: the running instance still serves 6.0, with the session.
        expect((await hit(url, user.cookie)).hits).toBe(3);
        const backup = await sut.driver.backupSessions({ app, instance: first });
        expect(backup.sessions).toBeGreaterThanOrEqual(1);
        await sut.driver.stopServers([first]);
        const saved = await sut.driver.backupSessions({ app, instance: first });
        expect(saved.sessions).toBeGreaterThanOrEqual(1);
        await sut.driver.startServers([first]);
        const restored = await sut.driver.restoreSessions({ app, instance: first });
        await sut.driver.restoreSessions({ app, instance: first });
        expect(restored.sessions).toBe(saved.sessions);
        const after = await hit(url, user.cookie);
        expect([after.version, after.hits]).toEqual(['6.1', 4]);
        const reconciled = await sut.driver.reconcileSessions({ app, instance: first });
        await sut.driver.reconcileSessions({ app, instance: first });
        expect(reconciled.sessions).toBe(saved.sessions);
        expect((await hit(url, user.cookie)).hits).toBe(5);
      } finally {
        await sut.driver.setDynamicReconfiguration(sut.cluster, true);
        await sut.driver.undeployVersion({ app, version: '6.1', cluster: sut.cluster, versioned: false });
      }
    });
  });
}
