/**
 * The app-server driver for real WebSphere cells: each command is one generated Jython script
 * (`../wsadmin/jython.ts`) run through the estate's wsadmin.sh command line.
 *
 * Limits, beyond those of the scripts themselves:
 * - `servers()` reports the configured virtual host as `runningVirtualHost` of a running server:
 *   wsadmin shows configuration, not what a running process loaded. That is why
 *   `setVirtualHost` with `restart` restarts the running members on every call.
 * - `probe()` does not reach the servers: it reads their state from the same wsadmin query as
 *   `servers()` and takes a STARTED server for answering with its configured version. A server
 *   that is started but hung, or whose application failed to start, still counts as answering;
 *   a failed wsadmin run makes every server not answering, with the reason.
 * - `connections()` reports the ORB's concurrent requests, not open connections (see
 *   `pmiMeasures` in `jython.ts`).
 * - `resetServers()` activates `<app>-<version>`, which must be installed on the servers'
 *   clusters; see `../wsadmin/jython-editions.ts` for what soft and hard do and their limits.
 *   `servers()` does not report pids (the reset's outcome does, from the Server MBean).
 * - `inFlight()` reads the WebContainer thread pool's ActiveCount, every application's requests
 *   (see `pmiMeasures.webRequests` in `../wsadmin/jython-servers.ts`).
 * - One estate has one wsadmin command line, so one cell: commands for clusters of another cell
 *   fail in the script (no such cluster).
 */
import { z } from 'zod';
import type { Estate } from '../../model';
import { clusterScript, generatePluginCfgScript, pluginCfgAutomationScript, installScript, listServersScript, pmiScript, resetServersScript, serversScript, setVirtualHostScript, type ServerAction } from '../wsadmin/jython';
import { createWsadminClient, pmiFigures, pmiResultSchema, readPmi, type WsadminClient, type WsadminDriverOptions } from '../wsadmin/wsadmin-client';
import type { AppServerDriver, AppServerState, PluginCfgAutomation, InstallCommand, ResetCommand, ResetOutcome, ServerConnections, ServerInFlight, ServerProbe, VirtualHostCommand } from './app-server';

const installResultSchema = z.object({ app: z.string(), action: z.enum(['present', 'remapped', 'installed']), virtualHosts: z.array(z.string()) });
const virtualHostResultSchema = z.object({ apps: z.array(z.string()), remapped: z.array(z.string()), restarted: z.array(z.string()) });
const clusterResultSchema = z.object({ cluster: z.string(), before: z.string(), state: z.string() });
const serversResultSchema = z.object({ action: z.string(), changed: z.array(z.string()), servers: z.array(z.object({ name: z.string(), state: z.string() })) });
const listResultSchema = z.object({
  cell: z.string(),
  servers: z.array(
    z.object({
      name: z.string(),
      node: z.string(),
      cluster: z.string(),
      state: z.string(),
      apps: z.array(z.object({ name: z.string(), virtualHosts: z.array(z.string()) })),
    }),
  ),
});
const resetResultSchema = z.object({
  app: z.string(),
  reset: z.string(),
  servers: z.array(
    z.object({
      name: z.string(),
      before: z.string(),
      action: z.string(),
      state: z.string(),
      pid: z.string().nullable(),
      running: z.number(),
      others: z.array(z.string()),
      problem: z.string().nullable(),
    }),
  ),
});
type ResetServerResult = z.infer<typeof resetResultSchema>['servers'][number];

/** What to do about a running server whose WebContainer ActiveCount is off. */
const inFlightHint = 'enable the WebContainer thread pool counter ActiveCount (PMI custom set threadPoolModule=3)';

/** A reset's outcome on one server, from what the script read back after it. */
function resetOutcome(app: string, r: ResetServerResult): ResetOutcome {
  const pid = r.pid !== null && /^\d+$/.test(r.pid) ? Number(r.pid) : null;
  const problem =
    r.problem ??
    (r.state !== 'STARTED' ? `${r.name} is ${r.state} after the reset` : r.running !== 1 ? `${app} is not running on ${r.name}` : r.others.length > 0 ? `${r.name} still runs ${r.others.join(', ')}` : undefined);
  return { name: r.name, ok: problem === undefined, ...(problem ? { problem } : {}), pid };
}

const pluginCfgResultSchema = z.object({ cell: z.string(), path: z.string(), base64: z.string() });
const automationResultSchema = z.object({
  cell: z.string(),
  webServers: z.array(z.object({ node: z.string(), name: z.string(), generation: z.string().nullable(), propagation: z.string().nullable() })),
});

/** The state a server script should leave each server in. */
const wantedState: Record<ServerAction, (before: string) => boolean> = {
  start: (s) => s === 'STARTED',
  stop: (s) => s === 'STOPPED',
  restart: () => true,
};

/** `<app>-<version>` split at the last dash followed by a digit. */
function splitAppName(name: string): { app: string; version: string } | undefined {
  const m = /^(.+)-(\d[A-Za-z0-9_.]*)$/.exec(name);
  return m ? { app: m[1] as string, version: m[2] as string } : undefined;
}

/** Decodes plugin-cfg.xml bytes by the encoding its XML declaration names (the plug-in's files say ISO-8859-1). */
export function decodePluginCfg(bytes: Buffer): string {
  const declared = /encoding\s*=\s*["']([^"']+)["']/.exec(bytes.subarray(0, 200).toString('latin1'))?.[1]?.toLowerCase();
  return bytes.toString(declared === 'iso-8859-1' || declared === 'latin1' ? 'latin1' : 'utf8');
}

