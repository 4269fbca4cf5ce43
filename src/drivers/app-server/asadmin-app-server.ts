/**
 * The app-server driver of the GlassFish family (GlassFish 3.1+, Payara Server 5/6), driven through
 * the DAS: REST for reads and small writes (`set`, `enable`/`disable`, `start-instance`/
 * `stop-instance`, tens of ms each instead of a client JVM per asadmin call), the asadmin CLI for
 * `deploy`/`undeploy` (it uploads the archive).
 *
 * Estate mapping: a cluster is a deployment group (or a cluster), a server an instance whose
 * `port` is its HTTP listener and whose `cloneId` is its jvmRoute. What Payara 6.2025.9 taught:
 * - a version is switched per instance by disabling the others there, then enabling it; group-level
 *   enable/disable left two versions enabled, or 503s;
 * - `restart-instance` once reported success for a JVM that never came back: restarts are a stop
 *   then a start;
 * - `start-instance` returns before the applications answer: starts wait for the app's answer;
 * - dynamic reconfiguration is a property of each config (`<inst>-config` for instances created
 *   one by one), so a group's is that of every config its instances use.
 *
 * Not in this family: virtual-host remapping, plugin-cfg.xml generation and ORB connection counts
 * throw a clear error. Every command reads the state first and changes only what differs.
 */
import type { Estate } from '../../model';
import { isRunningStatus, monitoringFigure, restPath } from '../asadmin/asadmin-rest';
import { instanceSessions } from '../sessions/asadmin-sessions';
import type {
  AppServerState,
  DeployVersionCommand,
  GlassfishAppServerDriver,
  InstallCommand,
  InstanceVersions,
  ResetCommand,
  ResetOutcome,
  ServerConnections,
  ServerInFlight,
  ServerProbe,
  SessionStoreCommand,
  SessionStoreReport,
} from './app-server';
import { askInstance, AsadminDomain, versionOfRef, type AsadminDriverOptions } from './asadmin-domain';
import { PayaraFileSessionStore } from './asadmin-session-store';

const notInFamily = (what: string) => new Error(`${what} is not supported by the GlassFish family (asadmin driver): Payara has no WebSphere-style equivalent`);

/** The deployed name of one version: `app:version` when versioned, `app` otherwise. */
export function deployedName(app: string, version: string, versioned: boolean): string {
  return versioned ? `${app}:${version}` : app;
}

/** The marker an unversioned deployment carries in its description, so a redeploy of the same version is skipped. */
export function versionMarker(version: string): string {
  return `turnout-version=${version}`;
}

/** The asadmin `deploy` arguments of one command. Pure, so unit-tested. */
export function deployArgs(cmd: DeployVersionCommand): string[] {
  return [
    'deploy',
    '--target', cmd.cluster,
    '--name', deployedName(cmd.app, cmd.version, cmd.versioned),
    '--contextroot', cmd.contextRoot,
    `--enabled=${cmd.enabled}`,
    '--description', versionMarker(cmd.version),
    // In place for seed 000; a versioned name is new each time.
    ...(cmd.versioned ? [] : ['--force=true']),
    cmd.artifact,
  ];
}

class AsadminAppServer implements GlassfishAppServerDriver {
  readonly family = 'glassfish' as const;
  private readonly store: PayaraFileSessionStore;

  constructor(private readonly d: AsadminDomain) {
    this.store = new PayaraFileSessionStore(d);
  }

  async deployVersion(cmd: DeployVersionCommand): Promise<void> {
    const name = deployedName(cmd.app, cmd.version, cmd.versioned);
    if ((await this.d.deployed(cmd.app)).includes(name) && (await this.d.description(name)) === versionMarker(cmd.version)) {
      const refs = await this.d.refs(cmd.app);
      if (this.d.members(cmd.cluster).every((i) => refs.get(i)?.has(name))) return;
    }
    await this.d.asadmin(deployArgs(cmd));
  }

  async undeployVersion(cmd: { app: string; version: string; cluster: string; versioned: boolean }): Promise<void> {
    const name = deployedName(cmd.app, cmd.version, cmd.versioned);
    if (!(await this.d.deployed(cmd.app)).includes(name)) return;
    await this.d.asadmin(['undeploy', '--target', cmd.cluster, name]);
  }

