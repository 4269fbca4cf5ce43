/** The app-server driver for the lab: its deployment manager's JSON API (src/lab/dmgr-api.ts). */
import type { ClusterStatus, ServerStatus } from '../../lab/dmgr-api';
import { httpJson } from '../http-json';
import type { AppServerDriver, AppServerState, InstallCommand, VirtualHostCommand } from './app-server';

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

  async servers(): Promise<AppServerState[]> {
    return (await httpJson<{ servers: ServerStatus[] }>(`${this.adminUrl}/servers`)).servers.map(toState);
  }
}

/** The lab app-server driver at `adminUrl` (the estate's `appServer.adminUrl`). */
export function createLabAppServer(adminUrl: string): AppServerDriver {
  return new LabAppServer(adminUrl.replace(/\/+$/, ''));
}
