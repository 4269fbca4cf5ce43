/** The lab dmgr and app servers: install, broken artifact, virtual host at restart, logout, resets and uninstall, naming. */
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterStatus, InFlightReport, LabAppResponse, ResetReport, ServerStatus } from '../../src/lab/dmgr-api';
import { startLab, type LabHandle } from '../../src/lab/lab';
import { requestJson } from '../../src/lab/process-utils';
import { labEstateForTest } from '../support/lab-estate';

/** A GET with a chosen Host header (fetch does not let a caller set Host). */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; cookie: string; body: LabAppResponse }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const cookie = (res.headers['set-cookie']?.[0] ?? '').split(';')[0] as string;
          resolve({ status: res.statusCode ?? 0, cookie, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as LabAppResponse });
        });
      })
      .on('error', reject);
  });
}

describe('lab dmgr and app servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-labdmgr-'));
  const estate = labEstateForTest(13000, dir);
  let lab: LabHandle;
  const admin = () => lab.urls.admin as string;
  const cluster = async (action: string, body?: unknown) => (await requestJson<ClusterStatus>(`${admin()}/clusters/ClusterY/${action}`, 'POST', body)).body;

  beforeAll(async () => {
    lab = await startLab(estate);
  });
  afterAll(async () => {
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a dormant cluster idempotently, on the test virtual host', async () => {
    const first = await cluster('start');
    const again = await cluster('start');
    expect(first.servers.map((s) => s.state)).toEqual(['running', 'running', 'running']);
    expect(again.servers.map((s) => s.pid)).toEqual(first.servers.map((s) => s.pid));
    const y1 = lab.urls.appServers.ServerY1 as string;
    const testPort = estate.virtualHosts.test.aliases[0]?.port;
    expect((await get(`${y1}/user/hit`, { host: `127.0.0.1:${testPort}` })).status).toBe(200);
    expect((await get(`${y1}/user/hit`, { host: `127.0.0.1:${estate.sprayer?.listen.port}` })).status).toBe(404);
  });

  it('installs on every member; lab:broken answers 500', async () => {
    const installed = await cluster('install', { version: '2.0', artifact: 'lab:broken' });
    expect(installed.servers.map((s) => [s.version, s.artifact])).toEqual(Array(3).fill(['2.0', 'lab:broken']));
    const webY1Test = lab.urls.webServers.webY1?.test as string;
    const res = await fetch(`${webY1Test}/user/hit`);
    expect(res.status).toBe(500);
    expect(res.headers.get('x-turnout-version')).toBe('2.0');
    await cluster('install', { version: '2.0' });
    const ok = await fetch(`${webY1Test}/user/hit`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as LabAppResponse).version).toBe('2.0');
  });

  it('changes the virtual host only at the next restart', async () => {
    const set = await cluster('vhost', { vhost: 'prod_vhost' });
    expect(set.servers.map((s) => [s.vhost, s.runningVhost])).toEqual(Array(3).fill(['prod_vhost', 'test_vhost']));
    await cluster('stop');
    const restarted = await cluster('start');
    expect(restarted.servers.map((s) => s.runningVhost)).toEqual(Array(3).fill('prod_vhost'));
  });

  it('keeps a session until logout, and counts it as live', async () => {
    const x1 = lab.urls.appServers.ServerX1 as string;
    const host = { host: `127.0.0.1:${estate.sprayer?.listen.port}` };
    const { cookie } = await get(`${x1}/user/hit`, host);
    expect(cookie).toMatch(/^JSESSIONID=0000[A-Za-z0-9_-]{23}:v7oe1ii4$/);
    const second = (await get(`${x1}/user/hit`, { ...host, cookie })).body;
    expect([second.newSession, second.hits]).toEqual([false, 2]);
    expect((await requestJson<{ liveCount: number }>(`${x1}/__lab/sessions`)).body.liveCount).toBeGreaterThanOrEqual(1);
    await get(`${x1}/user/logout`, { ...host, cookie });
    const after = (await get(`${x1}/user/hit`, { ...host, cookie })).body;
    expect(after.newSession).toBe(true);
  });

  it('resets through the dmgr: per-server results with pids, refused input named, uninstall and install again', async () => {
    const reset = (body: unknown) => requestJson<ResetReport & { error?: string }>(`${admin()}/servers/reset`, 'POST', body);
    const bad = await reset({ servers: ['ServerY1'], version: '3.0', reset: 'medium' });
    expect([bad.status, bad.body.error]).toEqual([400, expect.stringContaining('reset needs')]);
    expect((await reset({ servers: ['NoSuchServer'], version: '3.0', reset: 'soft' })).status).toBe(404);
    const before = (await cluster('start')).servers.map((s) => s.pid);
    const { body } = await reset({ servers: ['ServerY1', 'ServerY2'], version: '3.0', artifact: 'lab:broken-on=ServerY2', reset: 'soft' });
    expect(body.servers.map((r) => [r.name, r.ok, r.action, r.pid])).toEqual([
      ['ServerY1', true, 'soft', before[0]],
      ['ServerY2', false, 'soft', before[1]],
    ]);
    expect(body.servers[1]?.problem).toBe('version 3.0 (lab:broken-on=ServerY2) failed to start on ServerY2');
    const y2 = (await requestJson<ServerStatus>(`${admin()}/servers/ServerY2`)).body;
    expect([y2.app, y2.pid]).toEqual(['failed', before[1]]);
    const inFlight = await requestJson<InFlightReport>(`${admin()}/in-flight?server=ServerY1&server=ServerY3`);
    expect(inFlight.body.servers.map((s) => [s.name, s.inFlight])).toEqual([
      ['ServerY1', 0],
      ['ServerY3', 0],
    ]);
    const removed = await cluster('uninstall');
    expect(removed.servers.map((s) => [s.state, s.version, s.pid])).toEqual(Array(3).fill(['stopped', '', null]));
    await cluster('start');
    expect((await fetch(`${lab.urls.appServers.ServerY1 as string}/user/hit`)).status).toBe(404);
    const back = await cluster('install', { version: '3.1' });
    expect(back.servers.map((s) => [s.version, s.app])).toEqual(Array(3).fill(['3.1', 'started']));
  });

  it('serves and sets the configured bindings', async () => {
    const naming = lab.urls.naming as string;
    const { body } = await requestJson<{ binding: string }>(`${naming}/bindings/SessionFacadeEJB`);
    expect(body.binding).toContain('ClusterX');
    const set = await requestJson<{ value: string }>(`${naming}/bindings/InitialContextProvider`, 'PUT', { value: 'corbaloc::127.0.0.1:1' });
    expect(set.body.value).toBe('corbaloc::127.0.0.1:1');
  });
});