  async switchVersion(cmd: { app: string; version: string; instance: string }): Promise<void> {
    const target = `${cmd.app}:${cmd.version}`;
    const refs = (await this.d.refs(cmd.app)).get(cmd.instance) ?? new Map<string, boolean>();
    const name = refs.has(target) ? target : refs.has(cmd.app) ? cmd.app : null;
    if (!name) throw new Error(`${target} is not deployed to ${cmd.instance} (its refs: ${[...refs.keys()].join(', ') || 'none'})`);
    for (const [ref, enabled] of refs) {
      if (ref !== name && enabled) await this.disableOn(ref, cmd.instance);
    }
    if (!refs.get(name)) await this.d.rest.command(`/management/domain/applications/application/${restPath(name)}/enable`, { target: cmd.instance });
    if (await this.d.running(cmd.instance)) {
      const answer = await this.d.waitForVersion(cmd.instance, cmd.version);
      if (answer.version !== cmd.version) throw new Error(`${cmd.instance} does not answer with ${cmd.version} after the switch: ${answer.problem ?? `it answers ${answer.version}`}`);
    }
  }

  /**
   * `disable --target <instance> <ref>`. A version that failed to start there is not registered on
   * the instance, and Payara then fails the whole disable: its application-ref is set off directly
   * (domain.xml only, which is all there is to change).
   */
  private async disableOn(ref: string, instance: string): Promise<void> {
    try {
      await this.d.rest.command(`/management/domain/applications/application/${restPath(ref)}/disable`, { target: instance });
    } catch (err) {
      if (!(err instanceof Error) || !/not registered/i.test(err.message)) throw err;
      await this.d.rest.command(`/management/domain/servers/server/${restPath(instance, 'application-ref', ref)}`, { enabled: 'false' });
    }
  }

  async instanceVersions(app: string, instances: readonly string[]): Promise<InstanceVersions[]> {
    const refs = await this.d.refs(app);
    return Promise.all(
      instances.map(async (name): Promise<InstanceVersions> => {
        const enabled = [...(refs.get(name) ?? [])].filter(([, on]) => on).map(([ref]) => versionOfRef(app, ref) ?? ref);
        if (!this.d.server(name)) return { name, enabled, serving: null, problem: `no instance named ${name} in the estate` };
        const answer = await askInstance(this.d.appUrl(name));
        return { name, enabled, serving: answer.version, ...(answer.problem ? { problem: answer.problem } : {}) };
      }),
    );
  }

  async dynamicReconfiguration(cluster: string): Promise<boolean> {
    const values = await this.d.rest.getDotted('configs.config.*.dynamic-reconfiguration-enabled');
    return (await this.d.configsOf(cluster)).every((c) => values.get(`configs.config.${c}.dynamic-reconfiguration-enabled`) !== 'false');
  }

  async setDynamicReconfiguration(cluster: string, enabled: boolean): Promise<void> {
    const values = await this.d.rest.getDotted('configs.config.*.dynamic-reconfiguration-enabled');
    for (const c of await this.d.configsOf(cluster)) {
      const key = `configs.config.${c}.dynamic-reconfiguration-enabled`;
      if (values.get(key) !== String(enabled)) await this.d.rest.set(key, String(enabled));
    }
  }

  async backupSessions(cmd: SessionStoreCommand): Promise<SessionStoreReport> {
    const live = (await this.d.running(cmd.instance)) ? await instanceSessions(this.d.rest, cmd.app, cmd.instance) : 0;
    return this.store.backup(cmd, typeof live === 'number' ? live : null);
  }

  async restoreSessions(cmd: SessionStoreCommand): Promise<SessionStoreReport> {
    return this.store.restore(cmd, await this.enabledRef(cmd.app, cmd.instance));
  }

  async reconcileSessions(cmd: SessionStoreCommand): Promise<SessionStoreReport> {
    const cluster = this.d.server(cmd.instance)?.cluster;
    const others = cluster ? this.d.members(cluster).filter((n) => n !== cmd.instance) : [];
    return this.store.reconcile(cmd, await this.enabledRef(cmd.app, cmd.instance), others);
  }

