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
import { join } from 'node:path';
import { allServers, type Estate } from '../model/estate';
import {
  dmgrStateSchema,
  type AppRestart,
  type AppServerHealth,
  type ClusterStatus,
  type DmgrState,
  type GeneratedPluginCfg,
  type InFlightCount,
  type InFlightReport,
  type LabInFlight,
  type LiveCount,
  type LiveCountReport,
  type LiveSessions,
  type OrbConnections,
  type ResetRequest,
  type ResetResult,
  type ServerStatus,
} from './dmgr-api';
import { ApiError, serveDmgr } from './dmgr-http';
import { waitForSessionChange, type SessionChange } from './dmgr-session-wait';
import { labPaths, labScript, labSettings, readEstateFile, serverStatePath, type LabPaths } from './paths';
import { cellRefreshIntervalSeconds, renderCellPluginCfg } from './plugin-cfg-initial';
import {
  isAlive,
  isSameProcess,
  parseArgs,
  processStartTime,
  requestJson,
  requireArg,
  runLabMain,
  stopOnSignalsAndOrphaning,
  waitFor,
  waitForExit,
  writeFileAtomic,
} from './process-utils';

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

/** The longest a hard reset waits for a server's requests in flight to finish before it stops the process. */
const serverQuiesceMs = 30_000;
/** How long the dmgr waits for a soft reset's answer: the app server's own quiesce (30 s) and its restart. */
const softResetTimeoutMs = 45_000;

/** The lab's deployment manager: the app-server processes it manages and the commands of its admin API. */
export class Dmgr {
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

  /** Whether the server runs, adopting it first if an earlier dmgr started it. */
  private async runningOrAdopted(name: string): Promise<boolean> {
    return this.running(name) !== undefined || (await this.adopt(name));
  }

  private baseUrl(name: string): string {
    const { server } = this.member(name);
    return `http://${server.host}:${server.port}`;
  }

  private health(name: string): Promise<AppServerHealth | null> {
    return requestJson<AppServerHealth>(`${this.baseUrl(name)}/__lab/health`, 'GET', undefined, 2000).then(
      (r) => (r.status === 200 ? r.body : null),
      () => null,
    );
  }

  /** Seed 003's reset of each server, one result per server in the order asked; the servers reset side by side. */
  async reset(req: ResetRequest): Promise<{ servers: ResetResult[] }> {
    for (const name of req.servers) this.member(name);
    return { servers: await Promise.all(req.servers.map((name) => this.serialized(name, () => this.resetOne(name, req)))) };
  }

