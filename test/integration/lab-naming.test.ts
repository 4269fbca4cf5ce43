/**
 * The single-cell lab (estates/lab-single-cell.json) brought up with `turnout lab up`: it routes
 * production to ClusterX and both test VIPs to ClusterY, runs `turnout lab java-clients`, and its
 * naming service passes the naming contract through the lab naming driver.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { createLabNaming } from '../../src/drivers/naming/lab-naming';
import type { LabAppResponse } from '../../src/lab/dmgr-api';
import type { JavaClientsReport } from '../../src/lab/java-clients';
import type { LabStatus } from '../../src/lab/lab';
import { requestJson, waitFor } from '../../src/lab/process-utils';
import { runCli } from '../support/cli';
import { labEstateForTest } from '../support/lab-estate';
import { namingContract } from './naming-contract';

const dir = mkdtempSync(join(tmpdir(), 'turnout-single-cell-'));
const estate = labEstateForTest(19000, join(dir, 'lab'), 'lab-single-cell.json');
// ClusterX's resource bindings (seed 003), which the naming service serves as plain names.
const clusterX = estate.cells[0]?.clusters.find((c) => c.name === 'ClusterX');
if (clusterX) clusterX.resources = { 'jms/OrderQueue': 'queue://orders', 'jdbc/CustomerData': 'jdbc:lab://127.0.0.1/customers' };
const file = join(dir, 'estate.json');
writeFileSync(file, JSON.stringify(estate, null, 2));
const namingUrl = estate.naming?.url ?? '';
const [webX1, webX2] = estate.cells[0]?.httpServers ?? [];

const hit = (port: number | undefined) => requestJson<LabAppResponse>(`http://127.0.0.1:${port ?? 0}/user/hit`, 'GET', undefined, 5000);

beforeAll(async () => {
  const up = await runCli(['lab', 'up', '--estate', file]);
  if (up.code !== 0) throw new Error(`lab up failed (${up.code}): ${up.stderr}`);
});
afterAll(async () => {
  await runCli(['lab', 'down', '--estate', file]);
  rmSync(dir, { recursive: true, force: true });
});

describe('estates/lab-single-cell.json', () => {
  it('has one cell with an active and a dormant cluster behind two HTTP servers, both ready at the sprayer', async () => {
    const run = await runCli(['lab', 'status', '--estate', file, '--json']);
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as LabStatus;
    expect(status.servers?.map((s) => [s.name, s.cluster, s.state])).toEqual([
      ['ServerX1', 'ClusterX', 'running'],
      ['ServerX2', 'ClusterX', 'running'],
      ['ServerX3', 'ClusterX', 'running'],
      ['ServerY1', 'ClusterY', 'stopped'],
      ['ServerY2', 'ClusterY', 'stopped'],
      ['ServerY3', 'ClusterY', 'stopped'],
    ]);
    expect(status.sprayer?.servers.map((s) => [s.name, s.state])).toEqual([
      ['X_webX1', 'ready'],
      ['X_webX2', 'ready'],
    ]);
  });

  it('routes the sprayer and both production listeners to ClusterX on 1.0', async () => {
    for (const port of [estate.sprayer?.listen.port, estate.sprayer?.listen.port, webX1?.port, webX2?.port]) {
      const res = await hit(port);
      expect([res.status, res.body.cluster, res.body.version]).toEqual([200, 'ClusterX', '1.0']);
    }
  });

  it('routes both test VIPs to ClusterY once its (dormant) servers are started', async () => {
    expect((await hit(webX1?.testPort)).status).not.toBe(200);
    await createLabAppServer(estate).startCluster('ClusterY');
    for (const port of [webX1?.testPort, webX2?.testPort]) {
      // A web server skips a member that refused it for its retry interval; wait that out.
      await waitFor(async () => (await hit(port)).status === 200, 20_000, `test VIP :${port} did not answer`);
      const res = await hit(port);
      expect([res.body.cluster, res.body.version]).toEqual(['ClusterY', '1.0']);
    }
    expect((await hit(estate.sprayer?.listen.port)).body.cluster).toBe('ClusterX');
  });

  it('runs `turnout lab java-clients`: clients bootstrapped to ClusterX call it', async () => {
    const run = await runCli(['lab', 'java-clients', '--estate', file, '--count', '3', '--duration', '2', '--interval', '50', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as JavaClientsReport;
    expect(report.totals.clients).toBe(3);
    expect(report.totals.calls).toBeGreaterThan(0);
    expect(Object.keys(report.totals.versions)).toEqual(['1.0']);
    for (const c of report.clients) expect(c.binding).toBe('cell/clusters/ClusterX/ejb/com/ibm/samples/uhc/ejbs/SessionFacadeHome');
    const text = await runCli(['lab', 'java-clients', '--estate', file, '--count', '1', '--duration', '1']);
    expect(text.stdout).toMatch(/^java clients 1: calls \d+, failures 0, versions 1\.0 x\d+/);
  });

  it('refuses bad java-clients flags with exit 2, naming each flag', async () => {
    const run = await runCli(['lab', 'java-clients', '--estate', file, '--count', '0', '--duration', 'soon', '--naming', 'ftp://x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--count: must be at least 1');
    expect(run.stderr).toContain('--duration: must be a whole number');
    expect(run.stderr).toContain('--naming:');
  });

  it('fails with exit 1 when the naming service does not answer', async () => {
    const run = await runCli(['lab', 'java-clients', '--estate', file, '--naming', 'http://127.0.0.1:1', '--count', '1', '--duration', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^turnout lab java-clients: /);
  });
});

namingContract('lab', () => Promise.resolve({ driver: createLabNaming(namingUrl), estate, activeCluster: 'ClusterX', otherCluster: 'ClusterY', cleanup: () => Promise.resolve() }));
