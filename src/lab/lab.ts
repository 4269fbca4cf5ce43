/**
 * The lab supervisor: starts the estate's processes on loopback (naming service, dmgr with its
 * app servers, one web tier per HTTP server, HAProxy), waits until each answers, and stops them
 * all so that no process and no port is left behind.
 *
 * `startLab` runs them as children of the calling process (tests, `turnout dev --lab`); `labUp`
 * runs the same thing in a detached supervisor process (`turnout lab up`) that records itself in
 * `<lab dir>/lab.json`, and `labDown` / `labStatus` find it there. A lab started with `startLab`
 * also takes faults (`LabHandle.faults`, see `lab-faults.ts`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { allServers, type Estate } from '../model/estate';
import { validateEstate } from '../model/validate';
import { formatProblems } from '../model/issues';
import { createHaproxySprayer } from '../drivers/sprayer/haproxy-sprayer';
import type { SprayerSnapshot } from '../drivers/sprayer/sprayer';
import type { ServerStatus } from './dmgr-api';
import { adminSocketAddress, dormantSprayerServers, ensureHaproxy, renderAffinityMap, renderHaproxyCfg } from './haproxy';
import { startBalancerChildren, startLabChildren, stopChildren, stopStrayAppServers, tail, waitUntilReady, type LabChildContext } from './lab-children';
import { labFaults, runtimeApiSocketPaths, type LabFaults } from './lab-faults';
import { balancerPaths, labPaths, labScript, labSettings, resolveFrom, type LabPaths } from './paths';
import { initialLoadBalancerXml } from '../drivers/loadbalancer-xml';
import { allHttpServers, renderCellPluginCfg } from './plugin-cfg-initial';
import { canBind, isAlive, isListening, requestJson, sleep, waitFor, waitForExit, writeFileAtomic } from './process-utils';
import { RuntimeApiRelay } from './runtime-api-relay';
import { payaraDirOf, payaraPids, startPayara, stopLeftoverPayara, type PayaraRuntime } from './payara/payara-lab';
import { payaraDomainPlan } from './payara/payara-layout';

/** The lab's starting `disable-timeout-in-minutes`: two lab minutes (`minuteSeconds` each). */
const labBalancerDisableTimeoutMinutes = 2;

/** Options of `startLab` and friends. */
export interface LabOptions {
  /** Relative paths in the estate resolve against this folder; default the working directory. */
  baseDir?: string;
  /** Progress lines (which process started, where its log is). */
  log?: (line: string) => void;
}

/** Where the lab's services answer. */
export interface LabUrls {
  /** The IP sprayer: where users connect. */
  sprayer?: string;
  /** The sprayer's test listener (`members` routing): only the validation clone answers there. */
  sprayerTest?: string;
  /** The HAProxy Runtime API (socket path or tcp://host:port). */
  runtimeApi?: string;
  /** The dmgr admin endpoint. */
  admin?: string;
  naming?: string;
  /** Per web server: the production listener and the test VIP. */
  webServers: Record<string, { prod: string; test?: string }>;
  /** Per app server (running or not). */
  appServers: Record<string, string>;
  /** Per Sun ONE load balancer (seed 004): where users reach it; its `/__lb/state` is under it. */
  loadBalancers?: Record<string, string>;
  /** The app through the sprayer (or the first load balancer, or the first web server). */
  app?: string;
}

/** A running lab started by `startLab`. */
export interface LabHandle {
  estate: Estate;
  dir: string;
  urls: LabUrls;
  /** The pid of each direct child process (a dmgr started again by `faults.startDmgr` included). */
  pids: Record<string, number>;
  /** Faults to inject while the lab runs. */
  faults: LabFaults;
  /** The Payara domain of an `asadmin` estate: its asadmin target, JVMs and start-up timings. */
  payara?: PayaraRuntime;
  /**
   * Stops every lab process, app servers the dmgr no longer holds included, and waits until every
   * lab port is free. Safe to call twice.
   */
  stop(): Promise<void>;
}

/** One port the lab listens on. */
export interface LabPort {
  /** What listens there, such as `ServerX1` or `webX1 (test)`. */
  name: string;
  host: string;
  port: number;
}

