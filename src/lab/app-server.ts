/**
 * A lab application server: one process per cluster member, started by the dmgr.
 *
 * `node dist/src/lab/app-server.js --estate F --server NAME --state F [--lab-pid N]`
 *
 * It exits when the lab process `--lab-pid` is gone, not when the dmgr that started it dies: as
 * WebSphere's node agents keep servers up while the deployment manager is down, a lab app server
 * keeps serving through a dmgr outage, and a restarted dmgr adopts it (see `dmgr.ts`).
 *
 * It serves the lab app under the context root, keeps HTTP sessions with an idle timeout, issues
 * `JSESSIONID=<id>:<cloneId>`, and answers only requests whose Host port is an alias of the
 * virtual host the app was mapped to when the server started (seed 002: a virtual host change
 * "requires a restart of the application servers").
 *
 * A server with an `orbPort` also listens there, standing in for its ORB: keep-alive HTTP/1.1 with
 * `GET /ejb/<JNDI name>` answering the EJB home bound in its own cluster
 * (`cell/clusters/<cluster>/ejb/...`) and 404 for any other. It counts the client connections open
 * on that port (what an administrator watches with netstat, seed 002 Java-client step C.4) and
 * reports them at `GET /__lab/connections` on its web port.
 *
 * Seed 003's resets: `POST /__lab/restart-app` restarts the application inside the running
 * process (soft reset: same pid, the old instance's sessions gone, the app unavailable for a
 * moment), after the requests in flight finish; a hard reset is the dmgr restarting the process.
 * A version whose artifact is `lab:broken-on=<this server>` fails to start here: the process runs
 * and answers its `/__lab/` endpoints, the application answers 503. `GET /__lab/in-flight` counts
 * the application requests being served now; `?delayMs=N` on an application request makes it take
 * N ms (at most 30 s), so tests can see requests in flight. `GET /__lab/sessions?unlike=N&waitMs=T`
 * answers once the live count is not N, or after T ms (`session-watch.ts`): how a drain hears of the
 * last session ending at once.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { allServers, type Estate, type VirtualHost } from '../model/estate';
import {
  brokenArtifact,
  failsToStartOn,
  serverConfigSchema,
  type AppRestart,
  type AppServerHealth,
  type AppState,
  type EjbAnswer,
  type LabAppResponse,
  type LabInFlight,
  type LiveSessions,
  type OrbConnections,
  type ServerConfig,
} from './dmgr-api';
import { labSettings, readEstateFile } from './paths';
import { SessionWaits, sessionWaitOf } from './session-watch';
import { exitWhenProcessDies, listenOn, parseArgs, requireArg, runLabMain, sendJson, sleep, stopOnSignals, waitFor } from './process-utils';

/** How long a soft reset keeps the application unavailable while it restarts (an application start, shortened for the lab). */
const appRestartMs = 200;
/** The longest a soft reset waits for requests in flight to finish before it stops the application anyway. */
const appQuiesceMs = 30_000;
/** The longest `?delayMs=` a request may ask for. */
const maxDelayMs = 30_000;

/** Characters of a generated session ID, as in WebSphere's (letters, digits, `_`, `-`). */
const sessionAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** A new session ID: `0000` (the cache ID) then 23 random characters. */
export function newSessionId(): string {
  const bytes = randomBytes(23);
  let id = '0000';
  for (const b of bytes) id += sessionAlphabet[b % sessionAlphabet.length];
  return id;
}

/** Splits a JSESSIONID value into session ID and clone ID (`id:clone`). */
export function parseJsessionId(value: string | undefined): { sessionId: string; cloneId?: string } | undefined {
  if (!value) return undefined;
  const colon = value.indexOf(':');
  if (colon < 0) return { sessionId: value };
  return { sessionId: value.slice(0, colon), cloneId: value.slice(colon + 1) };
}

/** The JSESSIONID cookie of a Cookie header, if any. */
export function jsessionIdCookie(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'JSESSIONID') return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The host and port a request was addressed to, from its Host header. */
export function requestHostPort(hostHeader: string | undefined, defaultPort: number): { host: string; port: number } {
  const value = (hostHeader ?? '').trim();
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(value);
  const host = match?.[1] ?? value;
  const port = match?.[2] ? Number(match[2]) : defaultPort;
  return { host, port };
}

/** Whether host:port is an alias of the virtual host (`*` matches any host). */
export function matchesVirtualHost(vhost: VirtualHost, host: string, port: number): boolean {
  return vhost.aliases.some((a) => a.port === port && (a.host === '*' || a.host.toLowerCase() === host.toLowerCase()));
}

