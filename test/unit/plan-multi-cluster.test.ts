import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estateSchema, rolloutRequestSchema, type Estate, type Step } from '../../src/model';
import { planClusterOperation, planMultiCluster } from '../../src/planning';
import { lbRollbackRoute } from '../../src/planning/lb-rollback-route';
import { renderPlanText } from '../../src/planning/render';

const root = path.resolve(__dirname, '..', '..');
const estate = (): Estate => estateSchema.parse(JSON.parse(readFileSync(path.join(root, 'estates', 'lab-lb.json'), 'utf8')));
const request = (over: Record<string, unknown> = {}) =>
  rolloutRequestSchema.parse({ procedure: 'multiClusterUpgrade', app: 'userHitCount', fromVersion: '1.0', toVersion: '2.0', artifact: 'lab:2.0', estate: 'lab-lb', burnInSeconds: 30, ...over });
const ids = (steps: Step[]) => steps.map((s) => s.id);

describe('multi-cluster upgrade planner (seed 004)', () => {
  it("follows the seed: disable the whole cluster, wait out quiescing, in-flight, stop, upgrade, start, health-check, enable, burn in; a gate before the next", () => {
    const plan = planMultiCluster(request(), estate());
    expect(ids(plan.steps)).toEqual([
      'ClusterA.disable', 'ClusterA.quiesce', 'ClusterA.in-flight', 'ClusterA.stop', 'ClusterA.install', 'ClusterA.start', 'ClusterA.verify', 'ClusterA.enable', 'ClusterA.burn-in',
      'cluster-ClusterB.approval', 'ClusterB.disable', 'ClusterB.quiesce', 'ClusterB.in-flight', 'ClusterB.stop', 'ClusterB.install', 'ClusterB.start', 'ClusterB.verify', 'ClusterB.enable', 'ClusterB.burn-in',
    ]);
    expect(plan.steps[0]).toMatchObject({ kind: 'lbConfig', edits: [{ op: 'clusterInstances', cluster: 'ClusterA', enabled: false }] });
    // Every instance of a cluster together (the seed's caution), and the enable writes the starting file back.
    expect(plan.steps.find((s) => s.id === 'ClusterA.stop')).toMatchObject({ servers: ['ServerA1', 'ServerA2'] });
    expect(plan.steps.find((s) => s.id === 'ClusterA.enable')).toMatchObject({ edits: [] });
    expect(plan.steps.find((s) => s.id === 'ClusterA.quiesce')).toMatchObject({ kind: 'drain', quiescing: { cluster: 'ClusterA' } });
  });

  it('takes the clusters in the order asked, and refuses an order that leaves one out', () => {
    expect(planMultiCluster(request({ lb: { clusterOrder: ['ClusterB', 'ClusterA'] } }), estate()).steps[0]?.id).toBe('ClusterB.disable');
    expect(() => planMultiCluster(request({ lb: { clusterOrder: ['ClusterB'] } }), estate())).toThrow(/\$\.lb\.clusterOrder: leaves out ClusterA/);
  });

  it('shows each phase\'s rollback route: routing first, the upgraded cluster kept disabled while a cluster on N serves', () => {
    const text = renderPlanText(planMultiCluster(request(), estate()));
    expect(text).toContain('rollback during cluster-ClusterB (at its furthest point):');
    expect(text).toContain('Restore loadbalancer.xml on every load balancer');
  });

  it('the cluster operations follow the seed\'s steps', () => {
    const op = (operation: Record<string, unknown>) => ids(planClusterOperation(request({ procedure: 'clusterOperation', lb: { operation } }), estate()).steps);
    expect(op({ kind: 'reconfigureInstance', cluster: 'ClusterA', instance: 'ServerA1' })).toEqual(['instance.disable', 'instance.quiesce', 'instance.in-flight', 'instance.restart', 'instance.verify', 'instance.enable']);
    expect(op({ kind: 'redeployWebModule', cluster: 'ClusterB', contextRoot: '/user' })).toEqual(['web-module.disable', 'web-module.quiesce', 'web-module.in-flight', 'web-module.install', 'web-module.verify', 'web-module.enable']);
    expect(op({ kind: 'removeInstance', cluster: 'ClusterB', instance: 'ServerB2' })).toEqual(['instance.disable', 'instance.quiesce', 'instance.in-flight', 'instance.remove']);
    expect(op({ kind: 'removeCluster', cluster: 'ClusterB' })).toEqual(['cluster.disable', 'cluster.quiesce', 'cluster.in-flight', 'cluster.remove']);
    expect(() => op({ kind: 'removeInstance', cluster: 'ClusterB', instance: 'ServerA1' })).toThrow(/\$\.lb\.operation\.instance: ServerA1 is not an instance of ClusterB/);
  });

  it('refuses an estate without load balancers', () => {
    const e = estate();
    delete (e as { loadBalancers?: unknown }).loadBalancers;
    expect(() => planMultiCluster(request(), e)).toThrow(/\$\.estate\.loadBalancers/);
  });
});

describe('loadbalancer.xml rollback route', () => {
  it('while the second cluster quiesces: the first (on N+1) is disabled while its sessions end, the second (on N) as before', () => {
    const route = lbRollbackRoute({ order: ['A', 'B'], tainted: ['A'], serving: ['A'] });
    // B was never upgraded: it is on N and enabled again; A on N+1 is disabled while its sessions end.
    expect(route.routing).toEqual([{ op: 'clusterInstances', cluster: 'A', enabled: false }]);
    expect(route.repairs).toEqual([{ cluster: 'A', hold: false, after: [] }]);
  });

  it('when every cluster holds N+1, they keep serving until one is back on N', () => {
    const route = lbRollbackRoute({ order: ['A', 'B'], tainted: ['A', 'B'], serving: ['A', 'B'] });
    expect(route.routing).toEqual([]);
    expect(route.repairs.map((r) => [r.cluster, r.hold])).toEqual([['B', true], ['A', true]]);
  });
});
