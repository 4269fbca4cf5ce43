/**
 * The GlassFish family's own contract, beside the common app-server contract: versioned deployment
 * disabled beside the enabled version, the per-instance switch (application-ref and HTTP answer
 * agree, both ways) and the dynamic reconfiguration round-trip, each operation twice without harm.
 * Seed 000's session store is checked where it matters, across real restarts under load: the
 * rollingUpgrade scenario on Payara (`payara/glassfish-scenarios.ts`) keeps a sleeping user's
 * session, hit counter going on, through its instance's backup, stop, start, restore and reconcile.
 */
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
  });
}