interface Session {
  id: string;
  hits: number;
  lastAccess: number;
}

interface AppServerContext {
  estate: Estate;
  serverName: string;
  statePath: string;
  config: ServerConfig;
  /** The virtual host read at start; only a new deployment's reload changes it, not a remapping. */
  vhost: string;
  sessions: Map<string, Session>;
  /** Client connections open on the ORB port now. */
  orbConnections: number;
  /** The application inside the process, and why it is not started when it failed. */
  app: AppState;
  appProblem?: string;
  /** Application requests being served now (the ORB's are not counted). */
  inFlight: number;
  /** Drains waiting for the live count to change. */
  sessionWaits: SessionWaits;
}

/** The state the application comes up in with this configuration on this server. */
function startApplication(ctx: AppServerContext): void {
  const { config, serverName } = ctx;
  delete ctx.appProblem;
  if (config.uninstalled) ctx.app = 'absent';
  else if (failsToStartOn(config.artifact, serverName)) {
    ctx.app = 'failed';
    ctx.appProblem = `version ${config.version} (${config.artifact ?? ''}) failed to start on ${serverName}`;
  } else ctx.app = 'started';
}

function readConfig(path: string): ServerConfig {
  return serverConfigSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

function findServer(estate: Estate, name: string) {
  const found = allServers(estate).find((s) => s.server.name === name);
  if (!found) throw new Error(`server ${name} is not in estate ${estate.name}`);
  return found;
}

function mappedVirtualHost(estate: Estate, name: string): VirtualHost | undefined {
  return [estate.virtualHosts.production, estate.virtualHosts.test].find((v) => v.name === name);
}

function liveSession(ctx: AppServerContext, id: string | undefined, now: number): Session | undefined {
  if (!id) return undefined;
  const session = ctx.sessions.get(id);
  if (!session) return undefined;
  if (now - session.lastAccess > labSettings(ctx.estate).sessionIdleSeconds * 1000) {
    ctx.sessions.delete(id);
    return undefined;
  }
  return session;
}

function expireIdle(ctx: AppServerContext): void {
  const now = Date.now();
  for (const id of [...ctx.sessions.keys()]) liveSession(ctx, id, now);
}

/** The live count after the idle sessions are dropped. */
function liveCount(ctx: AppServerContext): number {
  expireIdle(ctx);
  return ctx.sessions.size;
}

/** When the next live session idles out, if one is live. */
function nextExpiry(ctx: AppServerContext): number | undefined {
  let oldest: number | undefined;
  for (const s of ctx.sessions.values()) oldest = oldest === undefined ? s.lastAccess : Math.min(oldest, s.lastAccess);
  return oldest === undefined ? undefined : oldest + labSettings(ctx.estate).sessionIdleSeconds * 1000;
}

function appBody(ctx: AppServerContext, session: Session | undefined, newSession: boolean): LabAppResponse {
  const { cell, cluster, server } = findServer(ctx.estate, ctx.serverName);
  return {
    app: labSettings(ctx.estate).app,
    version: ctx.config.version,
    server: server.name,
    cloneId: server.cloneId,
    cell: cell.name,
    cluster: cluster.name,
    sessionId: session?.id ?? '',
    newSession,
    hits: session?.hits ?? 0,
  };
}

/** Answers for an application that is not started (a soft reset under way, a failed start, none installed); false when it is started. */
function refuseUnstarted(ctx: AppServerContext, res: http.ServerResponse): boolean {
  if (ctx.app === 'started') return false;
  const headers = { 'X-Turnout-Server': ctx.serverName };
  if (ctx.app === 'absent') sendJson(res, 404, { error: `no application is installed on ${ctx.serverName}` }, headers);
  else if (ctx.app === 'starting') sendJson(res, 503, { error: `the application on ${ctx.serverName} is restarting` }, { ...headers, 'Retry-After': '1' });
  else sendJson(res, 503, { error: `application failed to start: ${ctx.appProblem ?? ''}` }, headers);
  return true;
}

/** The `delayMs` a request asks for, capped; 0 when it asks for none or for nonsense. */
export function requestDelayMs(url: string | undefined): number {
  const raw = new URL(url ?? '/', 'http://lab').searchParams.get('delayMs');
  const ms = raw === null ? 0 : Number(raw);
  return Number.isFinite(ms) && ms > 0 ? Math.min(Math.floor(ms), maxDelayMs) : 0;
}

/**
 * A soft reset: new requests get 503 at once, requests in flight finish on the old instance, then
 * the old instance's sessions are gone and the configured version starts in the same process.
 */
async function restartApplication(ctx: AppServerContext): Promise<AppRestart> {
  ctx.app = 'starting';
  delete ctx.appProblem;
  await waitFor(() => ctx.inFlight === 0, appQuiesceMs, 'quiesce').catch(() => undefined);
  ctx.sessions.clear();
  ctx.sessionWaits.changed();
  ctx.config = readConfig(ctx.statePath);
  await sleep(appRestartMs);
  startApplication(ctx);
  return { server: ctx.serverName, pid: process.pid, version: ctx.config.version, app: ctx.app, ...(ctx.appProblem ? { appProblem: ctx.appProblem } : {}) };
}

function serveApp(ctx: AppServerContext, req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
  const settings = labSettings(ctx.estate);
  const { server } = findServer(ctx.estate, ctx.serverName);
  const now = Date.now();
  const cookie = parseJsessionId(jsessionIdCookie(req.headers.cookie));
  const headers = { 'X-Turnout-Version': ctx.config.version, 'X-Turnout-Server': server.name };
  if (path === `${settings.contextRoot}/logout`) {
    const session = liveSession(ctx, cookie?.sessionId, now);
    if (session) ctx.sessions.delete(session.id);
    ctx.sessionWaits.changed();
    sendJson(res, 200, { ...appBody(ctx, session, false), loggedOut: true }, { ...headers, 'Set-Cookie': 'JSESSIONID=; Path=/; Max-Age=0' });
    return;
  }
  let session = liveSession(ctx, cookie?.sessionId, now);
  const isNew = !session;
  if (!session) {
    session = { id: newSessionId(), hits: 0, lastAccess: now };
    ctx.sessions.set(session.id, session);
    ctx.sessionWaits.changed();
  }
  session.hits++;
  session.lastAccess = now;
  const cookieHeaders = isNew ? { 'Set-Cookie': `JSESSIONID=${session.id}:${server.cloneId}; Path=/` } : {};
  const broken = ctx.config.artifact === brokenArtifact;
  const body = broken ? { ...appBody(ctx, session, isNew), error: `version ${ctx.config.version} (${brokenArtifact}) is broken` } : appBody(ctx, session, isNew);
  sendJson(res, broken ? 500 : 200, body, { ...headers, ...cookieHeaders });
}

function serveLab(ctx: AppServerContext, req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
  if (path === '/__lab/sessions') {
    const wait = sessionWaitOf(req.url);
    const answer = (liveCount: number): void => sendJson(res, 200, { server: ctx.serverName, liveCount } satisfies LiveSessions);
    if (!wait) return answer(liveCount(ctx));
    void ctx.sessionWaits.until(wait.unlike, wait.waitMs).then(answer);
  } else if (path === '/__lab/connections') {
    const body: OrbConnections = { server: ctx.serverName, orbPort: findServer(ctx.estate, ctx.serverName).server.orbPort ?? null, connections: ctx.orbConnections };
    sendJson(res, 200, body);
  } else if (path === '/__lab/health') {
    const body: AppServerHealth = { ok: true, server: ctx.serverName, pid: process.pid, version: ctx.config.version, vhost: ctx.vhost, app: ctx.app, ...(ctx.appProblem ? { appProblem: ctx.appProblem } : {}) };
    sendJson(res, 200, body);
  } else if (path === '/__lab/in-flight') {
    const body: LabInFlight = { server: ctx.serverName, inFlight: ctx.inFlight };
    sendJson(res, 200, body);
  } else if (path === '/__lab/restart-app' && req.method === 'POST') {
    restartApplication(ctx).then(
      (body) => sendJson(res, 200, body),
      (err: unknown) => sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) }),
    );
  } else if (path === '/__lab/reload' && req.method === 'POST') {
    // An install on a running member: the new version is served at once. A new deployment (`deploy=1`)
    // comes with its own virtual host; a remapped one waits for a restart, as in WebSphere.
    ctx.config = readConfig(ctx.statePath);
    if ((req.url ?? '').includes('deploy=1')) ctx.vhost = ctx.config.vhost;
    startApplication(ctx);
    sendJson(res, 200, { ok: true, server: ctx.serverName, version: ctx.config.version });
  } else {
    sendJson(res, 404, { error: `no such lab endpoint ${path}` });
  }
}

