/** The app-server and sessions contracts against the lab: real app servers and deployment manager. */
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { createLabSessionCounter } from '../../src/drivers/sessions/lab-sessions';
import { startLab, type LabHandle } from '../../src/lab/lab';
import type { Estate } from '../../src/model';
import { labEstateForTest } from '../support/lab-estate';
import { brokenOnPrefix, type LabAppResponse } from '../../src/lab/dmgr-api';
import { appServerContract, type AppHit } from './app-server-contract';
import http from 'node:http';

/** One request straight to a lab app server, with the Host header of a production alias. */
function hitServer(estate: Estate, server: string, opts: { cookie?: string; delayMs?: number } = {}): Promise<AppHit> {
  const found = estate.cells.flatMap((c) => c.clusters.flatMap((k) => k.servers)).find((s) => s.name === server);
  const host = `127.0.0.1:${estate.virtualHosts.production.aliases[0]?.port}`;
  const query = opts.delayMs ? `?delayMs=${opts.delayMs}` : '';
  return new Promise((resolve, reject) => {
    const headers = { host, ...(opts.cookie ? { cookie: opts.cookie } : {}) };
    http
      .get(`http://127.0.0.1:${found?.port}/user/hit${query}`, { agent: false, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<LabAppResponse>;
          const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
          resolve({ status: res.statusCode ?? 0, ...(body.version ? { version: body.version } : {}), ...(cookie ? { cookie } : {}), ...(body.newSession !== undefined ? { newSession: body.newSession } : {}) });
        });
      })
      .on('error', reject);
  });
}
import { sessionsContract } from './sessions-contract';
import { tempDir } from '../support/temp-dir';

async function lab(offset: number, file?: string): Promise<{ estate: Estate; handle: LabHandle }> {
  const dir = tempDir('drivers');
  const estate = labEstateForTest(offset, dir, file);
  return { estate, handle: await startLab(estate, { baseDir: dir }) };
}

appServerContract('lab', async () => {
  // Multi-cell: with no dormant cluster in the estate, cell X's test VIP reaches its own ClusterX.
  const { estate, handle } = await lab(21000, 'lab-multi-cell.json');
  const webX = estate.cells[0]?.httpServers[0];
  return {
    driver: createLabAppServer(estate),
    cluster: 'ClusterX',
    testVhostUrl: `http://127.0.0.1:${webX?.testPort}/user/hit`,
    hit: (server, opts) => hitServer(estate, server, opts),
    brokenOn: (servers) => `${brokenOnPrefix}${servers.join(',')}`,
    cleanup: () => handle.stop(),
  };
});

sessionsContract('lab', async () => {
  const { estate, handle } = await lab(22000);
  const x1 = estate.cells[0]?.clusters[0]?.servers[0];
  // Straight to ServerX1, with the Host a request forwarded by webX1 carries (a prod_vhost alias).
  const webX = estate.cells[0]?.httpServers[0];
  return {
    counter: createLabSessionCounter(estate),
    running: { name: 'ServerX1', appUrl: `http://127.0.0.1:${x1?.port}/user/hit`, host: `127.0.0.1:${webX?.port}` },
    stopped: 'ServerY1',
    // Sessions are read through the dmgr: killing it (its app servers keep running) cuts the counter off.
    cutAdmin: () => handle.faults.stopDmgr(),
    restoreAdmin: () => handle.faults.startDmgr(),
    cleanup: () => handle.stop(),
  };
});
