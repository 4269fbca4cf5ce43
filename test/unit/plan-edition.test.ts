import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estateSchema, rolloutRequestSchema, validateRequest, type Estate, type EstateInput, type Step } from '../../src/model';
import { planEdition, PlanningError } from '../../src/planning';
import { editionRollbackRoute } from '../../src/planning/edition-rollback-route';
import { renderPlanText } from '../../src/planning/render';

const root = path.resolve(__dirname, '..', '..');
const editionInput = (): EstateInput => JSON.parse(readFileSync(path.join(root, 'estates', 'lab-edition.json'), 'utf8'));
const estate = (input: EstateInput = editionInput()): Estate => estateSchema.parse(input);
const request = (edition: Record<string, unknown> = {}, over: Record<string, unknown> = {}) =>
  rolloutRequestSchema.parse({ procedure: 'editionRollout', app: 'userHitCount', fromVersion: '1.0', toVersion: '2.0', artifact: 'lab:2.0', estate: 'lab-edition', burnInSeconds: 0, edition, ...over });
const byId = (steps: Step[], id: string) => steps.find((s) => s.id === id);
const members = (n: number) => Array.from({ length: n }, (_, i) => `ServerE${i + 1}`);

/** The lab estate cut down to its first `n` members. */
function withMembers(n: number, peak?: number): Estate {
  const input = editionInput() as unknown as { cells: { clusters: { servers: unknown[] }[] }[]; peakLoadRps?: number };
  const cluster = input.cells[0]?.clusters[0];
  if (cluster) cluster.servers = cluster.servers.slice(0, n);
  if (peak !== undefined) input.peakLoadRps = peak;
  return estate(input as unknown as EstateInput);
}

