/**
 * The lab's deployment manager and node agents in one process: it owns the app-server processes
 * and answers the admin API described in `dmgr-api.ts` at estate.appServer.adminUrl.
 *
 * `node dist/src/lab/dmgr.js --estate F [--parent-pid N]` (run with the lab's working directory)
 *
 * Its state (what is installed where, what should run) is persisted under the lab dir. On its
 * first start it brings up the estate: dormant clusters stopped and mapped to the test virtual
 * host, active clusters running on the production one.
 *
 * App servers do not depend on it: they guard on the lab's pid (the dmgr's own `--parent-pid`),
 * so they keep serving while the dmgr is down, as WebSphere's servers do under their node agents.
 * A dmgr that starts again on the same state ADOPTS the servers that answer at their ports
 * (`/__lab/health` names the server and its pid), changes nothing else, and from then on reads,
 * stops, reloads and kills them by pid as it does the servers it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { allServers, type Estate } from '../model/estate';
import {
  dmgrStateSchema,
  installRequestSchema,
  vhostRequestSchema,
  type AppServerHealth,
  type ClusterStatus,
  type DmgrState,
  type GeneratedPluginCfg,
  type LiveCount,
  type LiveCountReport,
  type LiveSessions,
  type OrbConnections,
  type ServerStatus,
} from './dmgr-api';
import { labPaths, labScript, labSettings, readEstateFile, serverStatePath, type LabPaths } from './paths';
import { cellRefreshIntervalSeconds, renderCellPluginCfg } from './plugin-cfg-initial';
import {
  isAlive,
  isSameProcess,
  listenOn,
  parseArgs,
  processStartTime,
  readBody,
  requestJson,
  requireArg,
  runLabMain,
  sendJson,
  stopOnSignalsAndOrphaning,
  waitFor,
  waitForExit,
  writeFileAtomic,
} from './process-utils';

/** An error that maps to an HTTP status of the admin API. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The starting state of an estate: active clusters running on prod_vhost, dormant ones stopped on test_vhost. */
export function initialDmgrState(estate: Estate): DmgrState {
  const version = labSettings(estate).initialVersion;
  const servers: DmgrState['servers'] = {};
  for (const { cluster, server } of allServers(estate)) {
    const active = cluster.state === 'active';
    servers[server.name] = { version, vhost: active ? estate.virtualHosts.production.name : estate.virtualHosts.test.name, running: active };
  }
  return { servers };
}

/** An app server this dmgr manages: one it started (its child process) or one it adopted (by pid). */
interface ManagedServer {
  pid: number;
  /** Pins `pid` to one process, so a reused pid is not taken for the server. */
  startTime: string | undefined;
  /** The process handle, for servers this dmgr started; an adopted server belongs to an earlier dmgr. */
  child?: ChildProcess;
}

class Dmgr {
  private readonly managed = new Map<string, ManagedServer>();
  private readonly locks = new Map<string, Promise<unknown>>();
  ready = false;

  constructor(
    readonly estate: Estate,
    readonly paths: LabPaths,
    readonly state: DmgrState,
    /** The lab process the app servers guard on (this dmgr's own parent), if any. */
    private readonly labPid: string | undefined,
  ) {}

