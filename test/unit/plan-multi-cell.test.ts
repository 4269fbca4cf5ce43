import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estateSchema, rolloutRequestSchema, type Estate, type EstateInput } from '../../src/model';
import { planMultiCell, PlanningError } from '../../src/planning';

const root = path.resolve(__dirname, '..', '..');
const estateInput = (): EstateInput => JSON.parse(readFileSync(path.join(root, 'estates', 'lab-multi-cell.json'), 'utf8'));
const estate = (input: EstateInput = estateInput()): Estate => estateSchema.parse(input);
const request = (over: Record<string, unknown> = {}) =>
  rolloutRequestSchema.parse({ app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate: 'lab-multi-cell', burnInSeconds: 60, ...over });

describe('multi-cell planner', () => {
  it("produces the seed's two-cell order, step by step (002, B.1-C.7)", () => {
    const plan = planMultiCell(request(), estate());
    expect(plan.steps.map((s) => s.id)).toEqual([
      // B.1 route new sessions only to cell Y
      'X.stop-new-sessions',
      // B.2 let cell X drain
      'X.drain',
      // B.3 install N+1 on cell X
      'X.install',
      // B.4 test through the test VIP, then the production virtual host (with a restart)
      'X.smoke-test',
      'X.production-vhost',
      // C.1 new sessions to cell X, C.2 monitor it under production load
      'X.route-new-sessions',
      'X.burn-in',
      // Unknown is not zero: before the phase ends, ServerX1-3 must answer 1.1
      'cell-X.verify',
      // C.3 once you have confidence: stop new sessions to Y
      'cell-Y.approval',
      'Y.stop-new-sessions',
      // C.4 drain, C.5 install, C.6 test and production virtual host, C.7 route to Y
      'Y.drain',
      'Y.install',
      'Y.smoke-test',
      'Y.production-vhost',
      'Y.route-new-sessions',
      'Y.burn-in',
      // Before success, every server of both cells must answer 1.1
      'cell-Y.verify',
    ]);
  });

  it('carries the details each step needs', () => {
    const byId = new Map(planMultiCell(request(), estate()).steps.map((s) => [s.id, s]));
    expect(byId.get('X.stop-new-sessions')).toMatchObject({ kind: 'routeCell', cell: 'X', state: 'drain', disruptive: true });
    expect(byId.get('X.drain')).toMatchObject({ kind: 'drain', servers: ['ServerX1', 'ServerX2', 'ServerX3'], disruptive: false });
    expect(byId.get('X.install')).toMatchObject({ kind: 'install', clusters: ['ClusterX'], version: '1.1', artifact: 'lab:1.1', virtualHost: 'test_vhost' });
    expect(byId.get('X.smoke-test')).toMatchObject({ kind: 'smokeTest', urls: ['http://127.0.0.1:8102/user/hit'], expectVersion: '1.1' });
    expect(byId.get('X.production-vhost')).toMatchObject({ kind: 'switchVirtualHost', virtualHost: 'prod_vhost', restart: true });
    expect(byId.get('X.route-new-sessions')).toMatchObject({ kind: 'routeCell', state: 'ready' });
    expect(byId.get('X.burn-in')).toMatchObject({ kind: 'burnIn', seconds: 60 });
    expect(byId.get('cell-Y.approval')).toMatchObject({ kind: 'approval', gate: 'manual', phase: 'cell-Y' });
  });

  it('ends with every cell taking new sessions, and names the target', () => {
    const plan = planMultiCell(request(), estate());
    expect(plan.finalRouting).toEqual({ X: 'ready', Y: 'ready' });
    expect(plan.target).toBe('userHitCount@lab-multi-cell');
    expect(plan.capacity).toMatchObject({ checked: true, peakLoadRps: 150 });
  });

  it('generalises to three cells, with a gate before each later cell', () => {
    const input = estateInput();
    const z = structuredClone(input.cells[1]!);
    z.name = 'Z';
    z.clusters[0]!.name = 'ClusterZ';
    z.clusters[0]!.servers.forEach((s, i) => Object.assign(s, { name: `ServerZ${i + 1}`, cloneId: `zclone${i}`, port: 9281 + i }));
    input.cells.push(z);
    const plan = planMultiCell(request(), estate(input));
    expect(plan.steps.filter((s) => s.kind === 'approval').map((s) => s.id)).toEqual(['cell-Y.approval', 'cell-Z.approval']);
    expect(plan.steps.filter((s) => s.kind === 'routeCell').map((s) => `${s.id}`)).toHaveLength(6);
  });

  it('follows strategy.cellOrder', () => {
    const plan = planMultiCell(request({ strategy: { cellOrder: ['Y', 'X'] } }), estate());
    expect(plan.steps[0]?.id).toBe('Y.stop-new-sessions');
    expect(plan.steps.find((s) => s.kind === 'approval')?.phase).toBe('cell-X');
  });

  it('refuses a cellOrder that names an unknown cell', () => {
    expect(() => planMultiCell(request({ strategy: { cellOrder: ['X', 'Q'] } }), estate())).toThrow(/unknown cell\(s\) Q/);
  });

  it('makes gates automatic when the approval policy names no phase', () => {
    const plan = planMultiCell(request({ approvals: { phases: [] } }), estate());
    expect(plan.steps.find((s) => s.kind === 'approval')).toMatchObject({ gate: 'automatic' });
  });

  it('refuses, with the numbers, when the cells left open cannot carry the peak load', () => {
    const input = estateInput();
    input.peakLoadRps = 350;
    expect(() => planMultiCell(request(), estate(input))).toThrow(PlanningError);
    expect(() => planMultiCell(request(), estate(input))).toThrow(
      'capacity check failed: the site\'s peak load is 350 req/s, but with cell X out, the other cells carry 300 req/s; with cell Y out, the other cells carry 300 req/s',
    );
  });

  it('says plainly when capacity was not declared and so not checked', () => {
    const input = estateInput();
    delete input.peakLoadRps;
    expect(planMultiCell(request(), estate(input)).capacity).toEqual({ checked: false, phases: [], note: 'capacity not checked: the estate declares no peakLoadRps' });
  });

  it('refuses an estate with one cell or without a sprayer', () => {
    const one = estateInput();
    one.cells.pop();
    expect(() => planMultiCell(request(), estate(one))).toThrow(/at least 2 cells/);
    const noSprayer = estateInput();
    delete noSprayer.sprayer;
    expect(() => planMultiCell(request(), estate(noSprayer))).toThrow(/no `sprayer`/);
  });
});