/** The lab cannot start: some of its ports are taken. */
export class LabPortConflictError extends Error {
  constructor(readonly ports: LabPort[]) {
    super(`the lab's ports are already taken: ${ports.map((p) => `${p.host}:${p.port} (${p.name})`).join(', ')}. Stop what holds them (\`turnout lab down\` if it is a lab) or use an estate with other ports.`);
    this.name = 'LabPortConflictError';
  }
}

/** A lab for this estate is already running. */
export class LabAlreadyRunningError extends Error {
  constructor(
    readonly pid: number,
    readonly dir: string,
    owner?: string,
  ) {
    super(owner ? `a lab is already running for this estate, in ${owner} (pid ${pid}, lab dir ${dir}); stop it there (Ctrl-C)` : `a lab is already running for this estate (supervisor pid ${pid}, lab dir ${dir}); stop it with \`turnout lab down\``);
    this.name = 'LabAlreadyRunningError';
  }
}

function urlEndpoint(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 80) };
}

/** Every port the lab of this estate listens on (dormant app servers included: they start later). */
export function labPorts(estate: Estate): LabPort[] {
  const ports: LabPort[] = allServers(estate).flatMap(({ server }) => [
    { name: server.name, host: server.host, port: server.port },
    ...(server.orbPort === undefined ? [] : [{ name: `${server.name} (ORB)`, host: server.host, port: server.orbPort }]),
  ]);
  for (const { httpServer } of allHttpServers(estate)) {
    ports.push({ name: httpServer.name, host: httpServer.host, port: httpServer.port });
    if (httpServer.testPort) ports.push({ name: `${httpServer.name} (test)`, host: httpServer.host, port: httpServer.testPort });
  }
  if (estate.sprayer) {
    ports.push({ name: 'sprayer', host: estate.sprayer.listen.host, port: estate.sprayer.listen.port });
    if (estate.sprayer.testListen) ports.push({ name: 'sprayer (test)', ...estate.sprayer.testListen });
    if (typeof estate.sprayer.adminSocket !== 'string') ports.push({ name: 'sprayer runtime API', ...estate.sprayer.adminSocket });
  }
  for (const b of estate.loadBalancers?.balancers ?? []) ports.push({ name: `${b.name} (load balancer)`, host: '127.0.0.1', port: b.listen.port });
  if (estate.appServer.driver === 'lab') ports.push({ name: 'dmgr', ...urlEndpoint(estate.appServer.adminUrl) });
  if (estate.appServer.driver === 'asadmin') ports.push({ name: 'DAS (admin)', ...urlEndpoint(estate.appServer.adminUrl) });
  if (estate.naming?.driver === 'lab' && estate.naming.url) ports.push({ name: 'naming', ...urlEndpoint(estate.naming.url) });
  return ports;
}

/** The lab ports that something else holds now. */
export async function takenPorts(estate: Estate): Promise<LabPort[]> {
  const checks = await Promise.all(labPorts(estate).map(async (p) => ((await canBind(p.host, p.port)) ? undefined : p)));
  return checks.filter((p): p is LabPort => p !== undefined);
}

/** The lab's URLs for an estate. */
export function labUrls(estate: Estate, baseDir?: string): LabUrls {
  const sprayer = estate.sprayer ? `http://${estate.sprayer.listen.host}:${estate.sprayer.listen.port}` : undefined;
  const testListen = estate.sprayer?.testListen;
  const sprayerTest = testListen ? `http://${testListen.host}:${testListen.port}` : undefined;
  const webServers = Object.fromEntries(
    allHttpServers(estate).map(({ httpServer: h }) => [h.name, { prod: `http://${h.host}:${h.port}`, ...(h.testPort ? { test: `http://${h.host}:${h.testPort}` } : {}) }]),
  );
  const appServers = Object.fromEntries(allServers(estate).map(({ server: s }) => [s.name, `http://${s.host}:${s.port}`]));
  const contextRoot = estate.lab?.contextRoot ?? '/user';
  const balancers = estate.loadBalancers?.balancers ?? [];
  // The lab load balancers listen on 127.0.0.1 whatever host the estate names (nothing listens beyond loopback).
  const loadBalancers = Object.fromEntries(balancers.map((b) => [b.name, `http://127.0.0.1:${b.listen.port}`]));
  const front = sprayer ?? Object.values(loadBalancers)[0] ?? Object.values(webServers)[0]?.prod;
  const runtimeApi = estate.sprayer ? adminSocketAddress(estate.sprayer.adminSocket, baseDir).replace(/^ipv4@/, 'tcp://') : undefined;
  return {
    ...(sprayer ? { sprayer } : {}),
    ...(sprayerTest ? { sprayerTest } : {}),
    ...(runtimeApi ? { runtimeApi } : {}),
    ...(estate.appServer.driver !== 'wsadmin' ? { admin: estate.appServer.adminUrl } : {}),
    ...(estate.naming?.driver === 'lab' && estate.naming.url ? { naming: estate.naming.url } : {}),
    webServers,
    appServers,
    ...(balancers.length ? { loadBalancers } : {}),
    ...(front ? { app: `${front}${contextRoot}/` } : {}),
  };
}

