/**
 * The IP sprayer driver: the narrow interface the activities use to move new sessions between
 * cells while existing sessions keep their cell by clone-ID affinity (seed 002, multi-cell).
 *
 * Each cell's HTTP servers are servers of one sprayer backend, named `<cell>_<httpServer>`.
 */
import type { Cell, Estate, HttpServer } from '../../model/estate';
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

/** The IP sprayer. Every change is read back and verified; setting what is already set is a no-op. */
export interface SprayerDriver {
  /** The current routing. */
  snapshot(): Promise<SprayerSnapshot>;
  /** Sets every sprayer server of `cell` to `state`. Resolves to the routing afterwards. */
  setCellState(cell: string, state: SprayerState): Promise<SprayerSnapshot>;
  /** Puts the routing back exactly as in `snapshot` (states, weights, affinity entries). */
  restore(snapshot: SprayerSnapshot): Promise<SprayerSnapshot>;
  /** Current connections per server. */
  connections(): Promise<SprayerConnections[]>;
}

/** The name of a cell HTTP server inside the sprayer backend. */
export function sprayerServerName(cell: Pick<Cell, 'name'>, httpServer: Pick<HttpServer, 'name'>): string {
  return `${cell.name}_${httpServer.name}`;
}

/** Every sprayer server of the estate, with its cell and the HTTP server it sends to. */
export function sprayerServersOf(estate: Estate): { name: string; cell: Cell; httpServer: HttpServer }[] {
  return estate.cells.flatMap((cell) => cell.httpServers.map((httpServer) => ({ name: sprayerServerName(cell, httpServer), cell, httpServer })));
}

/**
 * The affinity map an estate starts with: each clone ID -> the first HTTP server of its cell.
 * Any HTTP server of the cell would do: the cell's plug-in routes by clone ID from there.
 */
export function initialAffinity(estate: Estate): Record<string, string> {
  const out: Record<string, string> = {};
  for (const cell of estate.cells) {
    const first = cell.httpServers[0];
    if (!first) continue;
    for (const server of cell.clusters.flatMap((c) => c.servers)) out[server.cloneId] = sprayerServerName(cell, first);
  }
  return out;
}

/** Whether two snapshots route the same way. */
export function sameRouting(a: SprayerSnapshot, b: SprayerSnapshot): boolean {
  const servers = (s: SprayerSnapshot) => JSON.stringify(s.servers.map(({ name, state, weight }) => [name, state, weight]));
  const affinity = (s: SprayerSnapshot) => JSON.stringify(Object.entries(s.affinity).sort(([x], [y]) => x.localeCompare(y)));
  return a.backend === b.backend && servers(a) === servers(b) && affinity(a) === affinity(b);
}
