import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estateSchema, rolloutRequestSchema, type Estate, type EstateInput, type Step } from '../../src/model';
import { planJavaClient, planSingleCell, PlanningError } from '../../src/planning';

const root = path.resolve(__dirname, '..', '..');
const labInput = (): EstateInput => JSON.parse(readFileSync(path.join(root, 'estates', 'lab.json'), 'utf8'));

/** The seed's single cell: ClusterY moved into cell X beside ClusterX, one bank of HTTP servers. */
function singleCellInput(): EstateInput {
  const input = labInput() as unknown as { cells: { name: string; clusters: unknown[]; httpServers?: unknown[] }[] };
  const [x, y] = input.cells;
  x?.clusters.push(...(y?.clusters ?? []));
  input.cells = [x as (typeof input.cells)[number]];
  return input as unknown as EstateInput;
}
const estate = (input: EstateInput = singleCellInput()): Estate => estateSchema.parse(input);
const request = (over: Record<string, unknown> = {}) =>
  rolloutRequestSchema.parse({ app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate: 'lab', burnInSeconds: 60, ...over });
const byId = (steps: Step[], id: string) => steps.find((s) => s.id === id);

describe('single-cell planner', () => {
  it("follows the seed's steps A-F, one node first, then groups", () => {
    const plan = planSingleCell(request({ strategy: { firstGroupSize: 1, groupSize: 2 } }), estate());
    expect(plan.steps.map((s) => s.id)).toEqual([
      // B.1 install under test_vhost, regenerate plugin-cfg.xml and copy it out; B.2 start and test
      'B.install', 'B.plugin-cfg', 'B.start', 'B.smoke-test', 'test.verify',
      'transition.approval',
      // D.1 production virtual host, D.2/D.3 the transition file: one node first, a burn-in, a gate, then the rest
      'D.production-vhost', 'D.group-1', 'D.burn-in', 'transition.verify', 'remaining.approval', 'D.group-2',
      // F: drain version N, stop it, the N+1 cluster's own file; every phase ends with the N+1 servers checked
      'F.drain', 'F.stop', 'F.plugin-cfg', 'remaining.verify',
    ]);
    expect(plan.clusters).toEqual({ active: 'ClusterX', incoming: 'ClusterY' });
    expect(byId(plan.steps, 'B.install')).toMatchObject({ clusters: ['ClusterY'], virtualHost: 'test_vhost', version: '1.1' });
    // The transition node of ServerY1 is node1: ServerX1 stops taking new sessions with it.
    expect(byId(plan.steps, 'D.group-1')).toMatchObject({ stage: 'transition', moved: ['ServerY1'], drained: ['ServerX1'], cells: ['X'] });
    // The last group moves everyone and takes every version-N server out of new-session routing (Listing 3).
    expect(byId(plan.steps, 'D.group-2')).toMatchObject({ moved: ['ServerY1', 'ServerY2', 'ServerY3'], drained: ['ServerX1', 'ServerX2', 'ServerX3'] });
    expect(byId(plan.steps, 'F.drain')).toMatchObject({ servers: ['ServerX1', 'ServerX2', 'ServerX3'], measure: 'sessions' });
    expect(byId(plan.steps, 'F.plugin-cfg')).toMatchObject({ stage: 'final' });
  });

  it('starts only the named test servers first, and the rest before the transition', () => {
    const plan = planSingleCell(request({ strategy: { testServers: ['ServerY2'] } }), estate());
    expect(byId(plan.steps, 'B.start')).toMatchObject({ action: 'start', servers: ['ServerY2'] });
    expect(byId(plan.steps, 'D.start')).toMatchObject({ action: 'start', servers: ['ServerY1', 'ServerY3'] });
  });

  it('covers the dormant-cell variation: the file is merged from both cells', () => {
    const plan = planSingleCell(request({ strategy: { dormantCell: 'Y' } }), estate(labInput()));
    expect(byId(plan.steps, 'B.plugin-cfg')).toMatchObject({ cells: ['X', 'Y'], active: 'ClusterX', incoming: 'ClusterY' });
    // Two node agents per machine in this variation: 3 x 512 MiB heaps... per node: two servers + two agents.
    expect(plan.capacity.nodes).toEqual(['node1', 'node2', 'node3'].map((node) => ({ node, neededMb: 512 + 512 + 2 * 256, memoryMb: 2048 })));
  });

  it('asks for dormantCell when the dormant cluster has a cell of its own', () => {
    expect(() => planSingleCell(request(), estate(labInput()))).toThrow(/\$\.strategy\.dormantCell/);
  });

  it('refuses when the nodes cannot hold both clusters at once, with the numbers', () => {
    const input = singleCellInput() as unknown as { nodes: { memoryMb: number }[] };
    input.nodes.forEach((n) => (n.memoryMb = 1000));
    expect(() => planSingleCell(request(), estate(input as unknown as EstateInput))).toThrow(new PlanningError('capacity check failed: both clusters run at once during the transition; node node1 needs 1280 MiB for all its JVMs at once but has 1000 MiB; node node2 needs 1280 MiB for all its JVMs at once but has 1000 MiB; node node3 needs 1280 MiB for all its JVMs at once but has 1000 MiB'));
  });

  it('refuses a group that leaves too little capacity for new sessions', () => {
    const input = singleCellInput() as unknown as { peakLoadRps: number };
    input.peakLoadRps = 250;
    // All at once: ClusterX at weight 0 and 3 x 100 req/s on ClusterY is fine; one node first too (2 x X + 1 x Y).
    expect(planSingleCell(request(), estate(input as unknown as EstateInput)).capacity.phases).toEqual([
      { cell: 'group-1', remainingCapacityRps: 300 },
      { cell: 'group-2', remainingCapacityRps: 300 },
    ]);
    input.peakLoadRps = 350;
    expect(() => planSingleCell(request(), estate(input as unknown as EstateInput))).toThrow(/peak load is 350 req\/s, but after group-1 the servers taking new sessions carry 300 req\/s/);
  });

  it('says plainly what it could not check', () => {
    const input = singleCellInput() as unknown as { nodes?: unknown; peakLoadRps?: number };
    delete input.nodes;
    delete input.peakLoadRps;
    const plan = planSingleCell(request(), estate(input as unknown as EstateInput));
    expect(plan.capacity).toMatchObject({ checked: false, note: 'memory not checked: the estate declares no nodes; load not checked: the estate declares no peakLoadRps' });
  });
});

