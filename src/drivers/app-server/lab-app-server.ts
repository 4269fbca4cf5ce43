/**
 * The app-server driver for the lab: its deployment manager's JSON API (src/lab/dmgr-api.ts), and
 * for `probe` each app server itself, so a probe works while the dmgr is down.
 */
import type { AppServerHealth, ClusterStatus, GeneratedPluginCfg, InFlightReport, ResetReport, ServerStatus } from '../../lab/dmgr-api';
import { allServers, type Estate } from '../../model';
import { httpJson, requestJson } from '../http-json';
import type { AppServerDriver, AppServerState, InstallCommand, ResetCommand, ResetOutcome, ServerConnections, ServerInFlight, ServerProbe, VirtualHostCommand } from './app-server';

function toState(s: ServerStatus): AppServerState {
  return { name: s.name, cluster: s.cluster, running: s.state === 'running', version: s.version, virtualHost: s.vhost, runningVirtualHost: s.runningVhost, pid: s.pid };
}

/** How long a reset may take at the dmgr: a hard reset's quiesce (30 s) and restart (15 s), with room. */
const resetTimeoutMs = 120_000;

/** How long a probe waits for one server's health answer. */
const probeTimeoutMs = 2000;

class LabAppServer implements AppServerDriver {
  private readonly endpoints: Map<string, string>;

  constructor(
    private readonly adminUrl: string,
    estate: Estate,
  ) {
    this.endpoints = new Map(allServers(estate).map(({ server }) => [server.name, `http://${server.host}:${server.port}`]));
  }

  private cluster(name: string, action: string, body?: unknown): Promise<ClusterStatus> {
    return httpJson<ClusterStatus>(`${this.adminUrl}/clusters/${encodeURIComponent(name)}/${action}`, 'POST', body);
  }

  async install(cmd: InstallCommand): Promise<void> {
    for (const cluster of cmd.clusters) await this.cluster(cluster, 'install', { version: cmd.version, artifact: cmd.artifact, vhost: cmd.virtualHost });
  }

  async setVirtualHost(cmd: VirtualHostCommand): Promise<void> {
    for (const cluster of cmd.clusters) {
      const status = await this.cluster(cluster, 'vhost', { vhost: cmd.virtualHost });
      if (!cmd.restart) continue;
      // Idempotent: a server already serving the mapping is not restarted again.
      for (const s of status.servers.filter((m) => m.state === 'running' && m.runningVhost !== cmd.virtualHost)) {
        await httpJson(`${this.adminUrl}/servers/${encodeURIComponent(s.name)}/stop`, 'POST');
        await httpJson(`${this.adminUrl}/servers/${encodeURIComponent(s.name)}/start`, 'POST');
      }
    }
  }

  async startCluster(cluster: string): Promise<void> {
    await this.cluster(cluster, 'start');
  }

  async stopCluster(cluster: string): Promise<void> {
    await this.cluster(cluster, 'stop');
  }

  private server(name: string, action: 'start' | 'stop'): Promise<ServerStatus> {
    return httpJson<ServerStatus>(`${this.adminUrl}/servers/${encodeURIComponent(name)}/${action}`, 'POST');
  }

  async startServers(servers: readonly string[]): Promise<void> {
    for (const name of servers) await this.server(name, 'start');
  }

  async stopServers(servers: readonly string[]): Promise<void> {
    for (const name of servers) await this.server(name, 'stop');
  }

  async restartServers(servers: readonly string[]): Promise<void> {
    const running = new Set((await this.servers()).filter((s) => s.running).map((s) => s.name));
    for (const name of servers.filter((n) => running.has(n))) {
      await this.server(name, 'stop');
      await this.server(name, 'start');
    }
  }

  /** One dmgr call (`POST /servers/reset`): the servers reset side by side. A dmgr that cannot be reached fails every server, with why. */
  async resetServers(cmd: ResetCommand): Promise<ResetOutcome[]> {
    if (cmd.servers.length === 0) return [];
    let report: ResetReport;
    try {
      report = await httpJson<ResetReport>(`${this.adminUrl}/servers/reset`, 'POST', { servers: cmd.servers, version: cmd.version, artifact: cmd.artifact, reset: cmd.reset }, resetTimeoutMs);
    } catch (err) {
      const problem = `the dmgr did not reset the servers: ${err instanceof Error ? err.message : String(err)}`;
      return cmd.servers.map((name) => ({ name, ok: false, problem, pid: null }));
    }
    const byName = new Map(report.servers.map((r) => [r.name, r]));
    return cmd.servers.map((name): ResetOutcome => {
      const r = byName.get(name);
      if (!r) return { name, ok: false, problem: `the dmgr's answer has no result for ${name}`, pid: null };
      return { name, ok: r.ok, ...(r.problem ? { problem: r.problem } : {}), pid: r.pid };
    });
  }