class WsadminAppServer implements AppServerDriver {
  constructor(
    private readonly client: WsadminClient,
    private readonly app: string | undefined,
  ) {}

  async install(cmd: InstallCommand): Promise<void> {
    await this.client.run(installScript(cmd), installResultSchema);
  }

  async setVirtualHost(cmd: VirtualHostCommand): Promise<void> {
    await this.client.run(setVirtualHostScript(cmd), virtualHostResultSchema);
  }

  private async cluster(action: 'start' | 'stop', cluster: string): Promise<void> {
    await this.client.run(clusterScript(action, cluster), clusterResultSchema);
  }

  startCluster(cluster: string): Promise<void> {
    return this.cluster('start', cluster);
  }

  stopCluster(cluster: string): Promise<void> {
    return this.cluster('stop', cluster);
  }

  private async act(action: ServerAction, servers: readonly string[]): Promise<void> {
    if (servers.length === 0) return;
    const result = await this.client.run(serversScript(action, servers), serversResultSchema);
    const wrong = result.servers.filter((s) => !wantedState[action](s.state));
    if (wrong.length > 0) throw new Error(`${action} left ${wrong.map((s) => `${s.name} ${s.state}`).join(', ')}`);
  }

  startServers(servers: readonly string[]): Promise<void> {
    return this.act('start', servers);
  }

  stopServers(servers: readonly string[]): Promise<void> {
    return this.act('stop', servers);
  }

  restartServers(servers: readonly string[]): Promise<void> {
    return this.act('restart', servers);
  }

  async servers(): Promise<AppServerState[]> {
    const result = await this.client.run(listServersScript(), listResultSchema);
    return result.servers.map((s) => {
      const versions = s.apps.flatMap((a) => {
        const split = splitAppName(a.name);
        return split && (this.app === undefined || split.app === this.app) ? [{ ...split, virtualHost: a.virtualHosts.join(',') }] : [];
      });
      if (versions.length > 1) throw new Error(`cluster ${s.cluster} holds ${versions.map((v) => `${v.app}-${v.version}`).join(', ')}: set the driver's app option to the one turnout rolls out`);
      const running = s.state === 'STARTED';
      const installed = versions[0];
      return { name: s.name, cluster: s.cluster, running, version: installed?.version ?? '', virtualHost: installed?.virtualHost ?? '', runningVirtualHost: running ? (installed?.virtualHost ?? '') : null };
    });
  }

  /** From the servers' state in the cell (see the limits above), never from the servers themselves. */
  async probe(servers: readonly string[]): Promise<ServerProbe[]> {
    if (servers.length === 0) return [];
    let states: Map<string, AppServerState>;
    try {
      states = new Map((await this.servers()).map((s) => [s.name, s]));
    } catch (err) {
      const problem = `wsadmin could not read the servers' state: ${(err instanceof Error ? err.message : String(err)).slice(0, 500)}`;
      return servers.map((name) => ({ name, answering: false, version: null, problem }));
    }
    return servers.map((name): ServerProbe => {
      const state = states.get(name);
      if (!state) return { name, answering: false, version: null, problem: `${name} is not a cluster member in the cell` };
      if (!state.running) return { name, answering: false, version: null, problem: `${name} is stopped` };
      return { name, answering: true, version: state.version };
    });
  }

  /** One script for all the servers, one after the other; a failed wsadmin run fails every server with why. */
  async resetServers(cmd: ResetCommand): Promise<ResetOutcome[]> {
    if (cmd.servers.length === 0) return [];
    // Refused inputs are the caller's mistake, not a server failing to start: they throw, running nothing.
    const text = resetServersScript(cmd);
    let result: z.infer<typeof resetResultSchema>;
    try {
      result = await this.client.run(text, resetResultSchema);
    } catch (err) {
      const problem = `wsadmin did not finish the ${cmd.reset} reset: ${(err instanceof Error ? err.message : String(err)).slice(0, 500)}`;
      return cmd.servers.map((name) => ({ name, ok: false, problem, pid: null }));
    }
    const byName = new Map(result.servers.map((r) => [r.name, r]));
    return cmd.servers.map((name) => {
      const r = byName.get(name);
      return r ? resetOutcome(result.app, r) : { name, ok: false, problem: `wsadmin's answer has no result for ${name}`, pid: null };
    });
  }

  async inFlight(servers: readonly string[]): Promise<ServerInFlight[]> {
    const readings = await readPmi(this.client, 'webRequests', servers, inFlightHint);
    return readings.map(({ name, value, problem }) => ({ name, inFlight: value, ...(problem ? { problem } : {}) }));
  }

  async connections(servers: readonly string[]): Promise<ServerConnections[]> {
    if (servers.length === 0) return [];
    const result = await this.client.run(pmiScript('orbRequests', servers), pmiResultSchema);
    return pmiFigures(result, 'enable the ORB counter ConcurrentRequestCount (PMI custom set orbPerfModule=3)').map((f) => ({ name: f.name, connections: f.value }));
  }

  async generatePluginCfg(cell: string): Promise<string> {
    const result = await this.client.run(generatePluginCfgScript(cell), pluginCfgResultSchema);
    return decodePluginCfg(Buffer.from(result.base64, 'base64'));
  }

  async pluginCfgAutomation(cell: string): Promise<PluginCfgAutomation> {
    return this.client.run(pluginCfgAutomationScript(cell), automationResultSchema);
  }
}

/** The app-server driver for an estate whose `appServer` is `{driver: 'wsadmin', command, passwordEnv?}`. */
export function createWsadminAppServer(estate: Estate, opts: WsadminDriverOptions = {}): AppServerDriver {
  return new WsadminAppServer(createWsadminClient(estate, opts), opts.app);
}