  private async resetOne(name: string, req: ResetRequest): Promise<ResetResult> {
    const config = this.config(name);
    const result = (action: ResetResult['action'], health: AppServerHealth | null, why?: string): ResetResult => {
      const ok = health?.app === 'started' && health.version === req.version;
      const problem = why ?? (ok ? undefined : (health?.appProblem ?? (health ? `${name} serves ${health.version} (${health.app}), not ${req.version}` : `${name} does not answer`)));
      return { name, ok: ok && why === undefined, action, ...(problem ? { problem } : {}), pid: this.running(name)?.pid ?? null, version: req.version };
    };
    const sameEdition = config.version === req.version && config.artifact === req.artifact && !config.uninstalled;
    // Idempotent: a retry finds the version active and leaves the process alone. A version that
    // came with an install, not a reset, counts as active for either kind.
    if (sameEdition && (config.reset ?? req.reset) === req.reset && (await this.runningOrAdopted(name))) {
      const health = await this.health(name);
      if (health?.app === 'started' && health.version === req.version) return result('none', health);
    }
    config.version = req.version;
    if (req.artifact === undefined) delete config.artifact;
    else config.artifact = req.artifact;
    config.reset = req.reset;
    delete config.uninstalled;
    config.running = true;
    this.persist();
    const { server } = this.member(name);
    try {
      if (!(await this.runningOrAdopted(name))) {
        await this.spawnServer(name, server.host, server.port);
        return result('started', await this.health(name));
      }
      if (req.reset === 'hard') {
        await waitFor(async () => (await this.inFlightOne(name)).inFlight === 0, serverQuiesceMs, 'quiesce').catch(() => undefined);
        await this.kill(name);
        await this.spawnServer(name, server.host, server.port);
        return result('hard', await this.health(name));
      }
      const res = await requestJson<AppRestart>(`${this.baseUrl(name)}/__lab/restart-app`, 'POST', undefined, softResetTimeoutMs);
      if (res.status !== 200) return result('soft', null, `${name}: the application restart answered HTTP ${res.status}`);
      return result('soft', await this.health(name));
    } catch (err) {
      return result(req.reset, null, `${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Removes the app from every member of the cluster and stops them; `install` puts it back. */
  async uninstall(cluster: string): Promise<ClusterStatus> {
    const members = this.clusterMembers(cluster);
    await Promise.all(
      members.map((name) =>
        this.serialized(name, async () => {
          const config = this.config(name);
          config.uninstalled = true;
          delete config.reset;
          config.running = false;
          this.persist();
          if (!this.running(name)) await this.adopt(name);
          await this.kill(name);
        }),
      ),
    );
    return this.clusterStatus(cluster);
  }

  start(name: string): Promise<ServerStatus> {
    return this.serialized(name, async () => {
      const { server } = this.member(name);
      const config = this.config(name);
      config.running = true;
      this.persist();
      // One that came up after this dmgr started (an earlier dmgr's start, finishing late) is adopted, not started twice.
      if (!(await this.runningOrAdopted(name))) await this.spawnServer(name, server.host, server.port);
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
          if (config.version === version && config.artifact === artifact && !config.uninstalled && (vhost === undefined || config.vhost === vhost)) return;
          config.version = version;
          delete config.uninstalled;
          delete config.reset;
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
      // An uninstalled application has no version, as wsadmin lists none.
      version: config.uninstalled ? '' : config.version,
      ...(config.artifact ? { artifact: config.artifact } : {}),
      app: health?.app ?? null,
      ...(health?.appProblem ? { appProblem: health.appProblem } : {}),
      vhost: config.vhost,
      runningVhost: health?.vhost ?? null,
      sessions,
      connections,
    };
  }

  /** The PMI LiveCount of each named server, read now: 0 only for a stopped server, null (with why) for one that runs but cannot be read. */
  liveCounts(names: readonly string[]): Promise<LiveCountReport> {
    return this.eachNamed(names, 'sessions', (n) => this.liveCount(n));
  }

  /** `read` for each server named in a query (`?server=A&server=B`), after checking every name. */
  private async eachNamed<T>(names: readonly string[], endpoint: string, read: (name: string) => Promise<T>): Promise<{ servers: T[] }> {
    if (names.length === 0) throw new ApiError(400, `${endpoint} needs ?server=<name>, once per server`);
    for (const name of names) this.member(name);
    return { servers: await Promise.all(names.map(read)) };
  }

  private async liveCount(name: string): Promise<LiveCount> {
    const { state, value, problem } = await this.readCount(name, 'sessions', 'LiveCount', (b: LiveSessions) => b.liveCount);
    return { name, state, liveCount: value, ...(problem ? { problem } : {}) };
  }

  /** Waits until one named server's LiveCount is not the count the caller knows, or `waitMs` passes. */
  sessionChange(servers: readonly { name: string; known: number }[], waitMs: number): Promise<SessionChange> {
    for (const s of servers) this.member(s.name);
    return waitForSessionChange(
      servers.map((s) => ({ ...s, ...(this.running(s.name) ? { url: this.baseUrl(s.name) } : {}) })),
      waitMs,
    );
  }

  /** The requests in flight in each named server, read now: 0 only for a stopped server, null (with why) for one that runs but cannot be read. */
  inFlight(names: readonly string[]): Promise<InFlightReport> {
    return this.eachNamed(names, 'in-flight', (n) => this.inFlightOne(n));
  }

  private async inFlightOne(name: string): Promise<InFlightCount> {
    const { state, value, problem } = await this.readCount(name, 'in-flight', 'in-flight count', (b: LabInFlight) => b.inFlight);
    return { name, state, inFlight: value, ...(problem ? { problem } : {}) };
  }

  /** One count a running server reports at `/__lab/<path>`; a stopped server's is 0, an unreadable one's null with why. */
  private async readCount<T>(name: string, path: string, what: string, pick: (body: T) => unknown): Promise<{ state: 'running' | 'stopped'; value: number | null; problem?: string }> {
    const m = this.running(name);
    if (!m) return { state: 'stopped', value: 0 };
    const url = `${this.baseUrl(name)}/__lab/${path}`;
    const unknown = (why: string) => ({ state: 'running' as const, value: null, problem: `${name} runs (pid ${m.pid}) but its ${what} could not be read: ${why}` });
    try {
      const res = await requestJson<T>(url, 'GET', undefined, 2000);
      const count = res.body === undefined || res.body === null ? undefined : pick(res.body);
      if (res.status === 200 && typeof count === 'number') return { state: 'running', value: count };
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
  const server = await serveDmgr(dmgr, url.hostname, Number(url.port || 80));
  stopOnSignalsAndOrphaning([server], args['parent-pid'], () => dmgr.shutdown());
  await dmgr.boot(restarted);
}

if (require.main === module) runLabMain('dmgr', main);