  /** From the dmgr (`GET /in-flight`); a stopped server serves none, and a dmgr that cannot be reached gives every server null. */
  async inFlight(servers: readonly string[]): Promise<ServerInFlight[]> {
    if (servers.length === 0) return [];
    const query = servers.map((s) => `server=${encodeURIComponent(s)}`).join('&');
    let report: InFlightReport;
    try {
      report = await httpJson<InFlightReport>(`${this.adminUrl}/in-flight?${query}`, 'GET', undefined, 10_000);
    } catch (err) {
      const problem = `the dmgr could not read the requests in flight: ${err instanceof Error ? err.message : String(err)}`;
      return servers.map((name) => ({ name, inFlight: null, problem }));
    }
    const byName = new Map(report.servers.map((r) => [r.name, r]));
    return servers.map((name): ServerInFlight => {
      const r = byName.get(name);
      if (!r) return { name, inFlight: null, problem: `the dmgr's answer has no count for ${name}` };
      return { name, inFlight: r.inFlight, ...(r.problem ? { problem: r.problem } : {}) };
    });
  }

  /** From the dmgr's server status; a stopped server holds no connection. */
  async connections(servers: readonly string[]): Promise<ServerConnections[]> {
    return Promise.all(
      servers.map(async (name) => {
        const status = await httpJson<ServerStatus>(`${this.adminUrl}/servers/${encodeURIComponent(name)}`);
        if (status.state !== 'running') return { name, connections: 0 };
        // Unknown is not zero: a transition must not shut down a server it could not read.
        if (status.connections === null) throw new Error(`${name}: its ORB connections cannot be read (the server does not answer)`);
        return { name, connections: status.connections };
      }),
    );
  }

  async generatePluginCfg(cell: string): Promise<string> {
    return (await httpJson<GeneratedPluginCfg>(`${this.adminUrl}/plugin-cfg?cell=${encodeURIComponent(cell)}`)).xml;
  }

  async servers(): Promise<AppServerState[]> {
    return (await httpJson<{ servers: ServerStatus[] }>(`${this.adminUrl}/servers`)).servers.map(toState);
  }

  /** Asks each server at its own port (`GET /__lab/health`): answering means it says it is that server. */
  probe(servers: readonly string[]): Promise<ServerProbe[]> {
    return Promise.all(servers.map((name) => this.probeOne(name)));
  }

  private async probeOne(name: string): Promise<ServerProbe> {
    const base = this.endpoints.get(name);
    const silent = (problem: string): ServerProbe => ({ name, answering: false, version: null, problem });
    if (!base) return silent(`no server ${name} in the estate`);
    const url = `${base}/__lab/health`;
    try {
      const res = await requestJson<AppServerHealth>(url, 'GET', undefined, probeTimeoutMs);
      if (res.status !== 200) return silent(`GET ${url} answered HTTP ${res.status}`);
      // Another process on the port is not this server answering.
      if (res.body?.server !== name) return silent(`GET ${url} answered as ${String(res.body?.server)}, not ${name}`);
      // The process answers while its application does not: not answering with a version.
      if (res.body.app !== undefined && res.body.app !== 'started') return silent(`${name} runs but its application is ${res.body.app}${res.body.appProblem ? `: ${res.body.appProblem}` : ''}`);
      return { name, answering: true, version: res.body.version };
    } catch (err) {
      return silent(`${name} does not answer at ${base}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** The lab app-server driver of an estate whose `appServer.driver` is `lab` (its dmgr at `appServer.adminUrl`). */
export function createLabAppServer(estate: Estate): AppServerDriver {
  if (estate.appServer.driver !== 'lab') throw new Error(`$.appServer.driver: the lab app-server driver needs "lab", not "${estate.appServer.driver}"`);
  return new LabAppServer(estate.appServer.adminUrl.replace(/\/+$/, ''), estate);
}