function handle(ctx: AppServerContext, req: http.IncomingMessage, res: http.ServerResponse, port: number): void {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path.startsWith('/__lab/')) return serveLab(ctx, req, res, path);
  const { contextRoot } = labSettings(ctx.estate);
  const vhost = mappedVirtualHost(ctx.estate, ctx.vhost);
  const target = requestHostPort(req.headers.host, port);
  const underRoot = path === contextRoot || path.startsWith(`${contextRoot}/`);
  if (!underRoot || !vhost || !matchesVirtualHost(vhost, target.host, target.port)) {
    sendJson(res, 404, { error: `no application at ${target.host}:${target.port}${path} on ${ctx.serverName} (mapped to ${ctx.vhost})` });
    return;
  }
  // Whether the application takes a request is decided when it arrives: one it took finishes on
  // its instance even if a soft reset begins meanwhile (the reset waits for it).
  if (refuseUnstarted(ctx, res)) return;
  ctx.inFlight++;
  res.once('close', () => ctx.inFlight--);
  const delay = requestDelayMs(req.url);
  if (delay === 0) serveApp(ctx, req, res, path);
  else setTimeout(() => serveApp(ctx, req, res, path), delay);
}

/** The cluster an EJB binding's JNDI name is bound in (`cell/clusters/<cluster>/ejb/...`), if it names one. */
export function ejbBindingCluster(jndiName: string): string | undefined {
  return /^cell\/clusters\/([^/]+)\/ejb\/./.exec(jndiName)?.[1];
}

