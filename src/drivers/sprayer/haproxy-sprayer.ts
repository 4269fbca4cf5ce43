/**
 * The sprayer driver over the HAProxy Runtime API. It changes only runtime state (server states,
 * weights, the affinity map), reads every change back, and fails if HAProxy does not show it.
 * When the Runtime API cannot be reached, every call fails with `RuntimeApiUnreachableError`,
 * which names the address and why (no socket at the path, connection refused, ...).
 *
 * Runtime state does not survive an HAProxy reload or restart: the new process starts from
 * haproxy.cfg and the map file. Callers that must keep routing re-read it (`snapshot`) and
 * put it back (`restore`).
 */
import { isAbsolute, resolve } from 'node:path';
import type { Estate } from '../../model/estate';
import { HaproxyRuntimeApi, adminStateOf, type RuntimeApiAddress } from './haproxy-runtime-api';
import { routesToMembers, sameRouting, sprayerServersOf, sprayerStates, type SprayerConnections, type SprayerDriver, type SprayerInFlight, type SprayerSnapshot, type SprayerState } from './sprayer';

/** Options of the HAProxy sprayer. */
export interface HaproxySprayerOptions {
  /** Relative paths in the estate (socket, map) resolve against this; default the working directory. */
  baseDir?: string;
  timeoutMs?: number;
}

/** Raised when HAProxy does not show a change after making it. */
export class SprayerVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SprayerVerificationError';
  }
}

/**
 * The order servers change in within one request: every server that will take new sessions is
 * `ready` before any other leaves, so no moment of the switch has none taking new sessions.
 */
const changeOrder: readonly SprayerState[] = [sprayerStates.ready, sprayerStates.drain, sprayerStates.maint];

class HaproxySprayer implements SprayerDriver {
  private readonly cells: Map<string, string>;
  /** What a cell's servers are, for errors: its HTTP servers or its active members. */
  private readonly serverKind: string;

  constructor(
    private readonly api: HaproxyRuntimeApi,
    private readonly backend: string,
    private readonly map: string,
    estate: Estate,
  ) {
    this.cells = new Map(sprayerServersOf(estate).map((s) => [s.name, s.cell.name]));
    this.serverKind = routesToMembers(estate) ? 'active members' : 'HTTP servers';
  }

