/**
 * Faults on the running lab, with real processes (node app servers, dmgr, web tier, HAProxy 2.6)
 * and session load through the sprayer: the dmgr down and back (app servers survive and are
 * adopted), HAProxy reloaded under load, its Runtime API cut and restored, an app server killed.
 * Ports: offsets 1000-3999 only (other test runs use the others at the same time).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppServerDriver } from '../../src/drivers/app-server/app-server';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { createLabSessionCounter } from '../../src/drivers/sessions/lab-sessions';
import { HaproxyRuntimeApi } from '../../src/drivers/sprayer/haproxy-runtime-api';
import { createHaproxySprayer } from '../../src/drivers/sprayer/haproxy-sprayer';
import { initialAffinity } from '../../src/drivers/sprayer/sprayer';
import type { ServerStatus } from '../../src/lab/dmgr-api';
import { labPorts, startLab } from '../../src/lab/lab';
import { runLoad } from '../../src/lab/load';
import { isAlive, isListening, requestJson, sleep } from '../../src/lab/process-utils';
import { labEstateForTest } from '../support/lab-estate';
import { startLoad, startScenarioLab, stopAllLoad, type ScenarioLab } from '../support/rollout-harness';

const allNames = ['ServerX1', 'ServerX2', 'ServerX3', 'ServerY1', 'ServerY2', 'ServerY3'];

/** Processes whose command line names the lab's folder (app servers, dmgr, web tier, HAProxy and its workers). */
function processesOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) && isAlive(pid);
      } catch {
        return false;
      }
    });
}

async function statuses(lab: ScenarioLab): Promise<ServerStatus[]> {
  return (await requestJson<{ servers: ServerStatus[] }>(`${lab.lab.urls.admin}/servers`)).body.servers;
}

async function freePorts(lab: Pick<ScenarioLab, 'estate'>): Promise<number[]> {
  const up = await Promise.all(labPorts(lab.estate).map(async (p) => ((await isListening(p.host, p.port, 300)) ? p.port : undefined)));
  return up.filter((p): p is number => p !== undefined);
}

afterEach(() => stopAllLoad());

describe('lab faults: the dmgr and the app servers', () => {
  let lab: ScenarioLab;
  let admin: AppServerDriver;

  beforeAll(async () => {
    lab = await startScenarioLab(1000);
    admin = createLabAppServer(lab.estate);
  });
  afterAll(async () => lab?.stop());

  it('keeps serving with the dmgr down under load; counts are unknown, never 0; a restarted dmgr adopts the same servers', async () => {
    const counter = createLabSessionCounter(lab.estate);
    const before = await statuses(lab);
    expect(before.map((s) => [s.state, s.adopted])).toEqual(allNames.map(() => ['running', false]));
    const load = startLoad(lab.estate, 40);
    await sleep(1000);

    await lab.lab.faults.stopDmgr();
    const adminUrl = new URL(lab.lab.urls.admin as string);
    expect(await isListening(adminUrl.hostname, Number(adminUrl.port))).toBe(false);
    const unknown = await counter.liveSessions(allNames);
    expect(unknown.map((s) => [s.name, s.sessions])).toEqual(allNames.map((n) => [n, null]));
    expect(unknown.every((s) => s.problem?.includes('unreachable'))).toBe(true);
    expect(await admin.probe(allNames)).toEqual(allNames.map((name) => ({ name, answering: true, version: '1.0' })));
    await sleep(3000);

    await lab.lab.faults.startDmgr();
    const after = await statuses(lab);
    expect(after.map((s) => [s.name, s.state, s.pid, s.adopted])).toEqual(before.map((s) => [s.name, 'running', s.pid, true]));
    const counts = await counter.liveSessions(allNames);
    expect(counts.every((s) => typeof s.sessions === 'number')).toBe(true);
    expect(counts.reduce((n, s) => n + (s.sessions ?? 0), 0)).toBeGreaterThan(0);

    const report = await load.stop();
    expect(report.requests).toBeGreaterThan(100);
    expect([report.failed, report.lostSessions, report.versionFlips]).toEqual([0, 0, 0]);
  });

  it('stops, starts and installs on adopted servers, by pid', async () => {
    const x3 = (await statuses(lab)).find((s) => s.name === 'ServerX3');
    expect(x3?.adopted).toBe(true);
    await admin.stopServers(['ServerX3']);
    expect(isAlive(x3?.pid ?? 0)).toBe(false);
    expect((await admin.probe(['ServerX3']))[0]?.answering).toBe(false);
    await admin.startServers(['ServerX3']);
    const restarted = (await statuses(lab)).find((s) => s.name === 'ServerX3');
    expect([restarted?.state, restarted?.adopted]).toEqual(['running', false]);
    expect(restarted?.pid).not.toBe(x3?.pid);

    // ClusterY is all adopted: the install reloads each running member in place.
    const pidsY = (await statuses(lab)).filter((s) => s.cluster === 'ClusterY').map((s) => s.pid);
    await admin.install({ app: 'userHitCount', clusters: ['ClusterY'], version: '1.1', artifact: 'lab:1.1', virtualHost: 'prod_vhost' });
    expect(await admin.probe(['ServerY1', 'ServerY2', 'ServerY3'])).toEqual(['ServerY1', 'ServerY2', 'ServerY3'].map((name) => ({ name, answering: true, version: '1.1' })));
    expect((await statuses(lab)).filter((s) => s.cluster === 'ClusterY').map((s) => s.pid)).toEqual(pidsY);
  });

  it('kills a server behind the dmgr: the dmgr reports it stopped, the probe not answering', async () => {
    const counter = createLabSessionCounter(lab.estate);
    await lab.lab.faults.killServer('ServerX2');
    expect((await statuses(lab)).find((s) => s.name === 'ServerX2')?.state).toBe('stopped');
    const [probe] = await admin.probe(['ServerX2']);
    expect([probe?.answering, probe?.version]).toEqual([false, null]);
    expect(probe?.problem).toContain('ECONNREFUSED');
    // Stopped as the dmgr sees it: it holds no sessions (they died with it).
    expect(await counter.liveSessions(['ServerX2'])).toEqual([{ name: 'ServerX2', sessions: 0 }]);
    await admin.startServers(['ServerX2']);
    expect((await admin.probe(['ServerX2']))[0]?.answering).toBe(true);
  });

  it('stops with the dmgr down, leaving no process and no port', async () => {
    const pids = (await statuses(lab)).map((s) => s.pid ?? 0);
    await lab.lab.faults.stopDmgr();
    expect(pids.filter(isAlive)).toHaveLength(6);
    await lab.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesOf(lab.dir)).toEqual([]);
    expect(await freePorts(lab)).toEqual([]);
  });
});

