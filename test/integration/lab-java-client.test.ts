/**
 * Seed 002's Java-client transition on the lab (estates/lab.json): simulated stand-alone clients
 * bootstrap from the configured bindings, a binding switch moves only clients that restart, the
 * ORB connections to the old cluster drain to 0, test clients reach ClusterY through explicit
 * bindings, a refused connection fails over, and the dmgr generates the cell's plugin-cfg.xml.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppServerDriver } from '../../src/drivers/app-server/app-server';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { createLabJavaClientProbe, parseCorbaloc } from '../../src/drivers/java-client/lab-java-client';
import { createLabNaming } from '../../src/drivers/naming/lab-naming';
import { startJavaClients, type JavaClientsHandle, type JavaClientsReport } from '../../src/lab/java-clients';
import { startLab, type LabHandle } from '../../src/lab/lab';
import { parsePluginConfig, routeRequest } from '../../src/lab/plugin-routing';
import { waitFor } from '../../src/lab/process-utils';
import { bindingValuesFor } from '../../src/model/bindings';
import { labEstateForTest } from '../support/lab-estate';

const dir = mkdtempSync(join(tmpdir(), 'turnout-javaclient-'));
const estate = labEstateForTest(18500, dir);
const namingUrl = estate.naming?.url ?? '';
const clusterX = ['ServerX1', 'ServerX2', 'ServerX3'];
const clusterY = ['ServerY1', 'ServerY2', 'ServerY3'];
const clientOptions = { namingUrl, providerBinding: 'InitialContextProvider', ejbBinding: 'SessionFacadeEJB', callIntervalMs: 50 };

let lab: LabHandle;
let appServer: AppServerDriver;
const running: JavaClientsHandle[] = [];

async function clients(count: number): Promise<JavaClientsHandle> {
  const handle = await startJavaClients({ ...clientOptions, count });
  running.push(handle);
  return handle;
}

/** Waits until every client has made `more` calls beyond `since`, then reports. */
async function afterCalls(handle: JavaClientsHandle, since: JavaClientsReport, more = 3): Promise<JavaClientsReport> {
  const target = new Map(since.clients.map((c) => [c.id, c.calls + more]));
  await waitFor(() => handle.report().clients.every((c) => c.calls >= (target.get(c.id) ?? 0)), 30_000, 'the clients stopped calling');
  return handle.report();
}

const sum = async (servers: string[]) => (await appServer.connections(servers)).reduce((n, s) => n + s.connections, 0);

