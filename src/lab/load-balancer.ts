/**
 * A lab Sun ONE / GlassFish load balancer (seed 004, "Managing Clusters"): one process per estate
 * load balancer, routing by its own copy of loadbalancer.xml.
 *
 * `node dist/src/lab/load-balancer.js --estate F --balancer NAME [--parent-pid N]`
 *
 * - It polls the file's timestamp (mtime, size and inode, so a rename within one mtime tick is
 *   still seen) every `reload-poll-interval-in-seconds` (the file's property, else the estate's
 *   `pollIntervalSeconds`) and reloads the whole configuration on a change. A file that cannot
 *   be read keeps the last good configuration; the log says why.
 * - Routing and quiescing are `lb-routing.ts`; a minute of `disable-timeout-in-minutes` lasts the
 *   estate's `minuteSeconds`. The end of a quiescing period writes the seed's log line.
 * - The health checker of each cluster GETs `<listener><url>` every interval; an answer from 100
 *   to 500 within the timeout is healthy, anything else takes the instance out of routing.
 * - It proxies with the Host header as the client sent it (the app servers check it against the
 *   production virtual host), and retries a request whose instance refused the connection once
 *   on another instance of the same cluster.
 *
 * `GET /__lb/state` answers {@link LoadBalancerState}; `GET /__lb/health` answers while it runs.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import * as http from 'node:http';
import { dirname } from 'node:path';
import type { LoadBalancerConfig } from '../drivers/loadbalancer-xml/config';
import { readLoadBalancerConfig } from '../drivers/loadbalancer-xml';
import { allServers, type Estate } from '../model/estate';
import { jsessionIdCookie, parseJsessionId } from './app-server';
import { applyReload, expireQuiescing, failoverTarget, httpListener, initialRouting, instanceKey, routeRequest, routingView, type InstanceRef, type InstanceView, type LbRouting, type ServerRef, type WebModuleView } from './lb-routing';
import { balancerPaths, readEstateFile } from './paths';
import { forwardHeaders, streamAnswer } from './proxy';
import { listenOn, parseArgs, readBody, requireArg, runLabMain, sendJson, stopOnSignalsAndOrphaning } from './process-utils';

/** The file a load balancer runs, as it last read it. */
export interface LoadedFile {
  path: string;
  /** `<mtimeMs>:<size>:<ino>`: what the poll compares. */
  stamp: string;
  mtime: string;
  sha256: string;
  loadedAt: string;
  /** The `name` of its `loadbalancer` element. */
  name: string;
  pollIntervalSeconds: number;
}

/** One health check's outcome. */
export interface HealthCheckResult {
  at: string;
  ok: boolean;
  /** The HTTP status, when one came back. */
  status?: number;
  error?: string;
}

/** What `GET /__lb/state` answers. */
export interface LoadBalancerState {
  balancer: string;
  pid: number;
  /** The configuration it runs. */
  config: LoadedFile;
  /** Reloads since it started (the first read is not one). */
  reloads: number;
  /** Why the file could not be read at the last change, while it runs the previous one. */
  lastError?: string;
  minuteSeconds: number;
  /** Whether every instance of a cluster with a health checker has been checked once (the lab waits for it). */
  healthChecked: boolean;
  instances: (InstanceView & { inFlight: number; lastCheck?: HealthCheckResult })[];
  webModules: WebModuleView[];
}

interface Balancer {
  name: string;
  path: string;
  logPath: string;
  defaultPollSeconds: number;
  routing: LbRouting;
  file: LoadedFile;
  reloads: number;
  lastError?: string;
  /** Stamp of the last file that failed to load: not read again until it changes. */
  badStamp?: string;
  inFlight: Map<string, number>;
  checks: Map<string, HealthCheckResult>;
  nextCheckAt: Map<string, number>;
  checking: Set<string>;
  agent: http.Agent;
}

function logLine(lb: Balancer, line: string): void {
  const text = `${new Date().toISOString()} ${line}\n`;
  process.stdout.write(`${lb.name}: ${text}`);
  try {
    appendFileSync(lb.logPath, text);
  } catch (err) {
    process.stderr.write(`${lb.name}: cannot write ${lb.logPath}: ${(err as Error).message}\n`);
  }
}

function fileStamp(path: string): { stamp: string; mtime: string } {
  const st = statSync(path);
  return { stamp: `${st.mtimeMs}:${st.size}:${st.ino}`, mtime: st.mtime.toISOString() };
}

function readFile(path: string, defaultPollSeconds: number): { config: LoadBalancerConfig; file: LoadedFile } {
  // Stamp before reading: a write that lands in between changes the stamp again, and is read next poll.
  const { stamp, mtime } = fileStamp(path);
  const text = readFileSync(path, 'utf8');
  const config = readLoadBalancerConfig(text);
  const raw = Number(config.properties['reload-poll-interval-in-seconds']);
  const pollIntervalSeconds = Number.isFinite(raw) && raw > 0 ? raw : defaultPollSeconds;
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { config, file: { path, stamp, mtime, sha256, loadedAt: new Date().toISOString(), name: config.name, pollIntervalSeconds } };
}