describe('Java-client planner', () => {
  it("follows the seed's steps A-D: test bindings, then both bindings at once, restart, quiet, stop", () => {
    const plan = planJavaClient(request(), estate());
    expect(plan.steps.map((s) => s.id)).toEqual(['B.install', 'B.start', 'B.test-clients', 'test.verify', 'switch.approval', 'C.bindings', 'C.restart', 'C.quiet', 'D.stop', 'switch.verify']);
    expect(byId(plan.steps, 'C.bindings')).toMatchObject({ kind: 'switchBindings', cluster: 'ClusterY' });
    expect(byId(plan.steps, 'C.restart')).toMatchObject({ action: 'restart', servers: ['ServerY1', 'ServerY2', 'ServerY3'] });
    expect(byId(plan.steps, 'C.quiet')).toMatchObject({ kind: 'drain', measure: 'connections', servers: ['ServerX1', 'ServerX2', 'ServerX3'] });
    expect(byId(plan.steps, 'D.stop')).toMatchObject({ action: 'stop', servers: ['ServerX1', 'ServerX2', 'ServerX3'] });
  });

  it('refuses an estate whose bindings have no value for the incoming cluster', () => {
    const input = singleCellInput() as unknown as { naming: { bindings: { kind: string; valueByCluster?: Record<string, string> }[] } };
    const s = input.naming.bindings.find((b) => b.kind === 'string');
    delete s?.valueByCluster?.ClusterY;
    expect(() => planJavaClient(request(), estate(input as unknown as EstateInput))).toThrow(/needs a value for ClusterY/);
  });
});