beforeAll(async () => {
  lab = await startLab(estate);
  appServer = createLabAppServer(estate);
});
afterAll(async () => {
  await Promise.all(running.map((h) => h.stop()));
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('parseCorbaloc', () => {
  it('reads the addresses of a provider URL, in order', () => {
    expect(parseCorbaloc('corbaloc::test1.ibm.com:9811,:test2.ibm.com:9813,iiop:1.2@test3.ibm.com:9815/NameService')).toEqual([
      { host: 'test1.ibm.com', port: 9811 },
      { host: 'test2.ibm.com', port: 9813 },
      { host: 'test3.ibm.com', port: 9815 },
    ]);
    expect(parseCorbaloc('corbaloc::[::1]')).toEqual([{ host: '::1', port: 2809 }]);
  });

  it('refuses what is not a corbaloc URL, naming the part', () => {
    expect(() => parseCorbaloc('iiop://host:9811')).toThrow(/starts with corbaloc:/);
    expect(() => parseCorbaloc('corbaloc::h:1,rir:')).toThrow(/"rir:" is not an IIOP address/);
    expect(() => parseCorbaloc('corbaloc::h:70000')).toThrow(/out of range/);
  });
});

describe('the Java-client transition on the lab (seed 002)', () => {
  let old: JavaClientsHandle;

  it('A: clients bootstrapped from the starting bindings call ClusterX on 1.0, one ORB connection each', async () => {
    old = await clients(4);
    const report = await afterCalls(old, old.report());
    for (const c of report.clients) {
      expect(c.binding).toBe('cell/clusters/ClusterX/ejb/com/ibm/samples/uhc/ejbs/SessionFacadeHome');
      expect(Object.keys(c.versions)).toEqual(['1.0']);
      expect(clusterX).toContain(c.lastServer);
    }
    await waitFor(async () => (await sum(clusterX)) === 4, 20_000, 'ClusterX does not hold one ORB connection per client');
    expect(await appServer.connections(clusterY)).toEqual(clusterY.map((name) => ({ name, connections: 0 })));
  });

  it('B: with 1.1 on the started ClusterY, test clients with ClusterY bindings see only 1.1', async () => {
    await appServer.startCluster('ClusterY');
    await appServer.install({ app: 'userHitCount', clusters: ['ClusterY'], version: '1.1', artifact: 'lab:1.1', virtualHost: 'test_vhost' });
    const probe = createLabJavaClientProbe();
    const y = await probe.probe(bindingValuesFor(estate, 'ClusterY'), 9);
    expect(y).toEqual({ calls: 9, versions: { '1.1': 9 }, servers: { ServerY1: 3, ServerY2: 3, ServerY3: 3 }, failures: 0 });
    const x = await probe.probe(bindingValuesFor(estate, 'ClusterX'), 3);
    expect(x.versions).toEqual({ '1.0': 3 });
  });

  it('C: after the binding switch, new clients see 1.1 and running ones keep 1.0 until they restart', async () => {
    const naming = createLabNaming(namingUrl);
    await naming.set(bindingValuesFor(estate, 'ClusterY'));
    // Seed 002 C.2: the N+1 servers restart to pick up the cell-persistent namespace.
    await appServer.restartServers(clusterY);

    const fresh = await clients(3);
    const freshReport = await afterCalls(fresh, fresh.report());
    for (const c of freshReport.clients) {
      expect(c.versions).toEqual({ '1.1': c.calls - c.failures });
      expect(clusterY).toContain(c.lastServer);
    }

    const before = old.report();
    const still = await afterCalls(old, before);
    for (const c of still.clients) {
      expect(Object.keys(c.versions)).toEqual(['1.0']);
      expect(c.bootstrappedAt).toBe(before.clients.find((b) => b.id === c.id)?.bootstrappedAt);
    }

    await old.restart([1, 2]);
    const half = await afterCalls(old, old.report());
    expect(half.clients.map((c) => c.lastVersion)).toEqual(['1.1', '1.1', '1.0', '1.0']);
    await waitFor(async () => (await sum(clusterX)) === 2, 20_000, 'ClusterX did not lose the restarted clients');

    await old.restart();
    const moved = await afterCalls(old, old.report());
    expect(moved.clients.every((c) => c.lastVersion === '1.1' && clusterY.includes(c.lastServer ?? ''))).toBe(true);
    await waitFor(async () => (await sum(clusterX)) === 0, 20_000, 'ORB connections to ClusterX did not drain to 0');
    await waitFor(async () => (await sum(clusterY)) === 7, 20_000, 'ClusterY does not hold every client');
  });

  it('D: ClusterX shut down has no connections; a refused connection fails over within the provider URL', async () => {
    await appServer.stopCluster('ClusterX');
    expect(await appServer.connections(clusterX)).toEqual(clusterX.map((name) => ({ name, connections: 0 })));

    const before = old.report();
    const onStopped = before.clients.filter((c) => c.lastServer !== 'ServerY3').map((c) => c.id);
    await appServer.stopServers(['ServerY1', 'ServerY2']);
    await waitFor(() => old.report().clients.every((c) => c.lastServer === 'ServerY3' && c.calls > (before.clients[c.id - 1]?.calls ?? 0)), 30_000, 'clients did not fail over to ServerY3');
    const after = old.report();
    for (const id of onStopped) expect(after.clients[id - 1]?.failures).toBeGreaterThan(before.clients[id - 1]?.failures ?? 0);
    expect(after.clients.every((c) => c.providerUrl === before.clients[c.id - 1]?.providerUrl)).toBe(true);
    await appServer.startServers(['ServerY1', 'ServerY2']);
  });

  it('restart refuses an unknown client id', async () => {
    await expect(old.restart([99])).rejects.toThrow(/no Java client 99; ids are 1 to 4/);
  });
});

describe('GenPluginCfg in the lab dmgr', () => {
  it('generates a file per cell with every cluster of the cell, active on prod_vhost and dormant on test_vhost', async () => {
    const prod = estate.virtualHosts.production.aliases[1]?.port as number;
    const test = estate.virtualHosts.test.aliases[0]?.port as number;
    const at = (port: number) => ({ host: '127.0.0.1', port, path: '/user/hit' });

    const x = parsePluginConfig(await appServer.generatePluginCfg('X'));
    expect(x.refreshIntervalSeconds).toBe(2);
    expect(Object.keys(x.clusters)).toEqual(['ClusterX']);
    expect(x.clusters.ClusterX?.servers.map((s) => [s.name, s.cloneId, s.weight])).toEqual([
      ['ServerX1', 'v7oe1ii4', 2],
      ['ServerX2', 'v7oe1j1e', 2],
      ['ServerX3', 'v7oe1k2f', 2],
    ]);
    expect(routeRequest(x, at(prod), {})).toMatchObject({ kind: 'new', cluster: 'ClusterX' });
    // The test VIP belongs to the incoming cluster (in cell Y), not to cell X's own.
    expect(routeRequest(x, at(test), {})).toEqual({ kind: 'no-route' });

    const y = parsePluginConfig(await appServer.generatePluginCfg('Y'));
    expect(y.routes).toEqual([{ serverCluster: 'ClusterY', uriGroup: 'test_vhost_ClusterY_URIs', virtualHostGroup: 'test_vhost' }]);
    expect(routeRequest(y, at(test), {})).toMatchObject({ kind: 'new', cluster: 'ClusterY' });
  });

  it('names an unknown cell', async () => {
    await expect(appServer.generatePluginCfg('Z')).rejects.toThrow(/HTTP 404: no cell named Z; this estate has X, Y/);
  });
});