  async snapshot(): Promise<SprayerSnapshot> {
    const [rows, entries] = await Promise.all([this.api.serversState(this.backend), this.api.showMap(this.map)]);
    const servers = rows
      .map((r) => {
        const cell = this.cells.get(r.name);
        return { name: r.name, ...(cell ? { cell } : {}), state: adminStateOf(r.adminState), weight: r.weight };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    return { backend: this.backend, servers, affinity: Object.fromEntries(entries.map((e) => [e.key, e.value])) };
  }

  private serversOfCell(cell: string): string[] {
    const names = [...this.cells].filter(([, c]) => c === cell).map(([name]) => name);
    if (names.length === 0) throw new Error(`cell ${cell} has no ${this.serverKind} at the sprayer (known cells: ${[...new Set(this.cells.values())].join(', ')})`);
    return names;
  }

  async setCellState(cell: string, state: SprayerState): Promise<SprayerSnapshot> {
    const states = Object.fromEntries(this.serversOfCell(cell).map((name) => [name, state]));
    return this.applyStates(states, `cell ${cell} to ${state}`);
  }

  async setServerStates(states: Record<string, SprayerState>): Promise<SprayerSnapshot> {
    const what = Object.entries(states).map(([name, state]) => `${name}=${state}`).join(', ');
    return this.applyStates(states, what || 'no server');
  }

  /** Sends the servers not yet in their state in one request (ready first), then reads back and verifies. */
  private async applyStates(states: Record<string, SprayerState>, what: string): Promise<SprayerSnapshot> {
    const badStates = Object.entries(states).filter(([, state]) => !changeOrder.includes(state));
    if (badStates.length) throw new Error(`not a sprayer state: ${badStates.map(([name, state]) => `${name}=${String(state)}`).join(', ')} (states: ${changeOrder.join(', ')})`);
    const before = await this.snapshot();
    const current = new Map(before.servers.map((s) => [s.name, s.state]));
    const unknown = Object.keys(states).filter((name) => !current.has(name));
    if (unknown.length) throw new Error(`no server ${unknown.join(', ')} in sprayer backend ${this.backend} (its servers: ${[...current.keys()].join(', ')})`);
    const changes = Object.entries(states)
      .filter(([name, state]) => current.get(name) !== state)
      .map(([server, state]) => ({ server, state }))
      .sort((a, b) => changeOrder.indexOf(a.state) - changeOrder.indexOf(b.state) || a.server.localeCompare(b.server));
    await this.api.setServerStates(this.backend, changes);
    const after = await this.snapshot();
    const wrong = after.servers.filter((s) => s.name in states && s.state !== states[s.name]);
    if (wrong.length) throw new SprayerVerificationError(`after setting ${what}, haproxy shows ${wrong.map((s) => `${s.name}=${s.state}`).join(', ')}`);
    return after;
  }

  async restore(target: SprayerSnapshot): Promise<SprayerSnapshot> {
    if (target.backend !== this.backend) throw new Error(`snapshot is of backend ${target.backend}, this sprayer drives ${this.backend}`);
    const before = await this.snapshot();
    await this.restoreServers(before, target);
    await this.restoreAffinity(before, target);
    const after = await this.snapshot();
    if (!sameRouting(after, target)) throw new SprayerVerificationError(`after restoring, haproxy routing differs from the snapshot: ${JSON.stringify(after)}`);
    return after;
  }

  private async restoreServers(before: SprayerSnapshot, target: SprayerSnapshot): Promise<void> {
    const current = new Map(before.servers.map((s) => [s.name, s]));
    for (const wanted of target.servers) {
      const now = current.get(wanted.name);
      if (!now) throw new Error(`server ${wanted.name} of the snapshot is not in backend ${this.backend}`);
      // Weight first, so a server coming back to `ready` never takes sessions at a stale weight.
      if (now.weight !== wanted.weight) await this.api.setWeight(this.backend, wanted.name, wanted.weight);
      if (now.state !== wanted.state) await this.api.setServerState(this.backend, wanted.name, wanted.state);
    }
  }

  private async restoreAffinity(before: SprayerSnapshot, target: SprayerSnapshot): Promise<void> {
    for (const [key, value] of Object.entries(target.affinity)) {
      const now = before.affinity[key];
      if (now !== value) await this.api.putMapEntry(this.map, key, value, now !== undefined);
    }
    for (const key of Object.keys(before.affinity)) if (!(key in target.affinity)) await this.api.deleteMapEntry(this.map, key);
  }

  /** The `show stat` rows of the backend's servers, each with its name and cell. */
  private async serverStats(): Promise<{ server: string; cell?: string; row: Record<string, string> }[]> {
    const rows = await this.api.stat();
    return rows
      .filter((r) => r.pxname === this.backend && r.svname !== 'BACKEND' && r.svname !== 'FRONTEND')
      .map((row) => {
        const server = row.svname ?? '';
        const cell = this.cells.get(server);
        return { server, ...(cell ? { cell } : {}), row };
      });
  }

  async connections(): Promise<SprayerConnections[]> {
    return (await this.serverStats()).map(({ row, ...s }) => ({ ...s, currentConnections: Number(row.scur ?? 0) }));
  }

  async inFlight(): Promise<SprayerInFlight[]> {
    return (await this.serverStats()).map(({ row, ...s }) => ({ ...s, inFlight: Number(row.scur || 0) + Number(row.qcur || 0) }));
  }
}

function resolveAddress(address: string | { host: string; port: number }, baseDir?: string): RuntimeApiAddress {
  if (typeof address !== 'string') return address;
  return isAbsolute(address) ? address : resolve(baseDir ?? process.cwd(), address);
}

/** The HAProxy sprayer of an estate (its `sprayer` must use the `haproxy` driver). */
export function createHaproxySprayer(estate: Estate, opts: HaproxySprayerOptions = {}): SprayerDriver {
  const sprayer = estate.sprayer;
  if (!sprayer || sprayer.driver !== 'haproxy') throw new Error(`estate ${estate.name} has no haproxy sprayer`);
  const api = new HaproxyRuntimeApi(resolveAddress(sprayer.adminSocket, opts.baseDir), opts.timeoutMs);
  const map = resolveAddress(sprayer.affinityMap, opts.baseDir) as string;
  return new HaproxySprayer(api, sprayer.backend, map, estate);
}
