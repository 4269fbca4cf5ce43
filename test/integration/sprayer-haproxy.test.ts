/**
 * The sprayer contract against a real HAProxy (2.6 from Debian), started on loopback: in front of
 * cells (seed 002's IP sprayer) and in front of cluster members (seed 003's on-demand router), with
 * tiny loopback HTTP servers as its backend servers. Also what only HAProxy shows: that
 * `setServerStates` is one Runtime API request, servers going `ready` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHaproxySprayer } from '../../src/drivers/sprayer/haproxy-sprayer';
import { sprayerServersOf, type SprayerDriver } from '../../src/drivers/sprayer/sprayer';
import { ensureHaproxy, renderAffinityMap, renderHaproxyCfg } from '../../src/lab/haproxy';
import { waitFor, waitForExit } from '../../src/lab/process-utils';
import type { Estate } from '../../src/model/estate';
import { startHoldingBackends } from '../support/holding-backends';
import { labEstateForTest } from '../support/lab-estate';
import { sprayerContract, type SprayerUnderTest } from './sprayer-contract';

/** HAProxy for `estate`, its stats socket at `statsSocket` (default: where the estate says). */
async function startHaproxy(estate: Estate, dir: string, statsSocket?: string): Promise<{ sprayer: SprayerDriver; stop(): Promise<void> }> {
  mkdirSync(join(dir, 'haproxy'), { recursive: true });
  writeFileSync(join(dir, 'haproxy', 'affinity.map'), renderAffinityMap(estate));
  writeFileSync(join(dir, 'haproxy', 'haproxy.cfg'), renderHaproxyCfg(estate, undefined, statsSocket));
  const child: ChildProcess = spawn(ensureHaproxy(), ['-db', '-f', join(dir, 'haproxy', 'haproxy.cfg')], { stdio: 'ignore' });
  const sprayer = createHaproxySprayer(estate);
  const stop = async () => {
    child.kill('SIGTERM');
    if (child.pid) await waitForExit(child.pid, 5000);
  };
  await waitFor(() => sprayer.snapshot().then(() => true), 10_000, 'haproxy runtime API did not answer').catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { sprayer, stop };
}

async function haproxyUnderTest(offset: number, file: string, cells: SprayerUnderTest['cells']): Promise<SprayerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-sprayer-'));
  const estate = labEstateForTest(offset, dir, file);
  const backends = await startHoldingBackends(sprayerServersOf(estate));
  const haproxy = await startHaproxy(estate, dir);
  const front = `http://${estate.sprayer?.listen.host}:${estate.sprayer?.listen.port}`;
  // HAProxy keeps listening on a renamed socket; clients looking it up by path find nothing.
  const socket = join(dir, 'haproxy', 'admin.sock');
  return {
    sprayer: haproxy.sprayer,
    cells,
    holdRequest: () => backends.hold(front),
    cutAdmin: async () => renameSync(socket, `${socket}.cut`),
    restoreAdmin: async () => renameSync(`${socket}.cut`, socket),
    async cleanup() {
      await haproxy.stop();
      await backends.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Both cells active, so both start `ready`.
sprayerContract('haproxy in front of cells', () => haproxyUnderTest(11000, 'lab-multi-cell.json', ['X', 'Y']));

// One cell, six active members; the dormant clone is behind the test listener only.
sprayerContract('haproxy in front of members (the on-demand router)', () => haproxyUnderTest(11500, 'lab-edition.json', ['E']));

/** A UNIX socket in front of HAProxy's stats socket that records every line a client sends. */
async function recordingProxy(path: string, target: string): Promise<{ lines: string[]; close(): Promise<void> }> {
  const lines: string[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect(target);
    let sent = '';
    client.on('data', (chunk: Buffer) => {
      sent += chunk.toString('utf8');
      upstream.write(chunk);
    });
    client.on('end', () => {
      lines.push(...sent.split('\n').filter(Boolean));
      upstream.end();
    });
    upstream.pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { lines, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('haproxy sprayer: setServerStates is one router change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-sprayer-line-'));
  const estate = labEstateForTest(12500, dir, 'lab-edition.json');
  let haproxy: Awaited<ReturnType<typeof startHaproxy>>;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;

  beforeAll(async () => {
    const real = join(dir, 'haproxy', 'real.sock');
    mkdirSync(join(dir, 'haproxy'), { recursive: true });
    proxy = await recordingProxy(join(dir, 'haproxy', 'admin.sock'), real);
    haproxy = await startHaproxy(estate, dir, real);
  });
  afterAll(async () => {
    await haproxy?.stop();
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every change on one line, ready before drain before maint, and nothing already in its state', async () => {
    await haproxy.sprayer.setServerStates({ ServerE4: 'drain', ServerE5: 'drain', ServerE6: 'drain' });
    proxy.lines.length = 0;
    const after = await haproxy.sprayer.setServerStates({ ServerE1: 'maint', ServerE2: 'drain', ServerE3: 'drain', ServerE4: 'ready', ServerE5: 'ready', ServerE6: 'drain' });
    const line = ['ServerE4 ready', 'ServerE5 ready', 'ServerE2 drain', 'ServerE3 drain', 'ServerE1 maint']
      .map((change) => change.split(' '))
      .map(([server, state]) => `set server members/${server} state ${state}`)
      .join(';');
    expect(proxy.lines.filter((l) => l.startsWith('set '))).toEqual([line]);
    expect(after.servers.map((s) => [s.name, s.state])).toEqual([
      ['ServerE1', 'maint'],
      ['ServerE2', 'drain'],
      ['ServerE3', 'drain'],
      ['ServerE4', 'ready'],
      ['ServerE5', 'ready'],
      ['ServerE6', 'drain'],
    ]);
  });

  it('refuses a dormant member: the validation clone is not a server of the production backend', async () => {
    await expect(haproxy.sprayer.setServerStates({ ServerV1: 'ready' })).rejects.toThrow(/no server ServerV1 in sprayer backend members \(its servers: ServerE1, .*ServerE6\)/);
  });
});
