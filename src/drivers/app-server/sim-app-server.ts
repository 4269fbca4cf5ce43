/**
 * The simulated app-server admin, for benchmarks: installs, virtual hosts, starts, stops and resets
 * on a `SimEstate`'s servers, with the lab dmgr's semantics (an install maps the running
 * application at once; a virtual-host change reaches a running server only when it restarts), and
 * GenPluginCfg's file rendered as the lab renders it.
 */
import { cellRefreshIntervalSeconds, renderCellPluginCfg } from '../../lab/plugin-cfg-initial';
import { simAdminSides, type SimEstate, type SimServer } from '../sim/sim-estate';
import type { AppServerDriver, AppServerState, InstallCommand, ResetCommand, ResetOutcome, ServerProbe, VirtualHostCommand } from './app-server';

/** An artifact whose version fails to start on the servers it names (`sim:broken-on=A,B`). */
export const simBrokenOnPrefix = 'sim:broken-on=';

function brokenOn(artifact: string, server: string): boolean {
  return artifact.startsWith(simBrokenOnPrefix) && artifact.slice(simBrokenOnPrefix.length).split(',').includes(server);
}

function stateOf(s: SimServer): AppServerState {
  return { name: s.name, cluster: s.cluster, running: s.running, version: s.version, virtualHost: s.virtualHost, runningVirtualHost: s.runningVirtualHost, pid: s.pid };
}

class SimAppServer implements AppServerDriver {
  constructor(private readonly sim: SimEstate) {}

  private admin<T>(fn: () => T): Promise<T> {
    return this.sim.call(simAdminSides.appServer, fn);
  }

  private restart(server: SimServer): void {
    this.sim.stop(server);
    this.sim.start(server);
  }

  install(cmd: InstallCommand): Promise<void> {
    return this.admin(() => {
      for (const server of cmd.clusters.flatMap((c) => this.sim.clusterServers(c))) {
        if (server.version === cmd.version && server.virtualHost === cmd.virtualHost) continue;
        Object.assign(server, { version: cmd.version, virtualHost: cmd.virtualHost, lastReset: null, appProblem: brokenOn(cmd.artifact, server.name) ? `${cmd.app} ${cmd.version} failed to start on ${server.name}` : null });
        // The application restarts inside the running process with its new mapping: its sessions end.
        if (!server.running) continue;
        server.runningVirtualHost = cmd.virtualHost;
        server.opened.clear();
      }
    });
  }

  setVirtualHost(cmd: VirtualHostCommand): Promise<void> {
    return this.admin(() => {
      for (const server of cmd.clusters.flatMap((c) => this.sim.clusterServers(c))) {
        server.virtualHost = cmd.virtualHost;
        if (cmd.restart && server.running && server.runningVirtualHost !== cmd.virtualHost) this.restart(server);
      }
    });
  }

  startCluster(cluster: string): Promise<void> {
    return this.admin(() => this.sim.clusterServers(cluster).forEach((s) => this.sim.start(s)));
  }

  stopCluster(cluster: string): Promise<void> {
    return this.admin(() => this.sim.clusterServers(cluster).forEach((s) => this.sim.stop(s)));
  }

  startServers(servers: readonly string[]): Promise<void> {
    return this.admin(() => servers.forEach((n) => this.sim.start(this.sim.server(n))));
  }

  stopServers(servers: readonly string[]): Promise<void> {
    return this.admin(() => servers.forEach((n) => this.sim.stop(this.sim.server(n))));
  }

  restartServers(servers: readonly string[]): Promise<void> {
    return this.admin(() => servers.map((n) => this.sim.server(n)).filter((s) => s.running).forEach((s) => this.restart(s)));
  }

  servers(): Promise<AppServerState[]> {
    return this.admin(() => [...this.sim.servers.values()].map(stateOf));
  }

  // Like the lab's, a probe asks each server itself, so it answers while the admin side is down.
  async probe(servers: readonly string[]): Promise<ServerProbe[]> {
    await this.sim.latency();
    return servers.map((name): ServerProbe => {
      const s = this.sim.servers.get(name);
      const silent = (problem: string): ServerProbe => ({ name, answering: false, version: null, problem });
      if (!s) return silent(`no server ${name} in the simulated estate ${this.sim.estate.name}`);
      if (!s.running) return silent(`${name} is stopped`);
      if (s.appProblem) return silent(`${name} runs but its application did not start: ${s.appProblem}`);
      return { name, answering: true, version: s.version };
    });
  }

  resetServers(cmd: ResetCommand): Promise<ResetOutcome[]> {
    return this.admin(() => cmd.servers.map((name) => this.resetOne(name, cmd)));
  }

  private resetOne(name: string, cmd: ResetCommand): ResetOutcome {
    const s = this.sim.servers.get(name);
    if (!s) return { name, ok: false, problem: `no server ${name} in the simulated estate ${this.sim.estate.name}`, pid: null };
    const done = s.running && s.version === cmd.version && s.appProblem === null && s.lastReset === cmd.reset;
    if (!done) {
      if (!s.running) this.sim.start(s);
      else if (cmd.reset === 'hard') this.restart(s);
      else s.opened.clear();
      const problem = brokenOn(cmd.artifact, name) ? `${cmd.app} ${cmd.version} failed to start on ${name}` : null;
      Object.assign(s, { version: cmd.version, lastReset: cmd.reset, appProblem: problem });
    }
    return { name, ok: s.appProblem === null, ...(s.appProblem ? { problem: s.appProblem } : {}), pid: s.pid };
  }

  inFlight(servers: readonly string[]) {
    return this.admin(() => servers.map((name) => {
      const s = this.sim.servers.get(name);
      return s ? { name, inFlight: s.running ? s.inFlight : 0 } : { name, inFlight: null, problem: `no server ${name} in the simulated estate` };
    }));
  }

  // No Java clients in the simulation: every known server holds no ORB connection.
  connections(servers: readonly string[]) {
    return this.admin(() => servers.map((name) => ({ name: this.sim.server(name).name, connections: 0 })));
  }

  generatePluginCfg(cellName: string): Promise<string> {
    return this.admin(() => {
      const cell = this.sim.estate.cells.find((c) => c.name === cellName);
      if (!cell) throw new Error(`no cell ${cellName} in the simulated estate ${this.sim.estate.name}`);
      return renderCellPluginCfg(this.sim.estate, cell, cellRefreshIntervalSeconds(cell));
    });
  }
}

/** The app-server admin of a simulated estate. */
export function createSimAppServer(sim: SimEstate): AppServerDriver {
  return new SimAppServer(sim);
}
