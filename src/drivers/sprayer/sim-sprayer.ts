/**
 * The simulated sprayer, for benchmarks: the sprayer's routing held by a `SimEstate`, changed and
 * read back as HAProxy's Runtime API would be, with the same refusals. A server leaving `ready`
 * stops taking new sessions in the model, so its sessions start to end.
 */
import type { SimEstate } from '../sim/sim-estate';
import { simAdminSides } from '../sim/sim-estate';
import { routesToMembers, sprayerStates, type SprayerDriver, type SprayerSnapshot, type SprayerState } from './sprayer';

/** Servers going to `ready` first, then `drain`, then `maint`, as the HAProxy driver sends them. */
const changeOrder: readonly SprayerState[] = [sprayerStates.ready, sprayerStates.drain, sprayerStates.maint];

class SimSprayer implements SprayerDriver {
  constructor(private readonly sim: SimEstate) {}

  private get state() {
    return this.sim.sprayer;
  }

  private read(): SprayerSnapshot {
    return { backend: this.state.backend, servers: [...this.state.servers.values()].map((s) => ({ ...s })), affinity: { ...this.state.affinity } };
  }

  snapshot(): Promise<SprayerSnapshot> {
    return this.sim.call(simAdminSides.sprayer, () => this.read());
  }

  setCellState(cell: string, state: SprayerState): Promise<SprayerSnapshot> {
    return this.sim.call(simAdminSides.sprayer, () => {
      const names = [...this.state.servers.values()].filter((s) => s.cell === cell).map((s) => s.name);
      const cells = [...new Set([...this.state.servers.values()].map((s) => s.cell))];
      if (names.length === 0) throw new Error(`cell ${cell} has no server at the simulated sprayer (known cells: ${cells.join(', ')})`);
      this.apply(Object.fromEntries(names.map((n) => [n, state])));
      return this.read();
    });
  }

  setServerStates(states: Record<string, SprayerState>): Promise<SprayerSnapshot> {
    return this.sim.call(simAdminSides.sprayer, () => {
      const bad = Object.entries(states).filter(([, s]) => !changeOrder.includes(s));
      if (bad.length) throw new Error(`not a sprayer state: ${bad.map(([n, s]) => `${n}=${String(s)}`).join(', ')} (states: ${changeOrder.join(', ')})`);
      const unknown = Object.keys(states).filter((n) => !this.state.servers.has(n));
      if (unknown.length) throw new Error(`no server ${unknown.join(', ')} in sprayer backend ${this.state.backend} (its servers: ${[...this.state.servers.keys()].join(', ')})`);
      this.apply(states);
      return this.read();
    });
  }

  restore(snapshot: SprayerSnapshot): Promise<SprayerSnapshot> {
    return this.sim.call(simAdminSides.sprayer, () => {
      if (snapshot.backend !== this.state.backend) throw new Error(`snapshot is of backend ${snapshot.backend}, this sprayer drives ${this.state.backend}`);
      const missing = snapshot.servers.filter((s) => !this.state.servers.has(s.name));
      if (missing.length) throw new Error(`server ${missing.map((s) => s.name).join(', ')} of the snapshot is not in backend ${this.state.backend}`);
      for (const s of snapshot.servers) this.state.servers.set(s.name, { ...(this.state.servers.get(s.name) as typeof s), weight: s.weight });
      this.apply(Object.fromEntries(snapshot.servers.map((s) => [s.name, s.state])));
      this.state.affinity = { ...snapshot.affinity };
      this.sim.routingChanged();
      return this.read();
    });
  }

  connections() {
    return this.sim.call(simAdminSides.sprayer, () => [...this.state.servers.values()].map((s) => ({ server: s.name, ...(s.cell ? { cell: s.cell } : {}), currentConnections: this.state.inFlight.get(s.name) ?? 0 })));
  }

  inFlight() {
    return this.sim.call(simAdminSides.sprayer, () => [...this.state.servers.values()].map((s) => ({ server: s.name, ...(s.cell ? { cell: s.cell } : {}), inFlight: this.state.inFlight.get(s.name) ?? 0 })));
  }

  /** Sets the states and tells the session model which servers take new sessions now. */
  private apply(states: Record<string, SprayerState>): void {
    for (const [name, state] of Object.entries(states)) {
      const server = this.state.servers.get(name);
      if (server) server.state = state;
    }
    this.sim.routingChanged();
    if (routesToMembers(this.sim.estate)) {
      for (const [name, state] of Object.entries(states)) {
        const member = this.sim.servers.get(name);
        if (member) member.drainingSince = state === 'ready' ? null : (member.drainingSince ?? this.sim.clock.now());
      }
      return;
    }
    const cells = new Set([...this.state.servers.values()].map((s) => s.cell).filter((c): c is string => c !== undefined));
    for (const cell of cells) this.sim.routeCell(cell, [...this.state.servers.values()].some((s) => s.cell === cell && s.state === 'ready'));
  }
}

/** The sprayer of a simulated estate. */
export function createSimSprayer(sim: SimEstate): SprayerDriver {
  return new SimSprayer(sim);
}