/** Removes the state of an earlier lab run, so every start is the estate's starting state. */
function resetState(estate: Estate, paths: LabPaths, baseDir: string): void {
  for (const path of [paths.dmgrState, paths.serverStateDir, paths.namingState, paths.haproxyCfg, paths.haproxyStatsSocket]) rmSync(path, { recursive: true, force: true });
  for (const { httpServer } of allHttpServers(estate)) if (httpServer.pluginCfg.kind === 'local') rmSync(resolveFrom(baseDir, httpServer.pluginCfg.path), { force: true });
  if (estate.sprayer) rmSync(resolveFrom(baseDir, estate.sprayer.affinityMap), { force: true });
  for (const b of estate.loadBalancers?.balancers ?? []) {
    if (b.file.kind !== 'local') continue;
    const { file, log } = balancerPaths(estate, b, baseDir);
    for (const path of [file, log]) rmSync(path, { force: true });
  }
  removeRuntimeApiSocket({ estate, paths, cwd: baseDir });
}

/** Removes the UNIX Runtime API socket file, and where a cut put it. */
function removeRuntimeApiSocket(ctx: LabChildContext): void {
  const socket = runtimeApiSocketPaths(ctx);
  if (socket) for (const path of [socket.path, socket.cut]) rmSync(path, { force: true });
}

function writeStartingFiles(estate: Estate, paths: LabPaths, baseDir: string): void {
  mkdirSync(paths.logDir, { recursive: true });
  writeFileAtomic(paths.estate, `${JSON.stringify(estate, null, 2)}\n`);
  for (const { cell, httpServer } of allHttpServers(estate)) {
    if (httpServer.pluginCfg.kind !== 'local') throw new Error(`${httpServer.name}: the lab needs a local plugin-cfg.xml`);
    writeFileAtomic(resolveFrom(baseDir, httpServer.pluginCfg.path), renderCellPluginCfg(estate, cell, httpServer.refreshIntervalSeconds));
  }
  if (estate.sprayer) {
    writeFileAtomic(resolveFrom(baseDir, estate.sprayer.affinityMap), renderAffinityMap(estate));
    if (typeof estate.sprayer.adminSocket === 'string') mkdirSync(join(resolveFrom(baseDir, estate.sprayer.adminSocket), '..'), { recursive: true });
    // A TCP Runtime API is relayed by the lab (runtime-api-relay.ts) to a UNIX stats socket.
    const relayed = typeof estate.sprayer.adminSocket === 'string' ? undefined : paths.haproxyStatsSocket;
    writeFileAtomic(paths.haproxyCfg, renderHaproxyCfg(estate, baseDir, relayed));
  }
  writeStartingBalancerFiles(estate, baseDir);
}

/**
 * Every load balancer gets the same starting loadbalancer.xml, byte for byte (seed 004, "Using
 * Multiple Load Balancers"), each written temp + rename so a poll never sees half of it.
 */
/** The lab's starting loadbalancer.xml: every active server enabled, quiescing periods of 2 lab minutes, health checked every second. */
export function labLoadBalancerXml(estate: Estate): string {
  // The lab checks health every second: a killed server leaves routing within seconds.
  return initialLoadBalancerXml(estate, { disableTimeoutMinutes: labBalancerDisableTimeoutMinutes, contextRoot: labSettings(estate).contextRoot, healthChecker: { url: '/', intervalSeconds: 1, timeoutSeconds: 1 } });
}

