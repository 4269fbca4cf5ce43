/**
 * The asadmin driver's contracts on the Payara lab's own domain (no second domain: one start for
 * every Payara test): the GlassFish family's contract, the common app-server contract and the
 * session-counter contract, from `test/integration/*-contract.ts`.
 *
 * They work on applications of their own (`contract` at `/contract`, `contract-inplace` for seed
 * 000's in-place redeploy), never on the lab's `myApp`, and the last test leaves the lab as it found
 * it for the scenarios after them: `myApp:1.0` enabled and answering on every instance, every
 * instance running, dynamic reconfiguration on, every HAProxy server ready, no contract application
 * left. What they leave out, and why, is in `leaveOut` below.
 */
import http from 'node:http';
import { createAsadminAppServer } from '../../../src/drivers/app-server/asadmin-app-server';
import { createAsadminRest } from '../../../src/drivers/asadmin/asadmin-rest';
import { createAsadminSessionCounter } from '../../../src/drivers/sessions/asadmin-sessions';
import { createHaproxySprayer } from '../../../src/drivers/sprayer/haproxy-sprayer';
import { buildLabWar } from '../../../src/lab/payara/lab-war';
import type { Estate } from '../../../src/model';
import type { PayaraLabFixture } from '../../support/payara-lab';
import { anyFreePort } from '../../support/test-temporal-env';
import { appServerContract, type AppHit } from '../app-server-contract';
import { glassfishContract } from '../glassfish-contract';
import { sessionsContract } from '../sessions-contract';

/** The contracts' application: the lab's Java app under another name and context root. */
const app = 'contract';
const contextRoot = '/contract';

/** The lab's one active cluster (deployment group) and its instances. */
function activeCluster(estate: Estate): { name: string; instances: string[]; ports: Map<string, number> } {
  const cluster = estate.cells.flatMap((c) => c.clusters).find((k) => k.state === 'active');
  if (!cluster) throw new Error(`estate ${estate.name} has no active cluster`);
  return { name: cluster.name, instances: cluster.servers.map((s) => s.name), ports: new Map(cluster.servers.map((s) => [s.name, s.port])) };
}

function portOf(estate: Estate, server: string): number {
  const found = estate.cells.flatMap((c) => c.clusters.flatMap((k) => k.servers)).find((s) => s.name === server);
  if (!found) throw new Error(`no server ${server}`);
  return found.port;
}

function hitServer(estate: Estate, server: string, opts: { cookie?: string; delayMs?: number } = {}): Promise<AppHit> {
  const query = opts.delayMs ? `?delayMs=${opts.delayMs}` : '';
  return new Promise((resolve, reject) => {
    http
      .get(`http://127.0.0.1:${portOf(estate, server)}${contextRoot}/hit${query}`, { agent: false, headers: opts.cookie ? { cookie: opts.cookie } : {} }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => {
          let parsed: { newSession?: boolean } = {};
          try {
            parsed = JSON.parse(body) as { newSession?: boolean };
          } catch {
            parsed = {};
          }
          const version = res.headers['x-turnout-version']?.toString();
          const cookie = res.headers['set-cookie']?.find((c) => c.startsWith('JSESSIONID='))?.split(';')[0];
          resolve({ status: res.statusCode ?? 0, ...(version ? { version } : {}), ...(cookie ? { cookie } : {}), ...(parsed.newSession !== undefined ? { newSession: parsed.newSession } : {}) });
        });
      })
      .on('error', reject);
  });
}

/**
 * The war of the contracts' application at `version` (`brokenOn`: the instances it fails to start
 * on). No lab idle timeout: the contracts' sessions live as long as the tests that hold them.
 */
function contractWar(fixture: PayaraLabFixture, version: string, brokenOn?: readonly string[]): Promise<string> {
  const payara = fixture.lab.payara;
  if (!payara) throw new Error('the lab runs no Payara domain');
  const spec = { app, version, cell: payara.plan.domain, cluster: activeCluster(fixture.estate).name, ...(brokenOn?.length ? { brokenOn } : {}) };
  return buildLabWar(spec, `${fixture.lab.dir}/wars`, payara.home).then((war) => war.path);
}

/** Puts the lab back as the contracts found it: instances started, dynamic reconfiguration on, contract applications gone. */
async function restoreLab(fixture: PayaraLabFixture): Promise<void> {
  const { estate } = fixture;
  const cluster = activeCluster(estate);
  const driver = createAsadminAppServer(estate);
  await driver.startServers(cluster.instances);
  await driver.setDynamicReconfiguration(cluster.name, true);
  if (estate.appServer.driver !== 'asadmin') return;
  const listed = await createAsadminRest(estate.appServer).get('/management/domain/applications/application');
  const ours = Object.keys(listed.extraProperties?.childResources ?? {}).filter((name) => name === app || name.startsWith(`${app}:`) || name.startsWith(`${app}-`));
  for (const name of ours) {
    const [base = name, version] = name.split(':');
    await driver.undeployVersion({ app: base, version: version ?? '', cluster: cluster.name, versioned: version !== undefined });
  }
}