function serveOrb(ctx: AppServerContext, req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (req.method !== 'GET' || !path.startsWith('/ejb/')) {
    sendJson(res, 404, { error: `no such ORB endpoint: ${req.method ?? ''} ${path}` });
    return;
  }
  let jndiName: string;
  try {
    jndiName = decodeURIComponent(path.slice('/ejb/'.length));
  } catch {
    sendJson(res, 400, { error: `not a URL-encoded JNDI name: ${path}` });
    return;
  }
  const { cluster, server } = findServer(ctx.estate, ctx.serverName);
  if (ejbBindingCluster(jndiName) !== cluster.name) {
    sendJson(res, 404, { error: `${jndiName} is not bound on ${server.name}: it serves cell/clusters/${cluster.name}/ejb/...` });
    return;
  }
  if (refuseUnstarted(ctx, res)) return;
  if (ctx.config.artifact === brokenArtifact) {
    sendJson(res, 500, { error: `version ${ctx.config.version} (${brokenArtifact}) is broken` });
    return;
  }
  const body: EjbAnswer = { version: ctx.config.version, server: server.name, cluster: cluster.name };
  sendJson(res, 200, body);
}

/** The ORB stand-in: keep-alive, counting the connections open on it. */
function orbListener(ctx: AppServerContext): http.Server {
  const orb = http.createServer((req, res) => serveOrb(ctx, req, res));
  // Java clients hold their ORB connection for as long as they run.
  orb.keepAliveTimeout = 10 * 60_000;
  orb.on('connection', (socket) => {
    ctx.orbConnections++;
    socket.once('close', () => ctx.orbConnections--);
  });
  return orb;
}

/** Starts the app server of `serverName` (and its ORB listener, if it has an orbPort); resolves once they listen. */
export async function runAppServer(estate: Estate, serverName: string, statePath: string): Promise<http.Server[]> {
  const { server } = findServer(estate, serverName);
  const config = readConfig(statePath);
  const ctx: AppServerContext = { estate, serverName, statePath, config, vhost: config.vhost, sessions: new Map(), orbConnections: 0, app: 'starting', inFlight: 0, sessionWaits: new SessionWaits({ liveCount: () => liveCount(ctx), nextExpiry: () => nextExpiry(ctx) }) };
  startApplication(ctx);
  const httpServer = http.createServer((req, res) => handle(ctx, req, res, server.port));
  // Longer than the web tier's pooled-connection idle time, so the server never closes a socket the pool is about to reuse.
  httpServer.keepAliveTimeout = 65_000;
  setInterval(() => expireIdle(ctx), 1000).unref();
  // The ORB first: the dmgr counts the server as started once its web port answers.
  const orb = server.orbPort === undefined ? [] : [await listenOn(orbListener(ctx), server.host, server.orbPort)];
  return [...orb, await listenOn(httpServer, server.host, server.port)];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const estate = readEstateFile(requireArg(args, 'estate'));
  const servers = await runAppServer(estate, requireArg(args, 'server'), requireArg(args, 'state'));
  stopOnSignals(servers);
  const labPid = args['lab-pid'];
  if (labPid) exitWhenProcessDies(Number(labPid));
}

if (require.main === module) runLabMain('app-server', main);
