/**
 * The asadmin driver against real Payara Server 6.2025.9: the common app-server contract, the
 * GlassFish family's own contract and the session-counter contract, on one domain started once for
 * the file (a DAS and two instances in a deployment group, `test/support/payara-minimal.ts`).
 */
import http from 'node:http';
import { createAsadminAppServer } from '../../src/drivers/app-server/asadmin-app-server';
import { createAsadminSessionCounter } from '../../src/drivers/sessions/asadmin-sessions';
import { startPayaraMinimal, type PayaraMinimal } from '../support/payara-minimal';
import { appServerContract, type AppHit } from './app-server-contract';
import { glassfishContract } from './glassfish-contract';
import { sessionsContract } from './sessions-contract';

jest.setTimeout(10 * 60_000);

let domain: Promise<PayaraMinimal> | undefined;
/** The one domain of this file, started by the first contract that asks. */
const payara = (): Promise<PayaraMinimal> => (domain ??= startPayaraMinimal());

afterAll(async () => {
  if (domain) await (await domain).stop();
});

function portOf(p: PayaraMinimal, server: string): number {
  const found = p.estate.cells.flatMap((c) => c.clusters.flatMap((k) => k.servers)).find((s) => s.name === server);
  if (!found) throw new Error(`no server ${server}`);
  return found.port;
}

function hitServer(p: PayaraMinimal, server: string, opts: { cookie?: string; delayMs?: number } = {}): Promise<AppHit> {
  const query = opts.delayMs ? `?delayMs=${opts.delayMs}` : '';
  return new Promise((resolve, reject) => {
    http
      .get(`http://127.0.0.1:${portOf(p, server)}/hit/${query}`, { agent: false, headers: opts.cookie ? { cookie: opts.cookie } : {} }, (res) => {
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
          const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
          resolve({ status: res.statusCode ?? 0, ...(version ? { version } : {}), ...(cookie ? { cookie } : {}), ...(parsed.newSession !== undefined ? { newSession: parsed.newSession } : {}) });
        });
      })
      .on('error', reject);
  });
}

glassfishContract('Payara 6.2025.9', async () => {
  const p = await payara();
  return {
    driver: createAsadminAppServer(p.estate),
    cluster: 'dg1',
    instances: ['inst1', 'inst2'],
    app: 'hit',
    contextRoot: '/hit',
    artifact: (version) => p.war(version),
    url: (instance) => `http://127.0.0.1:${portOf(p, instance)}/hit/`,
  };
});

appServerContract('Payara 6.2025.9', async () => {
  const p = await payara();
  return {
    driver: createAsadminAppServer(p.estate),
    cluster: 'dg1',
    app: 'hit',
    artifact: (version) => p.war(version),
    hit: (server, opts) => hitServer(p, server, opts),
    brokenOn: (servers) => p.war('4.0', servers),
    // Payara answers 404 where the application failed to start (no context at that root).
    failedStatus: 404,
    cleanup: async () => undefined,
  };
});

sessionsContract('Payara 6.2025.9', async () => {
  const p = await payara();
  const real = p.estate.appServer;
  const counter = createAsadminSessionCounter(p.estate);
  // Cut the admin side: the counter is built against a port nothing listens on, then rebuilt.
  let current = counter;
  return {
    counter: { liveSessions: (servers) => current.liveSessions(servers) },
    running: { name: 'inst1', appUrl: `http://127.0.0.1:${portOf(p, 'inst1')}/hit/x`, host: `127.0.0.1:${portOf(p, 'inst1')}` },
    // Never started: stopping a running one would cost a stop and a start.
    stopped: 'spare1',
    cutAdmin: async () => {
      if (real.driver !== 'asadmin') return;
      current = createAsadminSessionCounter({ ...p.estate, appServer: { ...real, adminUrl: 'http://127.0.0.1:34399' } });
    },
    restoreAdmin: async () => {
      current = counter;
    },
    cleanup: async () => undefined,
  };
});
