/**
 * The lab's deployment manager and node agents in one process: it owns the app-server processes
 * and answers the admin API described in `dmgr-api.ts` at estate.appServer.adminUrl.
 *
 * `node dist/src/lab/dmgr.js --estate F [--parent-pid N]` (run with the lab's working directory)
 *
 * Its state (what is installed where, what should run) is persisted under the lab dir, so a
 * restarted dmgr brings back the same estate. Dormant clusters start stopped and mapped to the
 * test virtual host; active clusters start running on the production one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
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
  type LiveSessions,
  type OrbConnections,
  type ServerStatus,
} from './dmgr-api';
import { labPaths, labScript, labSettings, readEstateFile, serverStatePath, type LabPaths } from './paths';
import { cellRefreshIntervalSeconds, renderCellPluginCfg } from './plugin-cfg-initial';
import { listenOn, parseArgs, readBody, requestJson, requireArg, runLabMain, sendJson, stopOnSignalsAndOrphaning, waitFor, waitForExit, writeFileAtomic } from './process-utils';

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

class Dmgr {
  private readonly children = new Map<string, ChildProcess>();
  private readonly locks = new Map<string, Promise<unknown>>();
  ready = false;

  constructor(
    readonly estate: Estate,
    readonly paths: LabPaths,
    readonly state: DmgrState,
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

  private running(name: string): ChildProcess | undefined {
    const child = this.children.get(name);
    return child && child.exitCode === null && child.signalCode === null ? child : undefined;
  }

  start(name: string): Promise<ServerStatus> {
    return this.serialized(name, async () => {
      const { server } = this.member(name);
      const config = this.config(name);
      config.running = true;
      this.persist();
      if (!this.running(name)) await this.spawnServer(name, server.host, server.port);
      return this.status(name);
    });
  }

  private async spawnServer(name: string, host: string, port: number): Promise<void> {
    mkdirSync(this.paths.logDir, { recursive: true });
    const log = openSync(join(this.paths.logDir, `${name}.log`), 'a');
    const args = [labScript('app-server'), '--estate', this.paths.estate, '--server', name, '--state', serverStatePath(this.paths, name), '--parent-pid', String(process.pid)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
    this.children.set(name, child);
    const url = `http://${host}:${port}/__lab/health`;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new ApiError(500, `${name} exited with code ${child.exitCode}; see ${join(this.paths.logDir, `${name}.log`)}`);
        const res = await requestJson<AppServerHealth>(url, 'GET', undefined, 1000);
        return res.status === 200 && res.body.pid === child.pid;
      },
      15_000,
      `${name} did not answer on ${url} within 15 s`,
    ).catch((err: unknown) => {
      if (child.exitCode !== null) throw new ApiError(500, `${name} exited with code ${child.exitCode}; see ${join(this.paths.logDir, `${name}.log`)}`);
      throw err;
    });
  }

  stop(name: string): Promise<ServerStatus> {
    return this.serialized(name, async () => {
      this.member(name);
      this.config(name).running = false;
      this.persist();
      await this.kill(name);
      return this.status(name);
    });
  }

  private async kill(name: string): Promise<void> {
    const child = this.running(name);
    if (!child?.pid) return;
    child.kill('SIGTERM');
    await waitForExit(child.pid, 5000);
    this.children.delete(name);
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
    const child = this.running(name);
    const base = `http://${server.host}:${server.port}`;
    const [sessions, health, connections] = child
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
      state: child ? 'running' : 'stopped',
      pid: child?.pid ?? null,
      version: config.version,
      ...(config.artifact ? { artifact: config.artifact } : {}),
      vhost: config.vhost,
      runningVhost: health?.vhost ?? null,
      sessions,
      connections,
    };
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

  /** Starts every server the state says should run. */
  async boot(): Promise<void> {
    this.persist();
    const wanted = this.allNames().filter((n) => this.state.servers[n]?.running);
    await Promise.all(wanted.map((n) => this.start(n)));
    this.ready = true;
  }

  /** Stops every app server; the dmgr leaves nothing running behind it. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.children.keys()].map((n) => this.kill(n)));
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

function loadState(estate: Estate, paths: LabPaths): DmgrState {
  if (!existsSync(paths.dmgrState)) return initialDmgrState(estate);
  return dmgrStateSchema.parse(JSON.parse(readFileSync(paths.dmgrState, 'utf8')));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const estate = readEstateFile(requireArg(args, 'estate'));
  if (estate.appServer.driver !== 'lab') throw new Error('the lab dmgr needs appServer.driver "lab"');
  const paths = labPaths(estate);
  const dmgr = new Dmgr(estate, paths, loadState(estate, paths));
  const url = new URL(estate.appServer.adminUrl);
  const server = await serve(dmgr, url.hostname, Number(url.port || 80));
  stopOnSignalsAndOrphaning([server], args['parent-pid'], () => dmgr.shutdown());
  await dmgr.boot();
}

if (require.main === module) runLabMain('dmgr', main);
