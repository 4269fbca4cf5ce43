/**
 * One GlassFish-family domain as the asadmin driver sees it: the estate's mapping (cell = domain,
 * cluster = deployment group or cluster, server = instance, `server.port` = the instance's HTTP
 * port, `cloneId` = its jvmRoute), the DAS reads through REST, and the instance-side HTTP checks.
 *
 * Why the HTTP check: `list-applications <inst>` and `show-component-status` report stale states on
 * Payara 6; the application-ref's `enabled` in domain.xml plus what the instance answers on its own
 * port tell the truth.
 */
import http from 'node:http';
import path from 'node:path';
import { allServers, type Estate, type Server } from '../../model';
import { runAsadmin, type AsadminTarget } from '../asadmin/asadmin-cli';
import { createAsadminRest, isRunningStatus, parseInstanceList, restPath, type AsadminRest, type ListedInstance } from '../asadmin/asadmin-rest';
import { asadminBin } from '../../lab/payara/payara-home';

/** The estate's `appServer` when its driver is `asadmin`. */
export type AsadminSettings = Extract<Estate['appServer'], { driver: 'asadmin' }>;

/** Options of the asadmin driver, beyond the estate. */
export interface AsadminDriverOptions {
  /** The application `probe()` and `servers()` ask about; the estate's `lab.app` (or `userHitCount`) by default. */
  app?: string;
  /** Its context root; the estate's `lab.contextRoot` (or `/user`) by default. */
  contextRoot?: string;
  /** How long a switch or a start waits for the instance to answer with the version; the estate's `answerTimeoutSeconds` (45 s) by default. */
  answerTimeoutMs?: number;
}

/** The version an application-ref name carries: `app:1.1` is 1.1, `app` is unversioned (null). */
export function versionOfRef(app: string, ref: string): string | null | undefined {
  if (ref === app) return null;
  return ref.startsWith(`${app}:`) ? ref.slice(app.length + 1) : undefined;
}

/**
 * The application-refs of `app` per instance, from the dotted names of
 * `get servers.server.*.application-ref.*.enabled`: instance -> ref name -> enabled. Pure.
 */
export function refsByInstance(app: string, dotted: Map<string, string>): Map<string, Map<string, boolean>> {
  const out = new Map<string, Map<string, boolean>>();
  for (const [name, value] of dotted) {
    const m = /^servers\.server\.([^.]+)\.application-ref\.(.+)\.enabled$/.exec(name);
    if (!m?.[1] || !m[2] || versionOfRef(app, m[2]) === undefined) continue;
    const refs = out.get(m[1]) ?? new Map<string, boolean>();
    refs.set(m[2], value === 'true');
    out.set(m[1], refs);
  }
  return out;
}

/** What an instance answered on its own HTTP port. */
export interface InstanceAnswer {
  status: number;
  version: string | null;
  problem?: string;
}

/** One GET of `url`; the `X-Turnout-Version` header, or why there is none. Never throws. */
export function askInstance(url: string, timeoutMs = 5000): Promise<InstanceAnswer> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      const version = res.headers['x-turnout-version']?.toString() ?? null;
      const status = res.statusCode ?? 0;
      resolve(status === 200 && version ? { status, version } : { status, version: null, problem: `${url} answered HTTP ${status}${version ? '' : ' without X-Turnout-Version'}` });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ status: 0, version: null, problem: `${url}: ${err.message}` }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The domain behind one estate: mapping, REST reads and the CLI for what REST does not do well. */
export class AsadminDomain {
  readonly rest: AsadminRest;
  readonly cli: AsadminTarget;
  readonly app: string;
  readonly contextRoot: string;
  readonly answerTimeoutMs: number;
  private readonly servers: Map<string, { cluster: string; server: Server }>;

  constructor(
    readonly estate: Estate,
    readonly settings: AsadminSettings,
    opts: AsadminDriverOptions = {},
  ) {
    this.rest = createAsadminRest(settings);
    const url = new URL(settings.adminUrl);
    this.cli = {
      // An estate without a command line is the lab's: turnout's own Payara install (TURNOUT_PAYARA_HOME).
      command: settings.command ?? [asadminBin()],
      host: url.hostname,
      port: Number(url.port || 4848),
      user: settings.user,
      ...(settings.passwordEnv ? { passwordEnv: settings.passwordEnv } : {}),
      ...(settings.passwordFile ? { passwordFile: settings.passwordFile } : {}),
    };
    this.app = opts.app ?? estate.lab?.app ?? 'userHitCount';
    this.contextRoot = opts.contextRoot ?? estate.lab?.contextRoot ?? '/user';
    this.answerTimeoutMs = opts.answerTimeoutMs ?? (settings.answerTimeoutSeconds ?? 45) * 1000;
    this.servers = new Map(allServers(estate).map(({ cluster, server }) => [server.name, { cluster: cluster.name, server }]));
  }

  /** Runs one asadmin subcommand (deployment, which uploads the archive). */
  asadmin(args: readonly string[]): Promise<string> {
    return runAsadmin(this.cli, args);
  }

  /** The estate's instance named `name`, or undefined. */
  server(name: string): { cluster: string; server: Server } | undefined {
    return this.servers.get(name);
  }

  /** The instances of a cluster (deployment group) in the estate; throws for an unknown cluster. */
  members(cluster: string): string[] {
    const names = [...this.servers].filter(([, s]) => s.cluster === cluster).map(([n]) => n);
    if (names.length === 0) throw new Error(`no cluster named ${cluster} in the estate`);
    return names;
  }

  allInstances(): string[] {
    return [...this.servers.keys()];
  }