describe('edition planner (seed 003)', () => {
  it('atomic: the first half leaves, drains, quiesces, resets and is checked; then one router change switches halves', () => {
    const plan = planEdition(request({ rolloutType: 'atomic' }), estate());
    expect(plan.steps.map((s) => s.id)).toEqual([
      'first-half.leave', 'first-half.drain', 'first-half.quiesce-router', 'first-half.quiesce-server', 'first-half.reset',
      'second-half.approval', 'second-half.switch', 'second-half.burn-in',
      'second-half.drain', 'second-half.quiesce-router', 'second-half.quiesce-server', 'second-half.reset', 'second-half.route',
    ]);
    expect(byId(plan.steps, 'first-half.leave')).toMatchObject({ states: { ServerE1: 'drain', ServerE2: 'drain', ServerE3: 'drain' } });
    // One change: the first half takes new sessions exactly when the second stops; never both editions at once.
    expect(byId(plan.steps, 'second-half.switch')).toMatchObject({ states: { ServerE1: 'ready', ServerE2: 'ready', ServerE3: 'ready', ServerE4: 'drain', ServerE5: 'drain', ServerE6: 'drain' } });
    expect(byId(plan.steps, 'first-half.reset')).toMatchObject({ reset: 'soft', group: 1, version: '2.0', servers: ['ServerE1', 'ServerE2', 'ServerE3'] });
    expect(byId(plan.steps, 'second-half.reset')).toMatchObject({ group: 2 });
    expect(byId(plan.steps, 'first-half.quiesce-router')).toMatchObject({ at: 'router', limitSeconds: 60 });
    expect(byId(plan.steps, 'first-half.quiesce-server')).toMatchObject({ at: 'server', limitSeconds: 60 });
    expect(plan.firstGroupPhase).toBe('first-half');
  });

  it('atomic on a single member skips the second half', () => {
    const plan = planEdition(request({ rolloutType: 'atomic' }), withMembers(1, 50));
    expect(plan.steps.map((s) => s.phase)).not.toContain('second-half');
    expect(plan.steps.at(-1)).toMatchObject({ kind: 'routeMembers', states: { ServerE1: 'ready' } });
  });

  it('grouped: groups of groupSize; after the first group every new session goes to N+1 and the N members drain', () => {
    const plan = planEdition(request({ rolloutType: 'grouped', groupSize: 2, reset: 'hard' }), estate());
    expect([...new Set(plan.steps.map((s) => s.phase))]).toEqual(['group-1', 'group-2', 'group-3']);
    expect(byId(plan.steps, 'group-1.switch')).toMatchObject({ states: { ServerE1: 'ready', ServerE2: 'ready', ServerE3: 'drain', ServerE4: 'drain', ServerE5: 'drain', ServerE6: 'drain' } });
    expect(byId(plan.steps, 'group-2.route')).toMatchObject({ states: { ServerE3: 'ready', ServerE4: 'ready' } });
    // Hard reset: the server's own quiesce is 180 s.
    expect(byId(plan.steps, 'group-1.quiesce-server')).toMatchObject({ limitSeconds: 180 });
    expect(byId(plan.steps, 'group-2.approval')).toBeDefined();
  });

  it('groupSize defaults to 1, as the seed says group rollout in groups of one is most typical', () => {
    const plan = planEdition(request({}), estate());
    expect(plan.steps.filter((s) => s.kind === 'resetMembers').map((s) => (s as { servers: string[] }).servers)).toEqual(members(6).map((m) => [m]));
  });

  it('the drainage interval: 0 waits for the sessions; above 0 bounds the wait; full waits the whole interval', () => {
    expect(byId(planEdition(request({ drainageIntervalSeconds: 0 }), estate()).steps, 'group-1.drain')).not.toHaveProperty('interval');
    expect(byId(planEdition(request({ drainageIntervalSeconds: 30 }), estate()).steps, 'group-1.drain')).toMatchObject({ interval: { seconds: 30, full: false } });
    expect(byId(planEdition(request({ drainageIntervalSeconds: 30, fullDrainageInterval: true }), estate()).steps, 'group-1.drain')).toMatchObject({ interval: { seconds: 30, full: true } });
  });

  it('quiesce limits can be set, and a zero limit drops the wait', () => {
    const plan = planEdition(request({ routerQuiesceSeconds: 0, serverQuiesceSeconds: 5 }), estate());
    expect(byId(plan.steps, 'group-1.quiesce-router')).toBeUndefined();
    expect(byId(plan.steps, 'group-1.quiesce-server')).toMatchObject({ limitSeconds: 5 });
  });

  it('the capacity check refuses with the numbers: atomic needs half the cluster to carry the peak', () => {
    expect(() => planEdition(request({ rolloutType: 'atomic' }), withMembers(6, 350))).toThrow(/declared peak is 350 req\/s.*while first-half resets, only ServerE4, ServerE5, ServerE6 take new sessions: 300 req\/s/);
    expect(() => planEdition(request({ rolloutType: 'atomic' }), withMembers(6, 300))).not.toThrow();
  });

  it('the capacity check for grouped: the N+1 members after each group must carry the peak', () => {
    expect(() => planEdition(request({ groupSize: 1 }), withMembers(6, 150))).toThrow(PlanningError);
    expect(() => planEdition(request({ groupSize: 1 }), withMembers(6, 150))).toThrow(/after group-1, only ServerE1 take new sessions: 100 req\/s/);
    expect(planEdition(request({ groupSize: 2 }), withMembers(6, 150)).capacity).toMatchObject({ checked: true, peakLoadRps: 150 });
  });

  it("prints the seed's duration estimate beside turnout's, from the same inputs", () => {
    const plan = planEdition(request({ rolloutType: 'grouped', groupSize: 2, drainageIntervalSeconds: 120, sessionSeconds: 40, reset: 'soft', resetSeconds: 20 }), estate());
    // Seed 003: groups × (drainage interval + ~5 min quiesce + ~10 min restarts).
    expect(plan.estimate).toMatchObject({ groups: 3, seedSeconds: 3 * (120 + 300 + 600), turnoutSeconds: 3 * (40 + 2 + 20) });
    const text = renderPlanText(plan);
    expect(text).toContain("seed 003's formula: 51m 00s");
    expect(text).toContain('turnout:            3m 06s');
  });

  it('validation mode: N+1 on the clone under -validation bindings, the test route, a person ends it; then the clone goes', () => {
    const plan = planEdition(request({ rolloutType: 'atomic', validation: { clone: 'ClusterV' } }), estate());
    expect(plan.steps.slice(0, 5).map((s) => s.id)).toEqual(['validation.install', 'validation.start', 'validation.bindings', 'validation.smoke-test', 'validation.approval']);
    expect(byId(plan.steps, 'validation.approval')).toMatchObject({ gate: 'manual' });
    expect(byId(plan.steps, 'validation.smoke-test')).toMatchObject({ urls: ['http://127.0.0.1:8081/user/hit'] });
    expect(plan.steps.slice(-2).map((s) => s.id)).toEqual(['validation.remove', 'validation.promote']);
    // The first group stays the first group: its failure still rolls back.
    expect(plan.firstGroupPhase).toBe('first-half');
  });

  it('refuses one group of the whole cluster: nobody would take new sessions while it resets', () => {
    expect(() => planEdition(request({ groupSize: 6 }), estate())).toThrow(/\$\.edition\.groupSize: one group of all 6 members/);
  });

  it('refuses what cannot work, by JSON path', () => {
    expect(() => planEdition(request({ validation: { clone: 'ClusterE' } }), estate())).toThrow(/\$\.edition\.validation\.clone: ClusterE is active/);
    expect(() => planEdition(request({ cluster: 'Nope' }), estate())).toThrow(/\$\.edition\.cluster: no cluster Nope.*ClusterE, ClusterV/);
    const cells = editionInput() as unknown as { sprayer: { routes: string } };
    cells.sprayer.routes = 'cells';
    expect(() => planEdition(request({}), estate(cells as unknown as EstateInput))).toThrow(/\$\.estate\.sprayer\.routes/);
  });

  it('refuses an atomic rollout with a groupSize, and a full interval of 0, as bad input', () => {
    const bad = validateRequest({ app: 'a', fromVersion: '1', toVersion: '2', artifact: 'lab:2', estate: 'lab-edition', edition: { rolloutType: 'atomic', groupSize: 2 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.path)).toContain('$.edition.groupSize');
    const full = validateRequest({ app: 'a', fromVersion: '1', toVersion: '2', artifact: 'lab:2', estate: 'lab-edition', edition: { fullDrainageInterval: true } });
    expect(full.ok).toBe(false);
  });
});

describe('edition rollback route', () => {
  const groups = [
    { phase: 'group-1', members: ['E1'] },
    { phase: 'group-2', members: ['E2'] },
    { phase: 'group-3', members: ['E3'] },
  ];
  const before = { E1: 'ready', E2: 'ready', E3: 'ready' } as const;

  it('a first-group failure: routing goes back to the start, the group drains and resets to N', () => {
    const route = editionRollbackRoute({ groups, before, tainted: ['group-1'], serving: [] });
    expect(route.routing).toEqual({ E1: 'drain', E2: 'ready', E3: 'ready' });
    expect(route.repairs).toEqual([{ phase: 'group-1', members: ['E1'], hold: false, states: { E1: 'ready' } }]);
  });

  it('in the middle of the second group: members on N take new sessions again, N+1 groups drain, in reverse order', () => {
    const route = editionRollbackRoute({ groups, before, tainted: ['group-1', 'group-2'], serving: ['group-1'] });
    expect(route.routing).toEqual({ E1: 'drain', E2: 'drain', E3: 'ready' });
    expect(route.repairs.map((r) => r.phase)).toEqual(['group-2', 'group-1']);
  });

  it('when every member holds N+1, N+1 keeps serving until one group is back on N', () => {
    const route = editionRollbackRoute({ groups, before, tainted: ['group-1', 'group-2', 'group-3'], serving: ['group-1', 'group-2', 'group-3'] });
    expect(route.routing).toEqual({ E1: 'ready', E2: 'ready', E3: 'ready' });
    expect(route.repairs.map((r) => [r.phase, r.hold])).toEqual([['group-3', true], ['group-2', true], ['group-1', true]]);
  });

  it('the validation clone goes last, and only what was done is undone', () => {
    expect(editionRollbackRoute({ groups, before, tainted: [], serving: [], clone: { members: ['V1'], started: true, bound: false } }).clone).toEqual({ stop: ['V1'], unbind: false });
    expect(editionRollbackRoute({ groups, before, tainted: [], serving: [], clone: { members: [], started: false, bound: false } }).clone).toBeUndefined();
  });
});
