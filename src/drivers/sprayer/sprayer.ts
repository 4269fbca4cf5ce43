/**
 * The IP sprayer driver: the narrow interface the activities use to move new sessions between
 * cells while existing sessions keep their cell by clone-ID affinity (seed 002, multi-cell).
 *
 * What the one sprayer backend's servers are depends on the estate's `sprayer.routes`:
 * - `cells` (seed 002's IP sprayer): each cell's HTTP servers, named `<cell>_<httpServer>`;
 * - `members` (seed 003's on-demand router): each member of the active clusters, named after the
 *   member, so an edition rollout takes single members out of routing. The dormant clusters'
 *   members (an edition's validation clone) are never in that backend: they are reached only
 *   through the test listener (`sprayer.testListen`), whose backend is `<backend>_test`.
 */
import type { Cell, Cluster, Estate, HttpServer, Server } from '../../model/estate';
import type { CellRoutingState } from '../../model/plan';

/**
 * How a sprayer server takes traffic: `ready` (new sessions and existing ones), `drain` (existing,
 * affinity sessions only), `maint` (nothing; its sessions fail over). The plan's cell states.
 */
export { cellRoutingStates as sprayerStates } from '../../model/plan';
export type SprayerState = CellRoutingState;

/** One sprayer server's routing state. */
export interface SprayerServerRouting {
  name: string;
  /** The cell whose HTTP server this is, if the estate knows it. */
  cell?: string;
  state: SprayerState;
  /** The configured (user) weight; `drain` leaves it as it is. */
  weight: number;
}

/** The sprayer's routing: enough to put it back exactly as it was. */
export interface SprayerSnapshot {
  backend: string;
  /** Sorted by name. */
  servers: SprayerServerRouting[];
  /** The affinity map: clone ID -> sprayer server name. */
  affinity: Record<string, string>;
}

/** Open connections per sprayer server (`scur`). These are TCP connections, not HTTP sessions. */
export interface SprayerConnections {
  server: string;
  cell?: string;
  currentConnections: number;
}

/** Requests in flight at one sprayer server: being served there, or queued for it. */
export interface SprayerInFlight {
  server: string;
  cell?: string;
  inFlight: number;
}

/** The IP sprayer. Every change is read back and verified; setting what is already set is a no-op. */
export interface SprayerDriver {
  /** The current routing. In `members` mode servers are named by member and carry their cell. */
  snapshot(): Promise<SprayerSnapshot>;
  /** Sets every sprayer server of `cell` to `state`. Resolves to the routing afterwards. */
  setCellState(cell: string, state: SprayerState): Promise<SprayerSnapshot>;
  /**
   * Sets several sprayer servers at once, in one request to the sprayer, so that an atomic edition
   * switch (one half `ready`, the other `drain`) is one router change. Servers going to `ready` are
   * set first, then `drain`, then `maint`: between two commands some server still takes new
   * sessions. Servers already in their state are not sent. Unknown names are refused before
   * anything is sent (the error names them and the known ones). Resolves to the routing afterwards,
   * read back and verified (`SprayerVerificationError` names what differs).
   */
  setServerStates(states: Record<string, SprayerState>): Promise<SprayerSnapshot>;
  /** Puts the routing back exactly as in `snapshot` (states, weights, affinity entries). */
  restore(snapshot: SprayerSnapshot): Promise<SprayerSnapshot>;
  /** Current connections per server. */
  connections(): Promise<SprayerConnections[]>;
  /**
   * Requests in flight per server of the backend: being served (HAProxy's `scur`: on an HTTP
   * backend it counts the streams attached to the server, which is the requests being served, not
   * the idle keep-alive connections) plus those queued for it (`qcur`). 0 means nothing in flight
   * at this moment, which is what a quiesce waits for.
   */
  inFlight(): Promise<SprayerInFlight[]>;
}

/** The name of a cell HTTP server inside the sprayer backend. */
export function sprayerServerName(cell: Pick<Cell, 'name'>, httpServer: Pick<HttpServer, 'name'>): string {
  return `${cell.name}_${httpServer.name}`;
}

