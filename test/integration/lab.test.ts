/**
 * The lab end to end: real app servers, web tier, naming, dmgr and HAProxy on loopback.
 * (a) load through HAProxy has no failures; (b) the multi-cell drain of seed 002 at the sprayer
 * keeps sessions on their servers while new ones go to the other cell; (c) stop leaves nothing.
 */
import type { SprayerDriver } from '../../src/drivers/sprayer/sprayer';
import type { ServerStatus } from '../../src/lab/dmgr-api';
import { labPorts, type LabHandle } from '../../src/lab/lab';
import { runLoad } from '../../src/lab/load';
import { renderCellPluginCfg } from '../../src/lab/plugin-cfg-initial';
import { isAlive, isListening, requestJson, waitFor, writeFileAtomic } from '../../src/lab/process-utils';
import type { Estate } from '../../src/model/estate';
import { labForSuite, post, User } from '../support/lab-client';

/** Seed 002 step "change the virtual host to production": ClusterY on prod_vhost, restarted, and webY1's plugin-cfg routing it. */
async function bringUpCellY(estate: Estate, admin: string): Promise<void> {
  await post(`${admin}/clusters/ClusterY/vhost`, { vhost: estate.virtualHosts.production.name });
  await post(`${admin}/clusters/ClusterY/start`);
  const cellY = estate.cells.find((c) => c.name === 'Y');
  const webY1 = cellY?.httpServers[0];
  if (!cellY || !webY1 || webY1.pluginCfg.kind !== 'local') throw new Error('estate has no cell Y web server');
  const activeY = { ...cellY, clusters: cellY.clusters.map((c) => ({ ...c, state: 'active' as const })) };
  const before = await requestJson<{ sha256: string }>(`http://${webY1.host}:${webY1.port}/__lab/config`);
  writeFileAtomic(webY1.pluginCfg.path, renderCellPluginCfg(estate, activeY, webY1.refreshIntervalSeconds));
  // The plug-in picks the file up at its next RefreshInterval.
  await waitFor(async () => (await requestJson<{ sha256: string }>(`http://${webY1.host}:${webY1.port}/__lab/config`)).body.sha256 !== before.body.sha256, 15_000, 'webY1 did not re-read plugin-cfg.xml');
}

describe('the lab', () => {
  const suite = labForSuite(10000);
  const { estate } = suite;
  let lab: LabHandle;
  let sprayer: SprayerDriver;
  let app: string;

  beforeAll(() => {
    ({ lab, sprayer } = suite);
    app = `${lab.urls.sprayer}/user/hit`;
  });

  it('starts with cell Y dormant: stopped servers, drained at the sprayer', async () => {
    const { body } = await requestJson<{ servers: ServerStatus[] }>(`${lab.urls.admin}/servers`);
    expect(body.servers.map((s) => [s.name, s.state])).toEqual([
      ['ServerX1', 'running'],
      ['ServerX2', 'running'],
      ['ServerX3', 'running'],
      ['ServerY1', 'stopped'],
      ['ServerY2', 'stopped'],
      ['ServerY3', 'stopped'],
    ]);
    const snapshot = await sprayer.snapshot();
    expect(snapshot.servers.map((s) => [s.name, s.state])).toEqual([
      ['X_webX1', 'ready'],
      ['Y_webY1', 'drain'],
    ]);
  });

  it('(a) carries 10 s of session load through HAProxy with no failed request', async () => {
    const report = await runLoad({ target: app, rate: 40, durationSeconds: 10 });
    expect(report.requests).toBeGreaterThan(0);
    expect(report.failed).toBe(0);
    expect(report.lostSessions).toBe(0);
    expect(report.versionFlips).toBe(0);
    expect(Object.keys(report.servers).sort()).toEqual(['ServerX1', 'ServerX2', 'ServerX3']);
  });

  it('(b) drains cell X at the sprayer: new sessions go to cell Y, sessions on X stay put', async () => {
    const usersOnX = Array.from({ length: 12 }, () => new User(app));
    for (const user of usersOnX) expect((await user.hit()).cell).toBe('X');

    await bringUpCellY(estate, lab.urls.admin as string);
    await sprayer.setCellState('Y', 'ready');
    const background = runLoad({ target: app, rate: 30, durationSeconds: 6 });
    await sprayer.setCellState('X', 'drain');

    for (let round = 0; round < 3; round++) {
      for (const user of usersOnX) {
        const answer = await user.hit();
        expect(answer.status).toBe(200);
        expect(answer.newSession).toBe(false);
        expect([answer.server, answer.sessionId]).toEqual([user.first?.server, user.first?.sessionId]);
      }
    }
    const newcomers = Array.from({ length: 12 }, () => new User(app));
    for (const user of newcomers) {
      const answer = await user.hit();
      expect(answer.newSession).toBe(true);
      expect(answer.cell).toBe('Y');
    }
    const report = await background;
    expect(report.failed).toBe(0);
    expect(report.lostSessions).toBe(0);
    expect(report.versionFlips).toBe(0);
  });

  it('(c) stop leaves no process and frees every port', async () => {
    const { body } = await requestJson<{ servers: ServerStatus[] }>(`${lab.urls.admin}/servers`);
    const pids = [...Object.values(lab.pids), ...body.servers.map((s) => s.pid).filter((p): p is number => p !== null)];
    expect(pids.length).toBeGreaterThan(5);
    await lab.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    const listening = await Promise.all(labPorts(estate).map(async (p) => ((await isListening(p.host, p.port)) ? p.port : undefined)));
    expect(listening.filter((p) => p !== undefined)).toEqual([]);
  });
});
