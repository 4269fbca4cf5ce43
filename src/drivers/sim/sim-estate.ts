/**
 * The simulated estate, for benchmarks only: one estate of any size held in memory, which the sim
 * drivers (`../<kind>/sim-*.ts`) act on. It models what the rollouts read back: each server's
 * process, version and virtual host, its sessions, the sprayer's routing, the naming service, and
 * whether each admin side answers. plugin-cfg.xml files are real files in a scratch folder
 * (`dir`), so the sim store is the local store and passes the same contract.
 *
 * Sessions: each running server holds `sessionsPerServer` sessions while it takes new ones. From
 * the moment it stops taking them (its cell leaves `ready` at the sprayer, or a drain first reads
 * it), they end at `sessionEndsPerSecond`, on a clock `clockSpeed` times faster than the wall, so a
 * bench's drains end in a fraction of a second. Sessions opened through `hit` come on top and end
 * only at logout or a restart.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { allServers, type Estate } from '../../model/estate';
import type { BindingValue } from '../../model/bindings';
import { initialBindings, initialNames } from '../../lab/naming-service';
import { initialAffinity, sprayerServersOf, type SprayerServerRouting } from '../sprayer/sprayer';

/** How the simulated estate behaves. */
export const simSettingsSchema = z
  .object({
    /** Sessions each running server holds while it takes new ones. */
    sessionsPerServer: z.number().int().min(0).default(20),
    /** Sessions per server that end each simulated second once it takes no new ones. */
    sessionEndsPerSecond: z.number().min(0).default(10),
    /** Simulated seconds per wall second: 100 ends 20 sessions at 10/s in 20 ms. */
    clockSpeed: z.number().positive().default(1),
    /** Wall milliseconds each driver call takes, as a remote admin side would. */
    callLatencyMs: z.number().min(0).default(0),
  })
  .strict();
export type SimSettings = z.infer<typeof simSettingsSchema>;
export type SimSettingsInput = z.input<typeof simSettingsSchema>;

/** The admin sides a test can make unreachable: the sprayer's, the app servers' (dmgr), naming's. */
export const simAdminSides = { sprayer: 'sprayer', appServer: 'app server admin', naming: 'naming service' } as const;
export type SimAdminSide = (typeof simAdminSides)[keyof typeof simAdminSides];

/** One simulated app server. */
export interface SimServer {
  name: string;
  cluster: string;
  cell: string;
  cloneId: string;
  running: boolean;
  pid: number | null;
  version: string;
  /** Mapped in the configuration. */
  virtualHost: string;
  /** Served by the running process. */
  runningVirtualHost: string | null;
  /** Why the application did not start on it; null when it runs. */
  appProblem: string | null;
  /** The kind of the last reset that activated `version`, for idempotent resets. */
  lastReset: 'soft' | 'hard' | null;
  inFlight: number;
  /** Sessions opened through `hit`, by session ID. */
  opened: Set<string>;
  /** Simulated ms since it stopped taking new sessions; null while it takes them. */
  drainingSince: number | null;
}

/** The sprayer's state: routing as `SprayerSnapshot` holds it, plus requests in flight per server. */
export interface SimSprayerState {
  backend: string;
  servers: Map<string, SprayerServerRouting>;
  affinity: Record<string, string>;
  inFlight: Map<string, number>;
}

/** What one request to a server answered. */
export interface SimHit {
  status: number;
  /** Why a request was not served, when the simulation can say. */
  body?: string;
  version?: string;
  cookie?: string;
  newSession?: boolean;
}

/** A clock that runs `speed` times faster than the wall, from its creation. */
export class SimClock {
  private readonly origin = Date.now();

  constructor(readonly speed: number) {}

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.origin + (Date.now() - this.origin) * this.speed;
  }
}

let nextPid = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function initialServers(estate: Estate): Map<string, SimServer> {
  const version = estate.lab?.initialVersion ?? '1.0';
  const { production, test } = estate.virtualHosts;
  return new Map(
    allServers(estate).map(({ cell, cluster, server }) => {
      const active = cluster.state === 'active';
      const vhost = active ? production.name : test.name;
      const sim: SimServer = { name: server.name, cluster: cluster.name, cell: cell.name, cloneId: server.cloneId, running: active, pid: active ? nextPid++ : null, version, virtualHost: vhost, runningVirtualHost: active ? vhost : null, appProblem: null, lastReset: null, inFlight: 0, opened: new Set(), drainingSince: null };
      return [server.name, sim];
    }),
  );
}

function initialSprayer(estate: Estate): SimSprayerState {
  const servers = sprayerServersOf(estate).map((s): SprayerServerRouting => ({ name: s.name, cell: s.cell.name, state: 'ready', weight: 1 }));
  return {
    backend: estate.sprayer?.backend ?? 'cells',
    servers: new Map(servers.sort((a, b) => a.name.localeCompare(b.name)).map((s) => [s.name, s])),
    affinity: estate.sprayer ? initialAffinity(estate) : {},
    inFlight: new Map(servers.map((s) => [s.name, 0])),
  };
}

/** One simulated estate. Every sim driver of the estate acts on the same instance. */
export class SimEstate {
  readonly settings: SimSettings;
  readonly clock: SimClock;
  readonly servers: Map<string, SimServer>;
  readonly sprayer: SimSprayerState;
  readonly bindings: BindingValue[];
  readonly names: Record<string, string>;
  private readonly down = new Set<SimAdminSide>();
  private readonly routingWatchers = new Set<() => void>();