  /** The URL of `app` on the instance's own HTTP port. */
  appUrl(instance: string): string {
    const s = this.servers.get(instance)?.server;
    if (!s) throw new Error(`no instance named ${instance} in the estate`);
    return `http://${s.host}:${s.port}${this.contextRoot.replace(/\/+$/, '')}/`;
  }

  /** Every instance's status and pid (`list-instances --long`, one REST call). */
  async instances(): Promise<Map<string, ListedInstance>> {
    const answer = await this.rest.get('/management/domain/list-instances?long=true');
    return new Map(parseInstanceList(answer).map((i) => [i.name, i]));
  }

  async running(instance: string): Promise<boolean> {
    const listed = (await this.instances()).get(instance);
    return listed !== undefined && isRunningStatus(listed.status);
  }

  /** The application-refs of `app` on every instance (domain.xml, one REST call). */
  async refs(app: string): Promise<Map<string, Map<string, boolean>>> {
    return refsByInstance(app, await this.rest.getDotted('servers.server.*.application-ref.*.enabled'));
  }

  /** The deployed application names of `app` (`app`, `app:1.0`, ...). */
  async deployed(app: string): Promise<string[]> {
    const answer = await this.rest.get('/management/domain/applications/application');
    return Object.keys(answer.extraProperties?.childResources ?? {}).filter((n) => versionOfRef(app, n) !== undefined);
  }

  /** An application's description (the driver records `turnout-version=<v>` there for unversioned deploys). */
  async description(name: string): Promise<string | null> {
    try {
      const answer = await this.rest.get(`/management/domain/applications/application/${restPath(name)}`);
      const d = answer.extraProperties?.entity?.['description'];
      return typeof d === 'string' ? d : null;
    } catch {
      return null;
    }
  }

  /** The configs the instances of `cluster` use (`<inst>-config` for instances created one by one, or the cluster's). */
  async configsOf(cluster: string): Promise<string[]> {
    const dotted = await this.rest.getDotted('servers.server.*.config-ref');
    const members = new Set(this.members(cluster));
    const configs = new Set<string>();
    for (const [name, value] of dotted) {
      const m = /^servers\.server\.([^.]+)\.config-ref$/.exec(name);
      if (m?.[1] && members.has(m[1])) configs.add(value);
    }
    if (configs.size === 0) throw new Error(`the DAS knows none of the instances of ${cluster} (${[...members].join(', ')})`);
    return [...configs].sort();
  }

  /** The folder of an instance on this machine: `<node-dir>/<node>/<instance>`. Local nodes only. */
  async instanceDir(instance: string): Promise<string> {
    const entity = (await this.rest.get(`/management/domain/servers/server/${restPath(instance)}`)).extraProperties?.entity ?? {};
    const node = String(entity['nodeRef'] ?? '');
    const nodeEntity = (await this.rest.get(`/management/domain/nodes/node/${restPath(node)}`)).extraProperties?.entity ?? {};
    const nodeDir = typeof nodeEntity['nodeDir'] === 'string' && nodeEntity['nodeDir'] ? nodeEntity['nodeDir'] : null;
    const installDir = typeof nodeEntity['installDir'] === 'string' && !nodeEntity['installDir'].includes('${') ? nodeEntity['installDir'] : null;
    // The default node's installDir is the token ${com.sun.aas.productRoot}; the asadmin command sits in <productRoot>/bin.
    const productRoot = installDir ?? path.dirname(path.dirname(this.cli.command[0] ?? ''));
    return path.join(nodeDir ?? path.join(productRoot, 'glassfish', 'nodes'), node, instance);
  }

  /**
   * Waits until every application enabled on the instance answers on its own port with something
   * else than 404 or 503 (start-instance returns before the applications are loaded). Resolves to
   * the context roots still not answering at the deadline.
   */
  async waitForApplications(instance: string, timeoutMs = this.answerTimeoutMs): Promise<string[]> {
    const s = this.servers.get(instance)?.server;
    if (!s) return [];
    const dotted = await this.rest.getDotted(`servers.server.${instance}.application-ref.*.enabled`);
    const enabled = [...dotted].flatMap(([name, on]) => {
      const ref = /\.application-ref\.(.+)\.enabled$/.exec(name)?.[1];
      return ref && on === 'true' && !ref.startsWith('__') ? [ref] : [];
    });
    const roots: string[] = [];
    for (const ref of enabled) {
      const root = (await this.rest.get(`/management/domain/applications/application/${restPath(ref)}`)).extraProperties?.entity?.['contextRoot'];
      if (typeof root === 'string') roots.push(root);
    }
    const deadline = Date.now() + timeoutMs;
    let waiting = roots;
    while (waiting.length > 0) {
      const answers = await Promise.all(waiting.map(async (root) => [root, (await askInstance(`http://${s.host}:${s.port}${root.replace(/\/+$/, '')}/`)).status] as const));
      waiting = answers.filter(([, status]) => status === 0 || status === 404 || status === 503).map(([root]) => root);
      if (waiting.length === 0 || Date.now() >= deadline) break;
      await sleep(200);
    }
    return waiting;
  }

  /**
   * Waits until the instance answers with `version` on its own port (start-instance returns before
   * the applications are loaded: a few hundred ms to seconds of 404s follow). Resolves to the last answer.
   */
  async waitForVersion(instance: string, version: string | null, timeoutMs = this.answerTimeoutMs): Promise<InstanceAnswer> {
    const deadline = Date.now() + timeoutMs;
    let last = await askInstance(this.appUrl(instance));
    while ((version === null ? last.version === null : last.version !== version) && Date.now() < deadline) {
      await sleep(100);
      last = await askInstance(this.appUrl(instance));
    }
    return last;
  }
}
