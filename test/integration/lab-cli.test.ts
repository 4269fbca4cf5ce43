/** `turnout lab up|status|down` with a detached supervisor, and its refusals. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labPorts, readLabInfo, type LabStatus } from '../../src/lab/lab';
import { isAlive, isListening } from '../../src/lab/process-utils';
import { runCli } from '../support/cli';
import { labEstateForTest } from '../support/lab-estate';

describe('turnout lab', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-labcli-'));
  const estate = labEstateForTest(12000, join(dir, 'lab'));
  const file = join(dir, 'estate.json');
  writeFileSync(file, JSON.stringify(estate, null, 2));

  afterAll(async () => {
    await runCli(['lab', 'down', '--estate', file]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects an invalid estate with exit 2 and JSON paths', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...estate, cells: [{ name: 'X', clusters: [] }] }));
    const run = await runCli(['lab', 'up', '--estate', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('$.cells[0].clusters:');
  });

  it('refuses with exit 3 naming the ports already taken', async () => {
    const blocker = net.createServer();
    const port = estate.sprayer?.listen.port as number;
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = await runCli(['lab', 'up', '--estate', file]);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`127.0.0.1:${port} (sprayer)`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('comes up, reports its status, refuses a second up, and goes down leaving nothing', async () => {
    const up = await runCli(['lab', 'up', '--estate', file]);
    if (up.code !== 0) throw new Error(`lab up failed (${up.code}): ${up.stderr}`);
    expect(up.stdout).toContain(`http://127.0.0.1:${estate.sprayer?.listen.port}/user/`);

    const status = await runCli(['lab', 'status', '--estate', file, '--json']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as LabStatus;
    expect(parsed.running).toBe(true);
    expect(parsed.servers?.filter((s) => s.state === 'running').map((s) => s.name)).toEqual(['ServerX1', 'ServerX2', 'ServerX3']);
    expect(parsed.sprayer?.servers.map((s) => s.state)).toEqual(['ready', 'drain']);

    const again = await runCli(['lab', 'up', '--estate', file]);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/already running/);

    const info = readLabInfo(estate);
    const pids = [info?.pid ?? 0, ...Object.values(info?.pids ?? {}), ...(parsed.servers ?? []).map((s) => s.pid ?? 0)].filter((p) => p > 0);
    const down = await runCli(['lab', 'down', '--estate', file]);
    expect(down.code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    const listening = await Promise.all(labPorts(estate).map(async (p) => ((await isListening(p.host, p.port)) ? p.port : undefined)));
    expect(listening.filter((p) => p !== undefined)).toEqual([]);
  });
});
