/**
 * The contract every sprayer driver passes (DESIGN: one shared contract suite per driver kind).
 * Call `sprayerContract` from a test file with a factory that brings up a real sprayer.
 */
import { sameRouting, type SprayerDriver, type SprayerSnapshot } from '../../src/drivers/sprayer/sprayer';

/** A sprayer under test: the driver, two cells it fronts, and how to tear it down. */
export interface SprayerUnderTest {
  sprayer: SprayerDriver;
  /** Two cells with sprayer servers, both `ready` at the start. */
  cells: [string, string];
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
      const [a, b] = sut.cells;
      expect(stateOf(initial, a)).toEqual(expect.arrayContaining(['ready']));
      expect(stateOf(initial, b)).toEqual(expect.arrayContaining(['ready']));
      for (const server of initial.servers) expect(server.weight).toBeGreaterThanOrEqual(0);
      expect(Object.keys(initial.affinity).length).toBeGreaterThan(0);
      expect(new Set(Object.values(initial.affinity))).toEqual(new Set(initial.servers.map((s) => s.name)));
    });

    it('drains one cell only, and reads the change back', async () => {
      const [a, b] = sut.cells;
      const after = await sut.sprayer.setCellState(a, 'drain');
      expect(stateOf(after, a).every((s) => s === 'drain')).toBe(true);
      expect(stateOf(after, b).every((s) => s === 'ready')).toBe(true);
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
      const [a, b] = sut.cells;
      const target: SprayerSnapshot = structuredClone(initial);
      const serverA = target.servers.find((s) => s.cell === a);
      const serverB = target.servers.find((s) => s.cell === b);
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
      } finally {
        await sut.restoreAdmin();
      }
      expect(sameRouting(await sut.sprayer.snapshot(), initial)).toBe(true);
    });
  });
}
