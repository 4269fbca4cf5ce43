/**
 * The contract every sprayer driver passes (DESIGN: one shared contract suite per driver kind).
 * Call `sprayerContract` from a test file with a factory that brings up a real sprayer.
 */
import { waitFor } from '../../src/lab/process-utils';
import { sameRouting, type SprayerDriver, type SprayerSnapshot } from '../../src/drivers/sprayer/sprayer';
import type { HeldRequest } from '../support/holding-backends';

/** A sprayer under test: the driver, the cells it fronts, and how to tear it down. */
export interface SprayerUnderTest {
  sprayer: SprayerDriver;
  /**
   * The cells with sprayer servers, all `ready` at the start: two for an IP sprayer in front of
   * cells, or the one cell of an on-demand router in front of its members.
   */
  cells: [string, ...string[]];
  /** Sends one request through the sprayer that its server holds until released; resolves once held. */
  holdRequest(): Promise<HeldRequest>;
  /** Makes the sprayer's admin side (HAProxy's Runtime API) unreachable while the sprayer keeps routing. */
  cutAdmin(): Promise<void>;
  /** Makes it reachable again. */
  restoreAdmin(): Promise<void>;
  cleanup(): Promise<void>;
}

function stateOf(snapshot: SprayerSnapshot, cell: string): string[] {
  return snapshot.servers.filter((s) => s.cell === cell).map((s) => s.state);
}