/** One poll: reloads the whole file if its timestamp changed since the last one read. */
function poll(lb: Balancer): void {
  let stamp: string;
  try {
    stamp = fileStamp(lb.path).stamp;
  } catch (err) {
    if (lb.badStamp !== 'missing') logLine(lb, `cannot read ${lb.path}: ${(err as Error).message}; keeping the configuration of ${lb.file.mtime}`);
    lb.badStamp = 'missing';
    lb.lastError = (err as Error).message;
    return;
  }
  if (stamp === lb.file.stamp || stamp === lb.badStamp) return;
  try {
    const { config, file } = readFile(lb.path, lb.defaultPollSeconds);
    const { state, events } = applyReload(lb.routing, config, Date.now());
    for (const e of events) logLine(lb, e.line);
    lb.routing = state;
    lb.file = file;
    lb.reloads++;
    delete lb.lastError;
    delete lb.badStamp;
    const quiescing = routingView(state, Date.now()).instances.filter((i) => i.quiescingUntil).map((i) => `${i.cluster}/${i.name} until ${i.quiescingUntil ?? ''}`);
    logLine(lb, `reloaded ${lb.path} (sha256 ${file.sha256.slice(0, 12)})${quiescing.length ? `; quiescing ${quiescing.join(', ')}` : ''}`);
  } catch (err) {
    lb.badStamp = stamp;
    lb.lastError = (err as Error).message;
    logLine(lb, `cannot load ${lb.path}: ${lb.lastError}; keeping the configuration of ${lb.file.mtime}`);
  }
}

function schedulePoll(lb: Balancer): void {
  setTimeout(() => {
    poll(lb);
    schedulePoll(lb);
  }, lb.file.pollIntervalSeconds * 1000).unref();
}

/** GETs `url` with a fresh connection; healthy on an answer from 100 to 500 within the timeout. */
function checkOnce(url: string, timeoutMs: number): Promise<HealthCheckResult> {
  const at = new Date().toISOString();
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ at, ok: status >= 100 && status <= 500, status });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ at, ok: false, error: err.code ?? err.message }));
  });
}

/** Runs each cluster's health checker when its interval is due (one round per cluster at a time). */
function runHealthCheckers(lb: Balancer): void {
  const now = Date.now();
  for (const cluster of lb.routing.config.clusters) {
    const hc = cluster.healthChecker;
    if (!hc || lb.checking.has(cluster.name) || (lb.nextCheckAt.get(cluster.name) ?? 0) > now) continue;
    lb.checking.add(cluster.name);
    lb.nextCheckAt.set(cluster.name, now + hc.intervalSeconds * 1000);
    const rounds = cluster.instances.map(async (instance) => {
      const key = instanceKey(cluster.name, instance.name);
      const listener = httpListener(instance);
      const result = await checkOnce(`${listener}${hc.url.startsWith('/') ? '' : '/'}${hc.url}`, hc.timeoutSeconds * 1000);
      lb.checks.set(key, result);
      const was = lb.routing.unhealthy.get(key);
      if (!result.ok) {
        const why = result.error ?? `HTTP ${result.status ?? '?'}`;
        if (was === undefined) logLine(lb, `Instance: ${instance.name} of the cluster: ${cluster.name} failed its health check (${why}); out of routing`);
        lb.routing.unhealthy.set(key, why);
      } else if (was !== undefined) {
        lb.routing.unhealthy.delete(key);
        logLine(lb, `Instance: ${instance.name} of the cluster: ${cluster.name} passed its health check; back in routing`);
      }
    });
    void Promise.all(rounds).finally(() => lb.checking.delete(cluster.name));
  }
}

/** Why a request never reached its instance: only then may it go to another one. */
class NotDelivered extends Error {
  constructor(readonly code: string | undefined) {
    super(`not delivered: ${code ?? 'unknown'}`);
  }
}

/** Sends the request to one instance and streams its answer back; rejects with NotDelivered only if no byte of an answer came. */
function proxyOnce(lb: Balancer, target: InstanceRef, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
  const url = new URL(target.listener);
  const key = instanceKey(target.cluster, target.name);
  lb.inFlight.set(key, (lb.inFlight.get(key) ?? 0) + 1);
  const done = () => lb.inFlight.set(key, Math.max(0, (lb.inFlight.get(key) ?? 1) - 1));
  return new Promise<void>((resolve, reject) => {
    const upstream = http.request({ host: url.hostname, port: Number(url.port || 80), method: req.method, path: req.url, headers: forwardHeaders(req, body), agent: lb.agent }, (answer) => {
      streamAnswer(answer, res, resolve);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        resolve();
        return;
      }
      // A refused connection never reached the instance; a pooled connection the instance had
      // just closed (reset before any answer) is the agent's race, not the instance's answer.
      const undelivered = err.code === 'ECONNREFUSED' || (upstream.reusedSocket && err.code === 'ECONNRESET');
      reject(undelivered ? new NotDelivered(err.code) : err);
    });
    upstream.end(body);
  }).finally(done);
}