function writeStartingBalancerFiles(estate: Estate, baseDir: string): void {
  const balancers = estate.loadBalancers?.balancers ?? [];
  if (balancers.length === 0) return;
  const xml = labLoadBalancerXml(estate);
  for (const b of balancers) {
    const { file, log } = balancerPaths(estate, b, baseDir);
    writeFileAtomic(file, xml);
    mkdirSync(dirname(log), { recursive: true });
  }
}

async function waitForPortsFree(estate: Estate, timeoutMs: number): Promise<LabPort[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = (await Promise.all(labPorts(estate).map(async (p) => ((await isListening(p.host, p.port, 300)) ? p : undefined)))).filter((p): p is LabPort => !!p);
    if (busy.length === 0 || Date.now() > deadline) return busy;
    await sleep(100);
  }
}

async function applyStartingSprayerStates(estate: Estate, baseDir: string | undefined): Promise<void> {
  if (!estate.sprayer) return;
  const sprayer = createHaproxySprayer(estate, baseDir ? { baseDir } : {});
  await waitFor(() => sprayer.snapshot().then(() => true), 10_000, 'the HAProxy runtime API did not answer within 10 s');
  await sprayer.setServerStates(Object.fromEntries(dormantSprayerServers(estate).map((name) => [name, 'drain' as const])));
}

/**
 * Starts the lab for `estate` as children of this process and resolves once every listener
 * answers. Cells whose clusters are all dormant start in `drain` at the sprayer (no new sessions);
 * with `members` routing, dormant members are not in the production backend at all.
 * Throws `LabPortConflictError` when a lab port is taken.
 */
export async function startLab(estate: Estate, opts: LabOptions = {}): Promise<LabHandle> {
  const log = opts.log ?? (() => undefined);
  const cwd = resolveFrom(opts.baseDir, '.');
  const paths = labPaths(estate, cwd);
  const haproxyBin = estate.sprayer ? ensureHaproxy(log) : undefined;
  const taken = await takenPorts(estate);
  if (taken.length) throw new LabPortConflictError(taken);
  resetState(estate, paths, cwd);
  writeStartingFiles(estate, paths, cwd);
  const ctx: LabChildContext = { estate, paths, cwd };
  // Payara's JVMs start first (minutes, not seconds) and are stopped by the lab dir if anything fails.
  const payara = estate.appServer.driver === 'asadmin' ? await startPayara(estate, paths, log) : undefined;
  if (payara) log(`lab: Payara domain ${payara.plan.domain} up in ${payara.timings.totalMs} ms (${JSON.stringify(payara.timings)})`);
  const adminSocket = estate.sprayer?.adminSocket;
  const relay = adminSocket !== undefined && typeof adminSocket !== 'string' ? new RuntimeApiRelay(adminSocket, paths.haproxyStatsSocket) : undefined;
  const children = startLabChildren(ctx, haproxyBin);
  const logStarted = (from: number) => {
    for (const child of children.slice(from)) log(`lab: started ${child.name} (pid ${child.process.pid ?? '?'}), log ${child.log}`);
  };
  logStarted(0);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await stopChildren(children);
      // App servers outlive a dmgr that was killed; with the dmgr down they are nobody's but the lab's.
      await stopStrayAppServers(estate);
      await payara?.stop();
      await relay?.close();
      removeRuntimeApiSocket(ctx);
      const busy = await waitForPortsFree(estate, 10_000);
      if (busy.length) throw new Error(`lab: ports still in use after stopping: ${busy.map((p) => `${p.host}:${p.port} (${p.name})`).join(', ')}`);
    })());
  try {
    await relay?.listen();
    await Promise.all(children.map(waitUntilReady));
    // The load balancers come last, once the app servers answer their first health checks.
    const first = children.length;
    children.push(...startBalancerChildren(ctx));
    logStarted(first);
    await Promise.all(children.slice(first).map(waitUntilReady));
    await applyStartingSprayerStates(estate, cwd);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  const pids = { ...Object.fromEntries(children.map((c) => [c.name, c.process.pid ?? 0])), ...prefixed('payara:', payara?.pids() ?? {}) };
  const faults = labFaults({ ctx, children, pids, relay, stopped: () => stopped !== undefined });
  return { estate, dir: paths.dir, urls: labUrls(estate, cwd), pids, faults, stop, ...(payara ? { payara } : {}) };
}

function prefixed(prefix: string, pids: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [`${prefix}${name}`, pid]));
}

