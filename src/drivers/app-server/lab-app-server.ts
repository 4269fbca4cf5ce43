/** The app-server driver for the lab: its deployment manager's JSON API (src/lab/dmgr-api.ts). */
import type { ClusterStatus, GeneratedPluginCfg, ServerStatus } from '../../lab/dmgr-api';
import { httpJson } from '../http-json';
import type { AppServerDriver, AppServerState, InstallCommand, ServerConnections, ServerProbe, VirtualHostCommand } from './app-server';

function toState(s: ServerStatus): AppServerState {
  return { name: s.name, cluster: s.cluster, running: s.state === 'running', version: s.version, virtualHost: s.vhost, runningVirtualHost: s.runningVhost };
}

class LabAppServer implements AppServerDriver {
  constructor(private readonly adminUrl: string) {}

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

  /** From the dmgr's status, which asks each running server itself (`runningVhost` is its own answer). */
  async probe(servers: readonly string[]): Promise<ServerProbe[]> {
    return Promise.all(
      servers.map(async (name) => {
        const s = await httpJson<ServerStatus>(`${this.adminUrl}/servers/${encodeURIComponent(name)}`);
        const answering = s.state === 'running' && s.runningVhost !== null;
        return { name, answering, version: answering ? s.version : null, ...(answering ? {} : { problem: s.state === 'running' ? 'running but not answering' : 'stopped' }) };
      }),
    );
  }
}

/** The lab app-server driver at `adminUrl` (the estate's `appServer.adminUrl`). */
export function createLabAppServer(adminUrl: string): AppServerDriver {
  return new LabAppServer(adminUrl.replace(/\/+$/, ''));
}