async function forward(lb: Balancer, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await readBody(req);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const cloneId = parseJsessionId(jsessionIdCookie(req.headers.cookie))?.cloneId;
  const decision = routeRequest(lb.routing, { path, ...(cloneId ? { cloneId } : {}) }, Date.now());
  if (decision.kind === 'no-route') return sendJson(res, 404, { error: `${lb.name}: no cluster serves ${path}` });
  if (decision.kind === 'unavailable') return sendJson(res, 503, { error: `${lb.name}: no instance can take ${decision.contextRoot} now` }, { 'Retry-After': '1' });
  let target = decision.target;
  let staleRetried = false;
  let redispatched = false;
  for (;;) {
    try {
      return await proxyOnce(lb, target, req, body, res);
    } catch (err) {
      if (!(err instanceof NotDelivered)) throw err;
      // A pooled connection the instance had just closed: the same instance once more, on a fresh one.
      if (err.code !== 'ECONNREFUSED' && !staleRetried) {
        staleRetried = true;
        continue;
      }
      // Redispatch once, like HAProxy's `option redispatch`: same cluster, so a session never crosses clusters.
      const next = redispatched ? undefined : failoverTarget(lb.routing, target.cluster, target.name);
      if (!next) return sendJson(res, 503, { error: `${lb.name}: ${target.name} refused the connection and no other instance of ${target.cluster} could take the request` }, { 'Retry-After': '1' });
      redispatched = true;
      target = next;
    }
  }
}

/** The state `GET /__lb/state` answers. */
function balancerState(lb: Balancer): LoadBalancerState {
  const now = Date.now();
  const view = routingView(lb.routing, now);
  const instances = view.instances.map((i) => {
    const key = instanceKey(i.cluster, i.name);
    const check = lb.checks.get(key);
    return { ...i, inFlight: lb.inFlight.get(key) ?? 0, ...(check ? { lastCheck: check } : {}) };
  });
  return {
    balancer: lb.name,
    pid: process.pid,
    config: lb.file,
    reloads: lb.reloads,
    ...(lb.lastError ? { lastError: lb.lastError } : {}),
    minuteSeconds: lb.routing.minuteSeconds,
    healthChecked: lb.routing.config.clusters.every((c) => !c.healthChecker || c.instances.every((i) => lb.checks.has(instanceKey(c.name, i.name)))),
    instances,
    webModules: view.webModules,
  };
}

function handler(lb: Balancer): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/__lb/health') return sendJson(res, 200, { ok: true, balancer: lb.name, pid: process.pid });
    if (path === '/__lb/state') return sendJson(res, 200, balancerState(lb));
    forward(lb, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 502, { error: `${lb.name}: ${err instanceof Error ? err.message : String(err)}` });
      else res.destroy();
    });
  };
}

/** Clone ID → estate server, for assigned requests. */
function cloneIdMap(estate: Estate): Map<string, ServerRef> {
  return new Map(allServers(estate).map(({ server }) => [server.cloneId, { name: server.name, listener: `http://${server.host}:${server.port}` }]));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const estate = readEstateFile(requireArg(args, 'estate'));
  const name = requireArg(args, 'balancer');
  const settings = estate.loadBalancers;
  const balancer = settings?.balancers.find((b) => b.name === name);
  if (!settings || !balancer) throw new Error(`no load balancer named ${name} in estate ${estate.name}`);
  const { file: path, log: logPath } = balancerPaths(estate, balancer);
  mkdirSync(dirname(logPath), { recursive: true });
  const { config, file } = readFile(path, settings.pollIntervalSeconds);
  const lb: Balancer = {
    name,
    path,
    logPath,
    defaultPollSeconds: settings.pollIntervalSeconds,
    routing: initialRouting(config, settings.minuteSeconds, cloneIdMap(estate)),
    file,
    reloads: 0,
    inFlight: new Map(),
    checks: new Map(),
    nextCheckAt: new Map(),
    checking: new Set(),
    agent: new http.Agent({ keepAlive: true, timeout: 30_000 }),
  };
  logLine(lb, `started on ${balancer.listen.host}:${balancer.listen.port} with ${path} (sha256 ${file.sha256.slice(0, 12)})`);
  schedulePoll(lb);
  // Quiescing ends and health checks fall due between polls: a short tick serves both.
  setInterval(() => {
    for (const e of expireQuiescing(lb.routing, Date.now())) logLine(lb, e.line);
    runHealthCheckers(lb);
  }, 100).unref();
  runHealthCheckers(lb);
  const server = http.createServer(handler(lb));
  // Longer than the idle connections clients (HAProxy, the load generator) keep open to it.
  server.keepAliveTimeout = 65_000;
  await listenOn(server, '127.0.0.1', balancer.listen.port);
  stopOnSignalsAndOrphaning([server], args['parent-pid']);
}

if (require.main === module) runLabMain('load-balancer', main);