  /** Runs `task` after any earlier command on the same server, so concurrent commands stay idempotent. */
  private serialized<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.locks.set(name, next);
    return next;
  }

  member(name: string) {
    const found = allServers(this.estate).find((s) => s.server.name === name);
    if (!found) throw new ApiError(404, `no server named ${name}`);
    return found;
  }

  clusterMembers(name: string): string[] {
    const members = allServers(this.estate).filter((s) => s.cluster.name === name);
    if (members.length === 0) throw new ApiError(404, `no cluster named ${name}`);
    return members.map((m) => m.server.name);
  }

  private config(name: string) {
    const config = this.state.servers[name];
    if (!config) throw new ApiError(404, `no server named ${name}`);
    return config;
  }

  persist(): void {
    writeFileAtomic(this.paths.dmgrState, `${JSON.stringify(this.state, null, 2)}\n`);
    for (const [name, config] of Object.entries(this.state.servers)) {
      const { running: _running, ...serverConfig } = config;
      writeFileAtomic(serverStatePath(this.paths, name), `${JSON.stringify(serverConfig, null, 2)}\n`);
    }
  }

  /** The server's process if it is still there (a SIGKILL behind the dmgr's back shows here at once). */
  private running(name: string): ManagedServer | undefined {
    const m = this.managed.get(name);
    if (!m) return undefined;
    const exited = m.child !== undefined && (m.child.exitCode !== null || m.child.signalCode !== null);
    return !exited && isSameProcess(m.pid, m.startTime) ? m : undefined;
  }

  /** The pid of the process answering at the server's port, if it says it is that server. */
  private async answeringPid(name: string): Promise<number | undefined> {
    const { server } = this.member(name);
    const res = await requestJson<AppServerHealth>(`http://${server.host}:${server.port}/__lab/health`, 'GET', undefined, 1000).catch(() => undefined);
    return res?.status === 200 && res.body.server === name && isAlive(res.body.pid) ? res.body.pid : undefined;
  }

  /** Takes over a server that already runs (started by an earlier dmgr); false if none answers. */
  private async adopt(name: string): Promise<boolean> {
    const pid = await this.answeringPid(name);
    if (pid === undefined) return false;
    this.managed.set(name, { pid, startTime: processStartTime(pid) });
    return true;
  }

  start(name: string): Promise<ServerStatus> {
    return this.serialized(name, async () => {
      const { server } = this.member(name);
      const config = this.config(name);
      config.running = true;
      this.persist();
      // One that came up after this dmgr started (an earlier dmgr's start, finishing late) is adopted, not started twice.
      if (!this.running(name) && !(await this.adopt(name))) await this.spawnServer(name, server.host, server.port);
      return this.status(name);
    });
  }

  private async spawnServer(name: string, host: string, port: number): Promise<void> {
    mkdirSync(this.paths.logDir, { recursive: true });
    const logFile = join(this.paths.logDir, `${name}.log`);
    const log = openSync(logFile, 'a');
    const guard = this.labPid ? ['--lab-pid', this.labPid] : [];
    const args = [labScript('app-server'), '--estate', this.paths.estate, '--server', name, '--state', serverStatePath(this.paths, name), ...guard];
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    const pid = child.pid;
    if (pid === undefined) throw new ApiError(500, `${name} could not be started; see ${logFile}`);
    this.managed.set(name, { pid, startTime: processStartTime(pid), child });
    const url = `http://${host}:${port}/__lab/health`;
    const exited = () => new ApiError(500, `${name} exited with code ${child.exitCode ?? child.signalCode}; see ${logFile}`);
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw exited();
        const res = await requestJson<AppServerHealth>(url, 'GET', undefined, 1000);
        return res.status === 200 && res.body.pid === pid;
      },
      15_000,
      `${name} did not answer on ${url} within 15 s`,
    ).catch((err: unknown) => {
      if (child.exitCode !== null || child.signalCode !== null) throw exited();
      throw err;
    });
  }

  stop(name: string): Promise<ServerStatus> {
    return this.serialized(name, async () => {
      this.member(name);
      this.config(name).running = false;
      this.persist();
      // Likewise, one an earlier dmgr started late is stopped too, not left running unseen.
      if (!this.running(name)) await this.adopt(name);
      await this.kill(name);
      return this.status(name);
    });
  }

  private async kill(name: string): Promise<void> {
    const m = this.running(name);
    this.managed.delete(name);
    if (!m) return;
    try {
      process.kill(m.pid, 'SIGTERM');
    } catch {
      return;
    }
    await waitForExit(m.pid, 5000);
  }

  async install(cluster: string, version: string, artifact: string | undefined, vhost?: string): Promise<ClusterStatus> {
    if (vhost !== undefined) this.checkVhost(vhost);
    const members = this.clusterMembers(cluster);
    await Promise.all(
      members.map((name) =>
        this.serialized(name, async () => {
          const config = this.config(name);
          if (config.version === version && config.artifact === artifact && (vhost === undefined || config.vhost === vhost)) return;
          config.version = version;
          if (artifact === undefined) delete config.artifact;
          else config.artifact = artifact;
          if (vhost !== undefined) config.vhost = vhost;
          this.persist();
          const { server } = this.member(name);
          // A deployment carries its virtual host; a plain version change keeps the one being served.
          const reload = `http://${server.host}:${server.port}/__lab/reload${vhost !== undefined ? '?deploy=1' : ''}`;
          if (this.running(name)) await requestJson(reload, 'POST');
        }),
      ),
    );
    return this.clusterStatus(cluster);
  }

  private checkVhost(vhost: string): void {
    const known = [this.estate.virtualHosts.production.name, this.estate.virtualHosts.test.name];
    if (!known.includes(vhost)) throw new ApiError(400, `unknown virtual host ${vhost}; this estate has ${known.join(', ')}`);
  }

  async setVhost(cluster: string, vhost: string): Promise<ClusterStatus> {
    this.checkVhost(vhost);
    const members = this.clusterMembers(cluster);
    await Promise.all(
      members.map((name) =>
        this.serialized(name, async () => {
          const config = this.config(name);
          if (config.vhost === vhost) return;
          config.vhost = vhost;
          this.persist();
        }),
      ),
    );
    return this.clusterStatus(cluster);
  }

  async status(name: string): Promise<ServerStatus> {
    const { cell, cluster, server } = this.member(name);
    const config = this.config(name);
    const m = this.running(name);
    const base = `http://${server.host}:${server.port}`;
    const [sessions, health, connections] = m
      ? await Promise.all([
          requestJson<LiveSessions>(`${base}/__lab/sessions`, 'GET', undefined, 2000).then((r) => r.body.liveCount, () => null),
          requestJson<AppServerHealth>(`${base}/__lab/health`, 'GET', undefined, 2000).then((r) => r.body, () => null),
          requestJson<OrbConnections>(`${base}/__lab/connections`, 'GET', undefined, 2000).then((r) => r.body.connections, () => null),
        ])
      : [null, null, null];
    return {
      name,
      cell: cell.name,
      cluster: cluster.name,
      host: server.host,
      port: server.port,
      cloneId: server.cloneId,
      state: m ? 'running' : 'stopped',
      pid: m?.pid ?? null,
      adopted: m !== undefined && m.child === undefined,
      version: config.version,
      ...(config.artifact ? { artifact: config.artifact } : {}),
      vhost: config.vhost,
      runningVhost: health?.vhost ?? null,
      sessions,
      connections,
    };
  }

  /** The PMI LiveCount of each named server, read now: 0 only for a stopped server, null (with why) for one that runs but cannot be read. */
  async liveCounts(names: readonly string[]): Promise<LiveCountReport> {
    if (names.length === 0) throw new ApiError(400, 'sessions needs ?server=<name>, once per server');
    for (const name of names) this.member(name);
    return { servers: await Promise.all(names.map((n) => this.liveCount(n))) };
  }

  private async liveCount(name: string): Promise<LiveCount> {
    const m = this.running(name);
    if (!m) return { name, state: 'stopped', liveCount: 0 };
    const { server } = this.member(name);
    const url = `http://${server.host}:${server.port}/__lab/sessions`;
    const unknown = (why: string): LiveCount => ({ name, state: 'running', liveCount: null, problem: `${name} runs (pid ${m.pid}) but its LiveCount could not be read: ${why}` });
    try {
      const res = await requestJson<LiveSessions>(url, 'GET', undefined, 2000);
      const count = res.body?.liveCount;
      if (res.status === 200 && typeof count === 'number') return { name, state: 'running', liveCount: count };
      return unknown(`GET ${url} answered HTTP ${res.status}`);
    } catch (err) {
      return unknown(err instanceof Error ? err.message : String(err));
    }
  }

  async clusterStatus(cluster: string): Promise<ClusterStatus> {
    const members = this.clusterMembers(cluster);
    const cell = this.member(members[0] as string).cell.name;
    return { name: cluster, cell, servers: await Promise.all(members.map((m) => this.status(m))) };
  }

  allNames(): string[] {
    return allServers(this.estate).map((s) => s.server.name);
  }

  clusterNames(): string[] {
    return [...new Set(allServers(this.estate).map((s) => s.cluster.name))];
  }

  /** GenPluginCfg for one cell: every cluster of the cell as the estate defines it. */
  generatePluginCfg(cellName: string | null): GeneratedPluginCfg {
    if (!cellName) throw new ApiError(400, 'plugin-cfg needs ?cell=<name>');
    const cell = this.estate.cells.find((c) => c.name === cellName);
    if (!cell) throw new ApiError(404, `no cell named ${cellName}; this estate has ${this.estate.cells.map((c) => c.name).join(', ')}`);
    return { cell: cell.name, xml: renderCellPluginCfg(this.estate, cell, cellRefreshIntervalSeconds(cell)) };
  }

  /**
   * Adopts the app servers that already run. On the first start it then starts every server the
   * state says should run; a restarted dmgr (`restarted`) starts nothing: it reports what it
   * found, as a deployment manager coming back to running node agents does.
   */
  async boot(restarted: boolean): Promise<void> {
    const names = this.allNames();
    const adopted = await Promise.all(names.map((n) => this.serialized(n, () => this.adopt(n))));
    if (restarted) names.forEach((n, i) => (this.config(n).running = adopted[i] === true));
    this.persist();
    if (!restarted) await Promise.all(names.filter((n, i) => !adopted[i] && this.state.servers[n]?.running).map((n) => this.start(n)));
    this.ready = true;
  }

  /** Stops every app server, adopted ones included; the dmgr leaves nothing running behind it. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.managed.keys()].map((n) => this.kill(n)));
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
  if (method === 'GET' && path === '/sessions') {
    // Before adoption ends, a server not yet adopted would read as stopped: 0 sessions it may well hold.
    if (!dmgr.ready) throw new ApiError(503, 'starting');
    return dmgr.liveCounts(url.searchParams.getAll('server'));
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

function serve(dmgr: Dmgr, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    readBody(req)
      .then((raw) => route(dmgr, req.method ?? 'GET', new URL(req.url ?? '/', 'http://dmgr'), parseBody(raw)))
      .then(
        (answer) => sendJson(res, 200, answer),
        (err: unknown) => sendJson(res, err instanceof ApiError ? err.status : 500, { error: err instanceof Error ? err.message : String(err) }),
      );
  });
  return listenOn(server, host, port);
}

/** The persisted state, or the estate's starting state; `restarted` when an earlier dmgr of this lab left one. */
function loadState(estate: Estate, paths: LabPaths): { state: DmgrState; restarted: boolean } {
  if (!existsSync(paths.dmgrState)) return { state: initialDmgrState(estate), restarted: false };
  return { state: dmgrStateSchema.parse(JSON.parse(readFileSync(paths.dmgrState, 'utf8'))), restarted: true };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const estate = readEstateFile(requireArg(args, 'estate'));
  if (estate.appServer.driver !== 'lab') throw new Error('the lab dmgr needs appServer.driver "lab"');
  const paths = labPaths(estate);
  const { state, restarted } = loadState(estate, paths);
  const dmgr = new Dmgr(estate, paths, state, args['parent-pid']);
  const url = new URL(estate.appServer.adminUrl);
  const server = await serve(dmgr, url.hostname, Number(url.port || 80));
  stopOnSignalsAndOrphaning([server], args['parent-pid'], () => dmgr.shutdown());
  await dmgr.boot(restarted);
}

if (require.main === module) runLabMain('dmgr', main);