  private async enabledRef(app: string, instance: string): Promise<string | null> {
    const refs = (await this.d.refs(app)).get(instance);
    return [...(refs ?? [])].find(([, on]) => on)?.[0] ?? null;
  }

  // ---- the common interface ----

  async install(cmd: InstallCommand): Promise<void> {
    for (const cluster of cmd.clusters) {
      await this.deployVersion({ app: cmd.app, version: cmd.version, artifact: cmd.artifact, cluster, contextRoot: this.d.contextRoot, enabled: true, versioned: true });
      // A deploy enabled on a group does not reliably disable the version before on each instance: switch them one by one.
      for (const i of this.d.members(cluster)) await this.switchVersion({ app: cmd.app, version: cmd.version, instance: i });
    }
  }

  setVirtualHost(): Promise<void> {
    return Promise.reject(notInFamily('mapping an application to a virtual host'));
  }

  generatePluginCfg(): Promise<string> {
    return Promise.reject(notInFamily('generating plugin-cfg.xml'));
  }

  connections(): Promise<ServerConnections[]> {
    return Promise.reject(notInFamily('counting ORB connections'));
  }

  startCluster(cluster: string): Promise<void> {
    return this.startServers(this.d.members(cluster));
  }

  stopCluster(cluster: string): Promise<void> {
    return this.stopServers(this.d.members(cluster));
  }

  async startServers(servers: readonly string[]): Promise<void> {
    const listed = await this.d.instances();
    const stopped = servers.filter((s) => !isRunningStatus(listed.get(s)?.status ?? ''));
    // The DAS starts them in parallel, as start-deployment-group does.
    await Promise.all(stopped.map((s) => this.startInstance(s)));
    await Promise.all(stopped.map((s) => this.waitForApp(s)));
  }