/** What `<lab dir>/lab.json` records about a detached lab. */
export const labInfoSchema = z.object({
  pid: z.number().int(),
  estate: z.string(),
  startedAt: z.string(),
  baseDir: z.string(),
  urls: z.custom<LabUrls>(),
  pids: z.record(z.string(), z.number()),
  /** The process that runs the lab when it is not `lab up`'s supervisor (`turnout dev`); `lab down` leaves it to that process. */
  owner: z.string().optional(),
});
export type LabInfo = z.infer<typeof labInfoSchema>;

/** Reads lab.json, or undefined when there is none (or it is unreadable). */
export function readLabInfo(estate: Estate, baseDir?: string): LabInfo | undefined {
  const file = labPaths(estate, baseDir).labInfo;
  if (!existsSync(file)) return undefined;
  try {
    return labInfoSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * Records a lab started in this process (`turnout dev --lab`) in its lab.json, as `lab up`'s
 * supervisor does, so that `turnout lab status` sees it and `lab up` refuses a second one.
 * Returns the remover, which leaves a lab.json that is no longer this process's alone.
 */
export function recordLabInProcess(lab: LabHandle, owner: string, baseDir?: string): () => void {
  const base = resolveFrom(baseDir, '.');
  const file = labPaths(lab.estate, base).labInfo;
  const info: LabInfo = { pid: process.pid, estate: lab.estate.name, startedAt: new Date().toISOString(), baseDir: base, urls: lab.urls, pids: lab.pids, owner };
  writeFileAtomic(file, `${JSON.stringify(info, null, 2)}\n`);
  return () => {
    if (readLabInfo(lab.estate, base)?.pid === process.pid) rmSync(file, { force: true });
  };
}

/** Reads and validates an estate file; throws with one `$.path: message` line per problem. */
export function loadEstate(path: string): Estate {
  const result = validateEstate(JSON.parse(readFileSync(path, 'utf8')));
  if (!result.ok) throw new Error(`${path} is not a valid estate:\n${formatProblems(result.problems)}`);
  return result.value;
}

/**
 * `turnout lab up`: starts a detached supervisor running the lab of the estate file and resolves
 * once it is ready (its lab.json written). Throws `LabAlreadyRunningError` or
 * `LabPortConflictError` without starting anything.
 */
export async function labUp(estatePath: string, opts: LabOptions = {}): Promise<LabInfo> {
  const baseDir = resolveFrom(opts.baseDir, '.');
  const estateFile = resolveFrom(baseDir, estatePath);
  const estate = loadEstate(estateFile);
  const paths = labPaths(estate, baseDir);
  const running = readLabInfo(estate, baseDir);
  if (running && isAlive(running.pid)) throw new LabAlreadyRunningError(running.pid, paths.dir, running.owner);
  const taken = await takenPorts(estate);
  if (taken.length) throw new LabPortConflictError(taken);
  if (estate.sprayer) ensureHaproxy(opts.log);
  rmSync(paths.labInfo, { force: true });
  mkdirSync(paths.dir, { recursive: true });
  const out = openSync(paths.supervisorLog, 'a');
  // A Payara domain takes minutes the first time (create-domain, instances), and 1-3 on 2 cores after.
  const readyWithinMs = estate.appServer.driver === 'asadmin' ? 15 * 60_000 : 90_000;
  const child = spawn(process.execPath, [labScript('supervisor'), '--estate', estateFile, '--base-dir', baseDir], { cwd: baseDir, detached: true, stdio: ['ignore', out, out] });
  const pid = child.pid ?? 0;
  child.unref();
  let info: LabInfo | undefined;
  await waitFor(
    () => {
      if (!isAlive(pid)) throw new Error('exited');
      info = readLabInfo(estate, baseDir);
      return info?.pid === pid;
    },
    readyWithinMs,
    'timeout',
  ).catch(async (err: unknown) => {
    if (isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitForExit(pid, 15_000);
    }
    const why = (err as Error).message === 'exited' ? 'the lab supervisor exited' : `the lab did not become ready within ${readyWithinMs / 1000} s`;
    throw new Error(`${why}; log ${paths.supervisorLog}:\n${tail(paths.supervisorLog)}`);
  });
  return info as LabInfo;
}

/** What `labDown` did. */
export interface LabDownReport {
  /** Whether a supervisor was running. */
  wasRunning: boolean;
  pid?: number;
}

/**
 * `turnout lab down`: stops the detached supervisor (which stops its children), then checks that
 * none of its processes is alive and every lab port is free; throws if not.
 */
export async function labDown(estate: Estate, opts: LabOptions = {}): Promise<LabDownReport> {
  const baseDir = resolveFrom(opts.baseDir, '.');
  const info = readLabInfo(estate, baseDir);
  const wasRunning = !!info && isAlive(info.pid);
  // Stopping another process's lab would stop that process (`turnout dev`: its server and worker too).
  if (info?.owner && wasRunning) throw new LabAlreadyRunningError(info.pid, labPaths(estate, baseDir).dir, info.owner);
  if (info && wasRunning) {
    process.kill(info.pid, 'SIGTERM');
    await waitForExit(info.pid, 30_000);
  }
  const leftovers = Object.entries(info?.pids ?? {}).filter(([, pid]) => isAlive(pid));
  for (const [, pid] of leftovers) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 2000);
  }
  // Payara's JVMs are not the supervisor's children: whatever still runs from the lab's domain dir goes.
  if (estate.appServer.driver === 'asadmin') await stopLeftoverPayara(labPaths(estate, baseDir));
  rmSync(labPaths(estate, baseDir).labInfo, { force: true });
  const busy = await waitForPortsFree(estate, 10_000);
  if (busy.length) throw new Error(`lab down: ports still in use: ${busy.map((p) => `${p.host}:${p.port} (${p.name})`).join(', ')}`);
  return { wasRunning, ...(info ? { pid: info.pid } : {}) };
}

