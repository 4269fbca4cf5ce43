/**
 * One HTTP listener on loopback in front of every simulated estate, for what must arrive over HTTP:
 * the real smoke test's requests through a test VIP, and the contract suites' requests to one
 * server. The path says where a request goes, since every simulated HTTP server shares this port:
 * - `/sim/<estate>/test/...`: the estate's test VIP, any running server serving the test virtual host;
 * - `/sim/<estate>/server/<server>/<virtual host>/...`: that server, on that virtual host; a path
 *   ending in `/logout` ends the session of its cookie.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimHit } from './sim-estate';
import type { SimWorld } from './index';

/** A running front. */
export interface SimHttpFront {
  /** Its first port. */
  port: number;
  /** Every port it listens on, all answering alike. */
  ports: number[];
  close(): Promise<void>;
}

/** The path the smoke test requests through the test VIP of the simulated estate `estate`. */
export function simSmokeTestPath(estate: string): string {
  return `/sim/${encodeURIComponent(estate)}/test/user/hit`;
}

/** The URL of `server` of the simulated estate `estate` on `virtualHost`, at the front on `port`. */
export function simServerUrl(port: number, estate: string, server: string, virtualHost: string, rest = 'user/hit'): string {
  return `http://127.0.0.1:${port}/sim/${[estate, 'server', server, virtualHost].map(encodeURIComponent).join('/')}/${rest}`;
}

let roundRobin = 0;

async function answer(world: SimWorld, url: string, cookie: string | undefined): Promise<SimHit> {
  const parts = (url.split('?')[0] ?? '').split('/').slice(1).map(decodeURIComponent);
  const [root, estate, kind, server, vhost] = parts;
  if (root !== 'sim' || !estate) return { status: 404 };
  const sim = world.get(estate);
  if (kind === 'server' && server && vhost) return sim.hit(server, vhost, { ...(cookie ? { cookie } : {}), logout: parts[parts.length - 1] === 'logout' });
  if (kind !== 'test') return { status: 404 };
  const test = sim.estate.virtualHosts.test.name;
  const serving = [...sim.servers.values()].filter((s) => s.running && s.runningVirtualHost === test && !s.appProblem);
  const pick = serving[roundRobin++ % Math.max(1, serving.length)];
  if (pick) return sim.hit(pick.name, test, cookie ? { cookie } : {});
  // Nothing serves the test virtual host: say what the servers do, for whoever reads the answer.
  const states = [...sim.servers.values()].map((s) => `${s.name}:${s.running ? (s.runningVirtualHost ?? '-') : 'stopped'}:${s.version}${s.appProblem ? ':broken' : ''}`);
  return { status: 404, body: `no server of ${estate} serves ${test}: ${states.join(' ')}` };
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts the front on 127.0.0.1, on `count` free ports (one per HTTP server of the largest estate);
 * `log` hears the first unserved request of each path (its answer says why).
 */
export async function startSimHttpFront(world: SimWorld, count = 1, log?: (line: string) => void): Promise<SimHttpFront> {
  const told = new Set<string>();
  const handler: http.RequestListener = (req, res) => {
    answer(world, req.url ?? '/', req.headers.cookie).then(
      (hit) => {
        if (hit.body && log && !told.has(req.url ?? '')) log(`sim front: ${req.url} answered ${hit.status}: ${hit.body.slice(0, 2000)}`);
        if (hit.body) told.add(req.url ?? '');
        const headers: http.OutgoingHttpHeaders = { connection: 'close', ...(hit.version ? { 'x-turnout-version': hit.version } : {}), ...(hit.cookie ? { 'set-cookie': [`${hit.cookie}; Path=/`] } : {}) };
        res.writeHead(hit.status, headers).end(hit.body);
      },
      (err: Error) => res.writeHead(404, { connection: 'close' }).end(err.message),
    );
  };
  const servers = Array.from({ length: count }, () => http.createServer(handler));
  const close = () => Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done())))).then(() => undefined);
  try {
    const ports = await Promise.all(servers.map(listen));
    return { port: ports[0] as number, ports, close };
  } catch (err) {
    await close();
    throw err;
  }
}