  /** `dir` holds the plugin-cfg.xml files; the estate's local paths resolve against it. */
  constructor(
    readonly estate: Estate,
    readonly dir: string,
    settings: SimSettingsInput = {},
  ) {
    this.settings = simSettingsSchema.parse(settings);
    this.clock = new SimClock(this.settings.clockSpeed);
    this.servers = initialServers(estate);
    this.sprayer = initialSprayer(estate);
    this.bindings = initialBindings(estate);
    this.names = initialNames(estate);
  }

  /** Makes an admin side unreachable: its driver calls fail (or, for counts, read as unknown). */
  cut(side: SimAdminSide): void {
    this.down.add(side);
  }

  /** Makes it reachable again. */
  restore(side: SimAdminSide): void {
    this.down.delete(side);
  }

  reachable(side: SimAdminSide): boolean {
    return !this.down.has(side);
  }

  /** Waits the configured latency of one call. */
  async latency(): Promise<void> {
    if (this.settings.callLatencyMs > 0) await sleep(this.settings.callLatencyMs);
  }

  /** Runs one driver call against `side`: the configured latency, then `fn`, or the unreachable error. */
  async call<T>(side: SimAdminSide, fn: () => T): Promise<T> {
    await this.latency();
    if (this.down.has(side)) throw new Error(`the simulated ${side} of ${this.estate.name} is unreachable`);
    return fn();
  }

  /** The server named `name`; throws naming it. */
  server(name: string): SimServer {
    const found = this.servers.get(name);
    if (!found) throw new Error(`no server ${name} in the simulated estate ${this.estate.name}`);
    return found;
  }

  /** The servers of the cluster named `cluster`; throws for an unknown cluster. */
  clusterServers(cluster: string): SimServer[] {
    const members = [...this.servers.values()].filter((s) => s.cluster === cluster);
    if (members.length === 0) throw new Error(`no cluster ${cluster} in the simulated estate ${this.estate.name}`);
    return members;
  }

  /** Live sessions on a server now: the modelled ones still left plus those opened through `hit`. */
  liveSessions(server: SimServer): number {
    if (!server.running) return 0;
    // A drain's first read is where its servers stop taking new sessions when no sprayer change said so.
    server.drainingSince ??= this.clock.now();
    const ended = Math.floor(((this.clock.now() - server.drainingSince) / 1000) * this.settings.sessionEndsPerSecond);
    return Math.max(0, this.settings.sessionsPerServer - ended) + server.opened.size;
  }

  /** Calls `fn` after every change of the sprayer's routing, until the returned function is called. */
  watchRouting(fn: () => void): () => void {
    this.routingWatchers.add(fn);
    return () => this.routingWatchers.delete(fn);
  }

  /** Tells the watchers that the sprayer's routing changed. */
  routingChanged(): void {
    for (const fn of this.routingWatchers) fn();
  }

  /** Marks the servers of `cell` as taking new sessions (`ready`) or not (any other state). */
  routeCell(cell: string, takesNew: boolean): void {
    for (const server of this.servers.values()) {
      if (server.cell !== cell) continue;
      if (takesNew) server.drainingSince = null;
      else server.drainingSince ??= this.clock.now();
    }
  }

  /**
   * Starts a stopped server on its configured mapping, a new process. One that was taking new
   * sessions has its modelled sessions back; one that was not has none (they ended with the process).
   */
  start(server: SimServer): void {
    if (server.running) return;
    const drainingSince = server.drainingSince === null ? null : Number.NEGATIVE_INFINITY;
    Object.assign(server, { running: true, pid: nextPid++, runningVirtualHost: server.virtualHost, drainingSince });
  }

  /** Stops a server: its process and every session on it are gone. */
  stop(server: SimServer): void {
    if (!server.running) return;
    server.opened.clear();
    Object.assign(server, { running: false, pid: null, runningVirtualHost: null, inFlight: 0 });
  }

  /** One application request straight to `server` on `virtualHost`, held `delayMs` while in flight. */
  async hit(serverName: string, virtualHost: string, opts: { cookie?: string; delayMs?: number; logout?: boolean } = {}): Promise<SimHit> {
    const server = this.servers.get(serverName);
    if (!server?.running) return { status: 503 };
    if (server.runningVirtualHost !== virtualHost) return { status: 404 };
    if (server.appProblem) return { status: 503 };
    server.inFlight++;
    try {
      if (opts.delayMs) await sleep(opts.delayMs);
    } finally {
      server.inFlight = Math.max(0, server.inFlight - 1);
    }
    return { status: 200, version: server.version, ...this.session(server, opts.cookie, opts.logout === true) };
  }

  private session(server: SimServer, cookie: string | undefined, logout: boolean): { cookie?: string; newSession: boolean } {
    const id = /JSESSIONID=([^:;.]+)/.exec(cookie ?? '')?.[1];
    if (id && server.opened.has(id)) {
      if (logout) server.opened.delete(id);
      return { newSession: false };
    }
    if (logout) return { newSession: false };
    const fresh = randomBytes(8).toString('hex');
    server.opened.add(fresh);
    return { cookie: `JSESSIONID=${fresh}:${server.cloneId}`, newSession: true };
  }
}