/** What `labStatus` reports. */
export interface LabStatus {
  running: boolean;
  pid?: number;
  startedAt?: string;
  /** The process running the lab when it is not `lab up`'s supervisor (`turnout dev`). */
  owner?: string;
  dir: string;
  urls: LabUrls;
  listeners: (LabPort & { up: boolean })[];
  servers?: ServerStatus[];
  sprayer?: SprayerSnapshot;
  /** An `asadmin` estate's Payara JVMs by role (`das`, instance names), from their pid files. */
  payaraPids?: Record<string, number>;
}

/** `turnout lab status`: the supervisor, every listener, the app servers and the sprayer's routing. */
export async function labStatus(estate: Estate, opts: LabOptions = {}): Promise<LabStatus> {
  const baseDir = resolveFrom(opts.baseDir, '.');
  const info = readLabInfo(estate, baseDir);
  const running = !!info && isAlive(info.pid);
  const listeners = await Promise.all(labPorts(estate).map(async (p) => ({ ...p, up: await isListening(p.host, p.port, 500) })));
  const servers =
    estate.appServer.driver === 'lab' ? await requestJson<{ servers: ServerStatus[] }>(`${estate.appServer.adminUrl}/servers`, 'GET', undefined, 3000).then((r) => r.body.servers, () => undefined) : undefined;
  const sprayer = estate.sprayer && sprayerSocketExists(estate, baseDir) ? await createHaproxySprayer(estate, { baseDir, timeoutMs: 2000 }).snapshot().catch(() => undefined) : undefined;
  return {
    running,
    ...(info ? { pid: info.pid, startedAt: info.startedAt, ...(info.owner ? { owner: info.owner } : {}) } : {}),
    dir: labPaths(estate, baseDir).dir,
    urls: labUrls(estate, baseDir),
    listeners,
    ...(servers ? { servers } : {}),
    ...(sprayer ? { sprayer } : {}),
    ...(estate.appServer.driver === 'asadmin' ? { payaraPids: payaraPidsOf(estate, baseDir) } : {}),
  };
}

function payaraPidsOf(estate: Estate, baseDir: string): Record<string, number> {
  try {
    return payaraPids(payaraDomainPlan(estate), payaraDirOf(labPaths(estate, baseDir)));
  } catch {
    return {};
  }
}

function sprayerSocketExists(estate: Estate, baseDir: string): boolean {
  const socket = estate.sprayer?.adminSocket;
  if (socket === undefined) return false;
  if (typeof socket !== 'string') return true;
  try {
    return statSync(resolveFrom(baseDir, socket)).isSocket();
  } catch {
    return false;
  }
}
