/**
 * The lab dmgr's HTTP layer: routes the admin API (the table in `dmgr-api.ts`) to the `Dmgr`
 * commands, parses their bodies, and maps `ApiError`s to HTTP statuses. Kept apart from `dmgr.ts`
 * so the process management there stays readable.
 */
import * as http from 'node:http';
import { installRequestSchema, resetRequestSchema, vhostRequestSchema } from './dmgr-api';
import type { Dmgr } from './dmgr';
import { sessionChangeQuery } from './dmgr-session-wait';
import { DmgrFaultSwitch, dmgrFaultPath, fromLoopback } from './dmgr-fault';
import { listenOn, readBody, sendJson } from './process-utils';

/** An error that maps to an HTTP status of the admin API. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function route(dmgr: Dmgr, method: string, url: URL, body: unknown): Promise<unknown> {
  const path = url.pathname;
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [kind, name, action] = parts;
  if (method === 'GET' && path === '/health') {
    if (!dmgr.ready) throw new ApiError(503, 'starting');
    return { ok: true, pid: process.pid };
  }
  if (method === 'GET' && path === '/plugin-cfg') return dmgr.generatePluginCfg(url.searchParams.get('cell'));
  if (method === 'GET' && path === '/sessions/change') {
    if (!dmgr.ready) throw new ApiError(503, 'starting');
    const q = sessionChangeQuery(url.searchParams);
    return dmgr.sessionChange(q.servers, q.waitMs);
  }
  if (method === 'GET' && (path === '/sessions' || path === '/in-flight')) {
    // Before adoption ends, a server not yet adopted would read as stopped: 0 sessions or requests it may well hold.
    if (!dmgr.ready) throw new ApiError(503, 'starting');
    const servers = url.searchParams.getAll('server');
    return path === '/sessions' ? dmgr.liveCounts(servers) : dmgr.inFlight(servers);
  }
  if (method === 'POST' && path === '/servers/reset') {
    const parsed = resetRequestSchema.safeParse(body);
    if (!parsed.success) throw new ApiError(400, `reset needs {servers, version, artifact?, reset: 'soft' | 'hard'}: ${parsed.error.message}`);
    return dmgr.reset(parsed.data);
  }
  if (kind === 'servers' && method === 'GET' && !name) return { servers: await Promise.all(dmgr.allNames().map((n) => dmgr.status(n))) };
  if (kind === 'servers' && name && method === 'GET' && !action) return dmgr.status(name);
  if (kind === 'servers' && name && method === 'POST' && action === 'start') return dmgr.start(name);
  if (kind === 'servers' && name && method === 'POST' && action === 'stop') return dmgr.stop(name);
  if (kind === 'clusters' && method === 'GET' && !name) return { clusters: await Promise.all(dmgr.clusterNames().map((c) => dmgr.clusterStatus(c))) };
  if (kind === 'clusters' && name && method === 'GET' && !action) return dmgr.clusterStatus(name);
  if (kind === 'clusters' && name && method === 'POST') return clusterCommand(dmgr, name, action, body);
  throw new ApiError(404, `no such endpoint: ${method} ${path}`);
}

async function clusterCommand(dmgr: Dmgr, cluster: string, action: string | undefined, body: unknown): Promise<unknown> {
  if (action === 'start' || action === 'stop') {
    const members = dmgr.clusterMembers(cluster);
    await Promise.all(members.map((m) => (action === 'start' ? dmgr.start(m) : dmgr.stop(m))));
    return dmgr.clusterStatus(cluster);
  }
  if (action === 'install') {
    const parsed = installRequestSchema.safeParse(body);
    if (!parsed.success) throw new ApiError(400, `install needs {version, artifact?, vhost?}: ${parsed.error.message}`);
    return dmgr.install(cluster, parsed.data.version, parsed.data.artifact, parsed.data.vhost);
  }
  if (action === 'uninstall') return dmgr.uninstall(cluster);
  if (action === 'vhost') {
    const parsed = vhostRequestSchema.safeParse(body);
    if (!parsed.success) throw new ApiError(400, `vhost needs {vhost}: ${parsed.error.message}`);
    return dmgr.setVhost(cluster, parsed.data.vhost);
  }
  throw new ApiError(404, `no such cluster command: ${action ?? ''}`);
}

function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError(400, 'the request body is not JSON');
  }
}

/** The fault switch's own endpoint: loopback callers only, and it never fails itself. */
function faultCommand(faults: DmgrFaultSwitch, req: http.IncomingMessage, body: unknown): unknown {
  if (!fromLoopback(req)) throw new ApiError(403, 'fault injection is for 127.0.0.1 only');
  if (req.method === 'GET') return faults.state();
  if (req.method === 'DELETE') return faults.clear();
  if (req.method !== 'PUT') throw new ApiError(405, `${dmgrFaultPath} takes GET, PUT or DELETE`);
  try {
    return faults.set(body);
  } catch (err) {
    throw new ApiError(400, err instanceof Error ? err.message : String(err));
  }
}

/** Serves the dmgr's admin API on host:port, with its fault switch (`dmgr-fault.ts`). */
export function serveDmgr(dmgr: Dmgr, host: string, port: number): Promise<http.Server> {
  const faults = new DmgrFaultSwitch();
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://dmgr');
    readBody(req)
      .then((raw) => {
        const body = parseBody(raw);
        if (url.pathname === dmgrFaultPath) return faultCommand(faults, req, body);
        // Health stays true to the process: a dmgr that throws on commands still runs.
        const injected = url.pathname === '/health' ? undefined : faults.take(method);
        if (injected) throw new ApiError(injected.status, injected.message);
        return route(dmgr, method, url, body);
      })
      .then(
        (answer) => sendJson(res, 200, answer),
        (err: unknown) => sendJson(res, err instanceof ApiError ? err.status : 500, { error: err instanceof Error ? err.message : String(err) }),
      );
  });
  return listenOn(server, host, port);
}
