/** The sprayer contract against a real HAProxy (2.6 from Debian), started on loopback. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHaproxySprayer } from '../../src/drivers/sprayer/haproxy-sprayer';
import { ensureHaproxy, renderAffinityMap, renderHaproxyCfg } from '../../src/lab/haproxy';
import { waitFor, waitForExit } from '../../src/lab/process-utils';
import { labEstateForTest } from '../support/lab-estate';
import { sprayerContract } from './sprayer-contract';

sprayerContract('haproxy', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-sprayer-'));
  // Both cells active, so both start `ready`.
  const estate = labEstateForTest(11000, dir, 'lab-multi-cell.json');
  mkdirSync(join(dir, 'haproxy'), { recursive: true });
  writeFileSync(join(dir, 'haproxy', 'affinity.map'), renderAffinityMap(estate));
  writeFileSync(join(dir, 'haproxy', 'haproxy.cfg'), renderHaproxyCfg(estate));
  const child: ChildProcess = spawn(ensureHaproxy(), ['-db', '-f', join(dir, 'haproxy', 'haproxy.cfg')], { stdio: 'ignore' });
  const sprayer = createHaproxySprayer(estate);
  await waitFor(() => sprayer.snapshot().then(() => true), 10_000, 'haproxy runtime API did not answer');
  // HAProxy keeps listening on a renamed socket; clients looking it up by path find nothing.
  const socket = join(dir, 'haproxy', 'admin.sock');
  return {
    sprayer,
    cells: ['X', 'Y'],
    cutAdmin: async () => renameSync(socket, `${socket}.cut`),
    restoreAdmin: async () => renameSync(`${socket}.cut`, socket),
    async cleanup() {
      child.kill('SIGTERM');
      if (child.pid) await waitForExit(child.pid, 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