  /**
   * `start-instance`, again after a pause when a port of the instance is taken: the ports of an
   * instance that just stopped are freed a moment later, and a port base inside the ephemeral range
   * can meet an outgoing connection's port for a while.
   */
  private async startInstance(instance: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.d.rest.command(`/management/domain/servers/server/${restPath(instance)}/start-instance`, {}, 10 * 60_000);
        return;
      } catch (err) {
        if (attempt >= 4 || !(err instanceof Error) || !/Port \d+ is in use/.test(err.message)) throw err;
        await new Promise((r) => setTimeout(r, 3000 * attempt));
      }
    }
  }

  async stopServers(servers: readonly string[]): Promise<void> {
    const listed = await this.d.instances();
    const running = servers.filter((s) => isRunningStatus(listed.get(s)?.status ?? ''));
    await Promise.all(running.map((s) => this.d.rest.command(`/management/domain/servers/server/${restPath(s)}/stop-instance`, {}, 5 * 60_000)));
    // The stop made each instance write its sessions: a pending backup takes them now, before any
    // start empties the store. Also for an instance found stopped (a retried stop after a crash).
    for (const s of servers) if (this.d.server(s)) await this.store.afterStop(s);
  }

  async restartServers(servers: readonly string[]): Promise<void> {
    const listed = await this.d.instances();
    const running = servers.filter((s) => isRunningStatus(listed.get(s)?.status ?? ''));
    for (const s of running) {
      await this.stopServers([s]);
      await this.startServers([s]);
    }
  }

  /**
   * Waits until the instance's enabled applications answer (start-instance returns before they do).
   * One that never does is not an error here: an application may answer 404 at its root, and
   * whether the instance serves the right version is the probe's and the checks' to say.
   */
  private async waitForApp(instance: string): Promise<void> {
    await this.d.waitForApplications(instance);
  }

  async servers(): Promise<AppServerState[]> {
    const [listed, refs] = await Promise.all([this.d.instances(), this.d.refs(this.d.app)]);
    return Promise.all(
      this.d.allInstances().map(async (name): Promise<AppServerState> => {
        const status = listed.get(name);
        const running = status !== undefined && isRunningStatus(status.status);
        const enabled = [...(refs.get(name) ?? [])].filter(([, on]) => on).map(([ref]) => versionOfRef(this.d.app, ref));
        // An unversioned name carries no version: the instance says which one it serves.
        let version = enabled.find((v): v is string => typeof v === 'string') ?? '';
        if (!version && enabled.includes(null) && running) version = (await askInstance(this.d.appUrl(name))).version ?? '';
        return { name, cluster: this.d.server(name)?.cluster ?? '', running, version, virtualHost: 'server', runningVirtualHost: running ? 'server' : null, pid: status?.pid ?? null };
      }),
    );
  }

  async probe(servers: readonly string[]): Promise<ServerProbe[]> {
    return Promise.all(
      servers.map(async (name): Promise<ServerProbe> => {
        if (!this.d.server(name)) return { name, answering: false, version: null, problem: `no instance named ${name} in the estate` };
        const answer = await askInstance(this.d.appUrl(name));
        return answer.version ? { name, answering: true, version: answer.version } : { name, answering: false, version: null, problem: answer.problem ?? 'no answer' };
      }),
    );
  }

  async resetServers(cmd: ResetCommand): Promise<ResetOutcome[]> {
    const out: ResetOutcome[] = [];
    for (const name of cmd.servers) out.push(await this.resetOne(cmd, name));
    return out;
  }

  private async resetOne(cmd: ResetCommand, name: string): Promise<ResetOutcome> {
    const pid = async () => (await this.d.instances()).get(name)?.pid ?? null;
    try {
      const cluster = this.d.server(name)?.cluster;
      if (!cluster) throw new Error(`no instance named ${name} in the estate`);
      const before = (await askInstance(this.d.appUrl(name))).version;
      const enabled = [...((await this.d.refs(cmd.app)).get(name) ?? [])].filter(([, on]) => on).map(([r]) => r);
      if (before === cmd.version && enabled.length === 1 && enabled[0] === `${cmd.app}:${cmd.version}`) return { name, ok: true, pid: await pid() };
      await this.deployVersion({ app: cmd.app, version: cmd.version, artifact: cmd.artifact, cluster, contextRoot: this.d.contextRoot, enabled: false, versioned: true });
      if (!(await this.d.running(name))) await this.startServers([name]);
      if (cmd.reset === 'hard') {
        await this.stopServers([name]);
        await this.switchVersion({ app: cmd.app, version: cmd.version, instance: name });
        await this.startServers([name]);
      } else {
        await this.switchVersion({ app: cmd.app, version: cmd.version, instance: name });
      }
      const answer = await this.d.waitForVersion(name, cmd.version, 15_000);
      if (answer.version !== cmd.version) return { name, ok: false, problem: `${name} does not answer with ${cmd.version}: ${answer.problem ?? answer.version}`, pid: await pid() };
      return { name, ok: true, pid: await pid() };
    } catch (err) {
      return { name, ok: false, problem: `${name}: ${err instanceof Error ? err.message : String(err)}`, pid: await pid().catch(() => null) };
    }
  }

  async inFlight(servers: readonly string[]): Promise<ServerInFlight[]> {
    return Promise.all(
      servers.map(async (name): Promise<ServerInFlight> => {
        try {
          const answer = await this.d.rest.get(`/monitoring/domain/${restPath(name)}/network/http-listener-1/thread-pool`);
          const busy = monitoringFigure(answer, 'currentthreadsbusy');
          return busy === null ? { name, inFlight: null, problem: `${name} reports no currentthreadsbusy (are module-monitoring-levels.http-service and thread-pool HIGH?)` } : { name, inFlight: busy };
        } catch (err) {
          return { name, inFlight: null, problem: `the requests in flight of ${name} cannot be read: ${err instanceof Error ? err.message : String(err)}` };
        }
      }),
    );
  }
}

/** The asadmin driver of an estate whose `appServer.driver` is `asadmin`. */
export function createAsadminAppServer(estate: Estate, opts: AsadminDriverOptions = {}): GlassfishAppServerDriver {
  const settings = estate.appServer;
  if (settings.driver !== 'asadmin') throw new Error(`$.appServer.driver: the asadmin driver needs "asadmin", not "${settings.driver}"`);
  return new AsadminAppServer(new AsadminDomain(estate, settings, opts));
}