/** Defines the sprayer contract tests for one implementation. */
export function sprayerContract(name: string, factory: () => Promise<SprayerUnderTest>): void {
  describe(`sprayer contract: ${name}`, () => {
    let sut: SprayerUnderTest;
    let initial: SprayerSnapshot;

    beforeAll(async () => {
      sut = await factory();
      initial = await sut.sprayer.snapshot();
    });
    afterAll(async () => sut?.cleanup());
    afterEach(async () => {
      await sut.sprayer.restore(initial);
    });

    it('snapshots every server with its cell, state and weight, and the affinity map', () => {
      for (const cell of sut.cells) expect(stateOf(initial, cell)).toEqual(expect.arrayContaining(['ready']));
      for (const server of initial.servers) expect(server.weight).toBeGreaterThanOrEqual(0);
      expect(Object.keys(initial.affinity).length).toBeGreaterThan(0);
      expect(new Set(Object.values(initial.affinity))).toEqual(new Set(initial.servers.map((s) => s.name)));
    });

    it('drains one cell only, and reads the change back', async () => {
      const [a, ...others] = sut.cells;
      const after = await sut.sprayer.setCellState(a, 'drain');
      expect(stateOf(after, a).every((s) => s === 'drain')).toBe(true);
      for (const b of others) expect(stateOf(after, b).every((s) => s === 'ready')).toBe(true);
      expect(sameRouting(after, await sut.sprayer.snapshot())).toBe(true);
    });

    it('keeps weights and affinity when draining', async () => {
      const [a] = sut.cells;
      const after = await sut.sprayer.setCellState(a, 'drain');
      expect(after.affinity).toEqual(initial.affinity);
      expect(after.servers.map((s) => s.weight)).toEqual(initial.servers.map((s) => s.weight));
    });

    it('is idempotent: setting a state already set changes nothing', async () => {
      const [a] = sut.cells;
      const first = await sut.sprayer.setCellState(a, 'maint');
      const second = await sut.sprayer.setCellState(a, 'maint');
      expect(sameRouting(first, second)).toBe(true);
      const ready = await sut.sprayer.setCellState(a, 'ready');
      expect(sameRouting(ready, initial)).toBe(true);
    });

    it('restores a snapshot exactly: states, weights and affinity entries', async () => {
      const [a] = sut.cells;
      const target: SprayerSnapshot = structuredClone(initial);
      // Servers of two cells where there are two; two servers of the one cell otherwise.
      const serverA = target.servers.find((s) => s.cell === a);
      const serverB = target.servers.find((s) => s.cell === (sut.cells[1] ?? a) && s !== serverA);
      if (!serverA || !serverB) throw new Error('cells without servers');
      serverA.state = 'drain';
      serverA.weight = 7;
      serverB.state = 'maint';
      const [firstClone] = Object.keys(target.affinity);
      target.affinity[firstClone as string] = serverB.name;
      target.affinity.contracttestclone = serverA.name;
      const restored = await sut.sprayer.restore(target);
      expect(sameRouting(restored, target)).toBe(true);
      const back = await sut.sprayer.restore(initial);
      expect(sameRouting(back, initial)).toBe(true);
      expect(back.affinity).not.toHaveProperty('contracttestclone');
    });

    it('reports connections per server', async () => {
      const connections = await sut.sprayer.connections();
      expect(connections.map((c) => c.server).sort()).toEqual(initial.servers.map((s) => s.name).sort());
      for (const c of connections) expect(c.currentConnections).toBeGreaterThanOrEqual(0);
    });

    it('sets several servers in one call, reads them back, and leaves the others as they were', async () => {
      const [first, second, ...rest] = initial.servers;
      if (!first || !second) throw new Error('the contract needs two sprayer servers');
      const after = await sut.sprayer.setServerStates({ [first.name]: 'drain', [second.name]: 'maint' });
      expect(after.servers.find((s) => s.name === first.name)?.state).toBe('drain');
      expect(after.servers.find((s) => s.name === second.name)?.state).toBe('maint');
      for (const other of rest) expect(after.servers.find((s) => s.name === other.name)?.state).toBe(other.state);
      expect(after.affinity).toEqual(initial.affinity);
      expect(sameRouting(after, await sut.sprayer.snapshot())).toBe(true);
    });

    it('switches new sessions from one half to the other in one call (an atomic edition switch)', async () => {
      const names = initial.servers.map((s) => s.name);
      const half = Math.ceil(names.length / 2);
      const [firstHalf, secondHalf] = [names.slice(0, half), names.slice(half)];
      const statesOf = (ready: string[], drain: string[]) => Object.fromEntries([...ready.map((n) => [n, 'ready']), ...drain.map((n) => [n, 'drain'])]);
      await sut.sprayer.setServerStates(statesOf(firstHalf, secondHalf));
      const after = await sut.sprayer.setServerStates(statesOf(secondHalf, firstHalf));
      expect(Object.fromEntries(after.servers.map((s) => [s.name, s.state]))).toEqual(statesOf(secondHalf, firstHalf));
    });

    it('is idempotent: servers already in their state are left alone, and an empty call changes nothing', async () => {
      const [first] = initial.servers;
      if (!first) throw new Error('no sprayer server');
      const once = await sut.sprayer.setServerStates({ [first.name]: 'maint' });
      const twice = await sut.sprayer.setServerStates({ [first.name]: 'maint' });
      expect(sameRouting(once, twice)).toBe(true);
      await sut.sprayer.setServerStates({ [first.name]: 'ready' });
      expect(sameRouting(await sut.sprayer.setServerStates({}), initial)).toBe(true);
    });

    it('refuses unknown server names, naming them and the known ones, without changing anything', async () => {
      const [first] = initial.servers;
      if (!first) throw new Error('no sprayer server');
      const call = sut.sprayer.setServerStates({ [first.name]: 'drain', NoSuchServer: 'drain' });
      await expect(call).rejects.toThrow(/NoSuchServer/);
      await expect(call).rejects.toThrow(new RegExp(first.name));
      expect(sameRouting(await sut.sprayer.snapshot(), initial)).toBe(true);
    });

    it('counts requests in flight per server: none when idle, one on the server holding a request, none once it is answered', async () => {
      const idle = await sut.sprayer.inFlight();
      expect(idle.map((c) => c.server).sort()).toEqual(initial.servers.map((s) => s.name).sort());
      for (const c of idle) expect(c.inFlight).toBe(0);
      for (const c of idle) expect(c.cell).toBe(initial.servers.find((s) => s.name === c.server)?.cell);
      const held = await sut.holdRequest();
      const during = await sut.sprayer.inFlight();
      expect(during.find((c) => c.server === held.server)?.inFlight).toBeGreaterThanOrEqual(1);
      expect(during.filter((c) => c.server !== held.server).every((c) => c.inFlight === 0)).toBe(true);
      await held.release();
      await waitFor(async () => (await sut.sprayer.inFlight()).every((c) => c.inFlight === 0), 5000, 'the request answered is still in flight at the sprayer');
    });

    it('refuses an unknown cell without changing anything', async () => {
      await expect(sut.sprayer.setCellState('no-such-cell', 'drain')).rejects.toThrow(/no-such-cell/);
      expect(sameRouting(await sut.sprayer.snapshot(), initial)).toBe(true);
    });

    it('fails every call with an error saying its admin side is unreachable, and works again once it is back', async () => {
      const [a] = sut.cells;
      await sut.cutAdmin();
      try {
        await expect(sut.sprayer.snapshot()).rejects.toThrow(/unreachable/);
        await expect(sut.sprayer.setCellState(a, 'drain')).rejects.toThrow(/unreachable/);
        await expect(sut.sprayer.restore(initial)).rejects.toThrow(/unreachable/);
        await expect(sut.sprayer.connections()).rejects.toThrow(/unreachable/);
        await expect(sut.sprayer.setServerStates({})).rejects.toThrow(/unreachable/);
        await expect(sut.sprayer.inFlight()).rejects.toThrow(/unreachable/);
      } finally {
        await sut.restoreAdmin();
      }
      expect(sameRouting(await sut.sprayer.snapshot(), initial)).toBe(true);
    });
  });
}
