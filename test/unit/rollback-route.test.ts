import { cellRollbackRoute, describeCellRoute } from '../../src/planning/rollback-route';

const ready = { X: 'ready', Y: 'ready', Z: 'ready' } as const;
const v = { from: '1.0', to: '1.1', app: 'userHitCount', virtualHost: 'prod_vhost' };

describe('the multi-cell rollback route', () => {
  it('holds the cells holding N+1 at once when a cell on N takes new sessions', () => {
    const route = cellRollbackRoute({ order: ['X', 'Y'], before: ready, tainted: ['X'], serving: [], reinstall: true });
    expect(route).toEqual({ routing: { X: 'drain', Y: 'ready' }, keep: [], repairs: [{ cell: 'X', hold: false }], stranded: [] });
  });

  it('keeps N+1 serving where every cell holds it, and brings N back one cell at a time in reverse order', () => {
    const route = cellRollbackRoute({ order: ['X', 'Y'], before: ready, tainted: ['X', 'Y'], serving: ['X', 'Y'], reinstall: true });
    expect(route.routing).toEqual({ X: 'ready', Y: 'ready' });
    expect(route.keep).toEqual(['X', 'Y']);
    expect(route.repairs).toEqual([{ cell: 'Y', hold: true }, { cell: 'X', hold: true }]);
    expect(describeCellRoute(route, v, ready)[0]).toBe('Restore routing: no cell runs 1.0 yet, so X, Y keep taking new sessions on 1.1');
  });

  it('repairs a cell that does not serve first, while the one serving N+1 keeps serving', () => {
    // Y was being installed (held, tainted) when the rollback came; X serves N+1.
    const route = cellRollbackRoute({ order: ['X', 'Y'], before: ready, tainted: ['X', 'Y'], serving: ['X'], reinstall: true });
    expect(route.routing).toEqual({ X: 'ready', Y: 'drain' });
    expect(route.repairs).toEqual([{ cell: 'Y', hold: false }, { cell: 'X', hold: true }]);
  });

  it('never takes the last serving cell out of routing: it is left for a person', () => {
    // Y did not take new sessions before the rollout; X is the only cell that ever serves.
    const route = cellRollbackRoute({ order: ['X', 'Y'], before: { X: 'ready', Y: 'drain' }, tainted: ['X', 'Y'], serving: ['X'], reinstall: true });
    expect(route.repairs).toEqual([{ cell: 'Y', hold: false }]);
    expect(route.stranded).toEqual(['X']);
    expect(describeCellRoute(route, v, { X: 'ready', Y: 'drain' }).at(-1)).toMatch(/^Cell X keeps 1\.1: no other cell takes new sessions/);
  });

  it('at every moment of the route some cell takes new sessions', () => {
    for (const serving of [[], ['X'], ['X', 'Y'], ['X', 'Y', 'Z']]) {
      const route = cellRollbackRoute({ order: ['X', 'Y', 'Z'], before: ready, tainted: ['X', 'Y', 'Z'].slice(0, Math.max(1, serving.length)), serving, reinstall: true });
      const states: Record<string, string> = { ...route.routing };
      expect(Object.values(states)).toContain('ready');
      for (const { cell, hold } of route.repairs) {
        if (hold) states[cell] = 'drain';
        expect(Object.values(states)).toContain('ready');
        states[cell] = 'ready';
      }
    }
  });

  it('without reinstalling, cells kept serving keep N+1 and say so', () => {
    const route = cellRollbackRoute({ order: ['X', 'Y'], before: ready, tainted: ['X', 'Y'], serving: ['X', 'Y'], reinstall: false });
    expect(route.repairs).toEqual([]);
    expect(describeCellRoute(route, v, ready)).toContain('X, Y keep 1.1: rollback.reinstallPrevious is false');
  });
});