/** Defines the driver contracts on the lab's domain, and the check that they left it as they found it. */
export function payaraLabContracts(fixture: PayaraLabFixture): void {
  describe('the asadmin driver on the Payara lab', () => {
    glassfishContract('Payara 6.2025.9', async () => {
      const { estate } = fixture;
      const cluster = activeCluster(estate);
      return {
        driver: createAsadminAppServer(estate, { app, contextRoot }),
        cluster: cluster.name,
        instances: cluster.instances as [string, string, ...string[]],
        app,
        contextRoot,
        artifact: (version) => contractWar(fixture, version),
        url: (instance) => `http://127.0.0.1:${portOf(estate, instance)}${contextRoot}/`,
      };
    });

    appServerContract('Payara 6.2025.9', async () => {
      const { estate } = fixture;
      return {
        driver: createAsadminAppServer(estate, { app, contextRoot }),
        cluster: activeCluster(estate).name,
        app,
        artifact: (version) => contractWar(fixture, version),
        hit: (server, opts) => hitServer(estate, server, opts),
        brokenOn: (servers) => contractWar(fixture, '4.0', servers),
        // Payara answers 404 where the application failed to start (no context at that root).
        failedStatus: 404,
        // Each costs instance starts (30-60 s each on 2 cores) that other tests of this run make
        // already: the rollingUpgrade scenarios stop and start every instance through the same
        // stopServers/startServers. The resets are seed 003's; no GlassFish procedure restarts
        // through them.
        leaveOut: ['clusterStopStart', 'hardReset', 'stoppedMemberReset'],
        cleanup: async () => undefined,
      };
    });

    sessionsContract('Payara 6.2025.9', async () => {
      const { estate } = fixture;
      const real = estate.appServer;
      const cluster = activeCluster(estate);
      // The contract's own application on every instance (already there after the app-server contract: then this changes nothing).
      await createAsadminAppServer(estate, { app, contextRoot }).install({ app, clusters: [cluster.name], version: '4.1', artifact: await contractWar(fixture, '4.1'), virtualHost: 'server' });
      const counter = createAsadminSessionCounter(estate, { app });
      const [running] = cluster.instances as [string];
      const port = portOf(estate, running);
      let current = counter;
      return {
        counter: { liveSessions: (servers) => current.liveSessions(servers) },
        running: { name: running, appUrl: `http://127.0.0.1:${port}${contextRoot}/x`, host: `127.0.0.1:${port}` },
        // The dormant cluster's instance, never started: stopping a running one would cost a stop and a start.
        stopped: 'spare1',
        // Cut the admin side: the counter reads through a free port nothing listens on, then the real one again.
        cutAdmin: async () => {
          if (real.driver !== 'asadmin') return;
          current = createAsadminSessionCounter({ ...estate, appServer: { ...real, adminUrl: `http://127.0.0.1:${await anyFreePort()}` } }, { app });
        },
        restoreAdmin: async () => {
          current = counter;
        },
        cleanup: async () => undefined,
      };
    });

    it('leaves the lab as it found it: myApp:1.0 on every running instance, dynamic reconfiguration on, HAProxy ready, no contract application', async () => {
      await restoreLab(fixture);
      const { estate } = fixture;
      const cluster = activeCluster(estate);
      const driver = createAsadminAppServer(estate);
      const versions = await driver.instanceVersions('myApp', cluster.instances);
      expect(versions.map((v) => [v.name, v.enabled, v.serving])).toEqual(cluster.instances.map((n) => [n, ['1.0'], '1.0']));
      expect((await driver.servers()).filter((s) => s.cluster === cluster.name).map((s) => [s.name, s.running])).toEqual(cluster.instances.map((n) => [n, true]));
      expect(await driver.dynamicReconfiguration(cluster.name)).toBe(true);
      const routing = await createHaproxySprayer(estate, { baseDir: fixture.dir }).snapshot();
      expect(routing.servers.map((s) => [s.name, s.state])).toEqual(cluster.instances.map((n) => [n, 'ready']));
      const probe = await createAsadminAppServer(estate, { app, contextRoot }).probe(cluster.instances);
      expect(probe.every((p) => !p.answering)).toBe(true);
    });
  });
}