/** One server of a sprayer backend: where it sends requests, and what it stands for. */
export type SprayerServer =
  | { kind: 'cell'; name: string; cell: Cell; host: string; port: number; httpServer: HttpServer }
  | { kind: 'member'; name: string; cell: Cell; host: string; port: number; cluster: Cluster; server: Server };

/** A sprayer server that is a cluster member (`members` mode). */
export type MemberSprayerServer = Extract<SprayerServer, { kind: 'member' }>;

/** Whether the estate's sprayer routes to cluster members (the on-demand router) rather than to cells. */
export function routesToMembers(estate: Estate): boolean {
  return estate.sprayer?.routes === 'members';
}

function membersOf(estate: Estate, state: Cluster['state']): MemberSprayerServer[] {
  return estate.cells.flatMap((cell) =>
    cell.clusters
      .filter((cluster) => cluster.state === state)
      .flatMap((cluster) => cluster.servers.map((server) => ({ kind: 'member' as const, name: server.name, cell, host: server.host, port: server.port, cluster, server }))),
  );
}

/**
 * Every server of the sprayer's backend: each cell's HTTP servers (`cells`), or each member of the
 * active clusters, named after the member (`members`).
 */
export function sprayerServersOf(estate: Estate): SprayerServer[] {
  if (routesToMembers(estate)) return membersOf(estate, 'active');
  return estate.cells.flatMap((cell) => cell.httpServers.map((httpServer) => ({ kind: 'cell' as const, name: sprayerServerName(cell, httpServer), cell, host: httpServer.host, port: httpServer.port, httpServer })));
}

/**
 * The servers behind the test listener: the dormant clusters' members, in `members` mode with a
 * `testListen`; none otherwise. They are never servers of the production backend.
 */
export function testSprayerServersOf(estate: Estate): MemberSprayerServer[] {
  return routesToMembers(estate) && estate.sprayer?.testListen ? membersOf(estate, 'dormant') : [];
}

/**
 * The affinity map an estate starts with. `cells`: each clone ID -> the first HTTP server of its
 * cell (any would do: the cell's plug-in routes by clone ID from there). `members`: each clone ID
 * of an active member -> that member; the dormant members' sessions never reach the production
 * backend, so their clone IDs are not in the map (the test backend matches them by itself).
 */
export function initialAffinity(estate: Estate): Record<string, string> {
  const out: Record<string, string> = {};
  if (routesToMembers(estate)) {
    for (const s of sprayerServersOf(estate)) if (s.kind === 'member') out[s.server.cloneId] = s.name;
    return out;
  }
  for (const cell of estate.cells) {
    const first = cell.httpServers[0];
    if (!first) continue;
    for (const server of cell.clusters.flatMap((c) => c.servers)) out[server.cloneId] = sprayerServerName(cell, first);
  }
  return out;
}

/**
 * What separates the session ID from the clone ID in the estate's JSESSIONID: `:` (WebSphere, the
 * default) or `.` (the GlassFish family's jvmRoute).
 */
export function cloneIdSeparatorOf(estate: Estate): ':' | '.' {
  return estate.sprayer?.cloneIdSeparator ?? ':';
}

/**
 * The clone ID a JSESSIONID value routes to: the field after the first `separator`, as the sprayer
 * reads it (`0000A:c1` or `0000A:c1:c2` -> `c1` with `:`; `a1b2.instance1` -> `instance1` with `.`).
 */
export function cloneIdOfSessionCookie(value: string | undefined, separator: ':' | '.'): string | undefined {
  const clone = value?.split(separator)[1];
  return clone ? clone : undefined;
}

/** Whether two snapshots route the same way. */
export function sameRouting(a: SprayerSnapshot, b: SprayerSnapshot): boolean {
  const servers = (s: SprayerSnapshot) => JSON.stringify(s.servers.map(({ name, state, weight }) => [name, state, weight]));
  const affinity = (s: SprayerSnapshot) => JSON.stringify(Object.entries(s.affinity).sort(([x], [y]) => x.localeCompare(y)));
  return a.backend === b.backend && servers(a) === servers(b) && affinity(a) === affinity(b);
}