describe('lab faults: the sprayer', () => {
  let lab: ScenarioLab;

  beforeAll(async () => {
    lab = await startScenarioLab(1500);
  });
  afterAll(async () => lab?.stop());

  it('reloads HAProxy under load without a failed request; runtime state and map return to the configuration', async () => {
    const sprayer = createHaproxySprayer(lab.estate);
    const runtimeApi = new HaproxyRuntimeApi(lab.lab.urls.runtimeApi as string);
    const map = lab.estate.sprayer?.affinityMap as string;
    await sprayer.setCellState('Y', 'drain');
    await runtimeApi.putMapEntry(map, 'zz00zz00', 'X_webX1', false);
    expect((await sprayer.snapshot()).affinity.zz00zz00).toBe('X_webX1');

    const load = startLoad(lab.estate, 40);
    await sleep(1500);
    await lab.lab.faults.reloadSprayer();
    await sleep(1000);
    await lab.lab.faults.reloadSprayer();
    await sleep(1000);
    const report = await load.stop();
    expect(report.requests).toBeGreaterThan(100);
    expect([report.failed, report.lostSessions, report.versionFlips]).toEqual([0, 0, 0]);

    const after = await sprayer.snapshot();
    expect(after.servers.map((s) => [s.name, s.state])).toEqual([
      ['X_webX1', 'ready'],
      ['Y_webY1', 'ready'],
    ]);
    expect(after.affinity).toEqual(initialAffinity(lab.estate));
  });

  it('cuts the Runtime API while HAProxy serves: the sprayer driver fails clearly; restored, it works', async () => {
    const sprayer = createHaproxySprayer(lab.estate);
    await lab.lab.faults.cutRuntimeApi();
    await expect(sprayer.snapshot()).rejects.toThrow(`the haproxy runtime API at ${lab.lab.urls.runtimeApi} is unreachable: no socket at that path`);
    await expect(sprayer.setCellState('Y', 'drain')).rejects.toThrow('is unreachable');
    const served = await runLoad({ target: `${lab.lab.urls.sprayer}/user/hit`, rate: 40, durationSeconds: 2 });
    expect([served.requests > 0, served.failed]).toEqual([true, 0]);

    await lab.lab.faults.restoreRuntimeApi();
    expect((await sprayer.snapshot()).servers.map((s) => s.state)).toEqual(['ready', 'ready']);
  });

  it('stops after reloads leaving no HAProxy worker, no process and no port', async () => {
    await lab.stop();
    expect(processesOf(lab.dir)).toEqual([]);
    expect(await freePorts(lab)).toEqual([]);
  });
});

describe('lab faults: a TCP Runtime API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-faults-tcp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is relayed by the lab, so it can be cut (connection refused) and restored while HAProxy serves', async () => {
    const estate = labEstateForTest(2000, dir, 'lab-multi-cell.json');
    const endpoint = { host: '127.0.0.1', port: 2000 + 9850 };
    if (!estate.sprayer) throw new Error('lab-multi-cell.json has no sprayer');
    estate.sprayer.adminSocket = endpoint;
    const lab = await startLab(estate, { baseDir: dir });
    try {
      const sprayer = createHaproxySprayer(estate);
      await sprayer.setCellState('Y', 'drain');
      await lab.faults.cutRuntimeApi();
      await expect(sprayer.snapshot()).rejects.toThrow(`the haproxy runtime API at 127.0.0.1:${endpoint.port} is unreachable: connection refused`);
      const served = await runLoad({ target: `${lab.urls.sprayer}/user/hit`, rate: 40, durationSeconds: 1 });
      expect([served.requests > 0, served.failed]).toEqual([true, 0]);
      await lab.faults.restoreRuntimeApi();
      expect((await sprayer.snapshot()).servers.map((s) => s.state)).toEqual(['ready', 'drain']);
      await lab.faults.reloadSprayer();
      expect((await sprayer.snapshot()).servers.map((s) => s.state)).toEqual(['ready', 'ready']);
    } finally {
      await lab.stop();
    }
    expect(processesOf(dir)).toEqual([]);
    expect(await freePorts({ estate })).toEqual([]);
  });
});
