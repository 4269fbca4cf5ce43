import { applyReload, contextRootFor, expireQuiescing, failoverTarget, initialRouting, instanceKey, routeRequest, routingView, type LbRouting, type ServerRef } from '../../src/lab/lb-routing';
import { readLoadBalancerConfig } from '../../src/drivers/loadbalancer-xml';
import { labLoadBalancerXml } from '../../src/lab/lab';
import { relocateLabEstate } from '../../src/lab/relocate-estate';

/** Two clusters of two instances serving /user, and ClusterC serving /shop only. */
function xml(opts: { disabled?: string[]; timeout?: number; moduleADisabled?: boolean } = {}): string {
  const inst = (name: string, port: number) =>
    `<instance name="${name}" enabled="${opts.disabled?.includes(name) ? 'false' : 'true'}" disable-timeout-in-minutes="${opts.timeout ?? 2}" listeners="http://127.0.0.1:${port}"/>`;
  return `<loadbalancer name="lb">
  <cluster name="ClusterA">${inst('A1', 9381)}${inst('A2', 9382)}
    <web-module context-root="/user" enabled="${opts.moduleADisabled ? 'false' : 'true'}" disable-timeout-in-minutes="${opts.timeout ?? 2}"/>
    <health-checker url="/" interval-in-seconds="1" time-out-in-seconds="1"/>
  </cluster>
  <cluster name="ClusterB">${inst('B1', 9383)}${inst('B2', 9384)}<web-module context-root="/user"/></cluster>
  <cluster name="ClusterC">${inst('C1', 9385)}<web-module context-root="/shop"/></cluster>
  <property name="reload-poll-interval-in-seconds" value="1"/>
</loadbalancer>`;
}

const cloneIds = new Map<string, ServerRef>(
  [
    ['a1', 'A1', 9381],
    ['a2', 'A2', 9382],
    ['b1', 'B1', 9383],
    ['b2', 'B2', 9384],
    ['c1', 'C1', 9385],
  ].map(([clone, name, port]) => [clone as string, { name: name as string, listener: `http://127.0.0.1:${port as number}` }]),
);

/** One lab minute is 3 s. */
const minute = 3000;
const t0 = 1_000_000;

function start(text = xml()): LbRouting {
  return initialRouting(readLoadBalancerConfig(text), 3, cloneIds);
}

function reload(state: LbRouting, text: string, now: number): LbRouting {
  return applyReload(state, readLoadBalancerConfig(text), now).state;
}

const target = (state: LbRouting, path: string, cloneId: string | undefined, now: number): string => {
  const d = routeRequest(state, { path, ...(cloneId ? { cloneId } : {}) }, now);
  return d.kind === 'route' ? d.target.name : d.kind;
};

const newSessions = (state: LbRouting, n: number, now = t0, path = '/user/hit'): string[] => Array.from({ length: n }, () => target(state, path, undefined, now));

describe('the lab load balancer: routing by loadbalancer.xml (seed 004)', () => {
  it('sends unassigned requests round-robin over every enabled instance of the clusters serving the context root', () => {
    const state = start();
    expect(newSessions(state, 8)).toEqual(['A1', 'A2', 'B1', 'B2', 'A1', 'A2', 'B1', 'B2']);
    expect(newSessions(state, 2, t0, '/shop/cart')).toEqual(['C1', 'C1']);
    expect(target(state, '/other', undefined, t0)).toBe('no-route');
    // A clone ID the load balancer does not know is an unassigned request.
    expect(target(state, '/user/hit', 'zz', t0)).toBe('A1');
  });

  it('picks the longest context root that serves a path', () => {
    const config = readLoadBalancerConfig('<loadbalancer><cluster name="X"><web-module context-root="/"/><web-module context-root="/user"/></cluster></loadbalancer>');
    expect(contextRootFor(config, '/user/hit')).toBe('/user');
    expect(contextRootFor(config, '/users')).toBe('/');
  });

  it('keeps assigned requests on their instance', () => {
    const state = start();
    expect(target(state, '/user/hit', 'b2', t0)).toBe('B2');
    expect(target(state, '/user/hit', 'a1', t0)).toBe('A1');
  });

  it('disabling an instance sends new sessions away at once, keeps its sessions until the period ends, then fails them over within the cluster', () => {
    let state = start();
    state = reload(state, xml({ disabled: ['A1'] }), t0);
    expect(newSessions(state, 6)).toEqual(['A2', 'B1', 'B2', 'A2', 'B1', 'B2']);
    expect(target(state, '/user/hit', 'a1', t0 + 2 * minute - 1)).toBe('A1');
    expect(routingView(state, t0).instances.find((i) => i.name === 'A1')).toMatchObject({ state: 'quiescing', quiescingUntil: new Date(t0 + 2 * minute).toISOString() });
    expect(expireQuiescing(state, t0 + 2 * minute - 1)).toEqual([]);
    // Over: to A2, never to ClusterB.
    expect([1, 2, 3].map(() => target(state, '/user/hit', 'a1', t0 + 2 * minute))).toEqual(['A2', 'A2', 'A2']);
    expect(expireQuiescing(state, t0 + 2 * minute)).toEqual([{ kind: 'instance-quiesced', line: 'Instance: A1 quiesced successfully over the cluster: ClusterA' }]);
    expect(expireQuiescing(state, t0 + 3 * minute)).toEqual([]);
    expect(routingView(state, t0 + 3 * minute).instances.find((i) => i.name === 'A1')?.state).toBe('disabled');
  });

  it('makes sessions unassigned when their cluster has no enabled instance left', () => {
    let state = start();
    state = reload(state, xml({ disabled: ['A1', 'A2'] }), t0);
    expect(target(state, '/user/hit', 'a1', t0 + 1000)).toBe('A1');
    const after = t0 + 2 * minute;
    expect([target(state, '/user/hit', 'a1', after), target(state, '/user/hit', 'a2', after)]).toEqual(['B1', 'B2']);
  });

  it('restarts the quiescing of everything still quiescing on any file change', () => {
    let state = start();
    state = reload(state, xml({ disabled: ['A1'] }), t0);
    // Halfway through, another change to the file (B1 disabled): A1's period starts again then.
    const change = t0 + minute;
    state = reload(state, xml({ disabled: ['A1', 'B1'] }), change);
    expect(target(state, '/user/hit', 'a1', t0 + 2 * minute)).toBe('A1');
    expect(expireQuiescing(state, t0 + 2 * minute)).toEqual([]);
    expect(target(state, '/user/hit', 'a1', change + 2 * minute)).toBe('A2');
    expect(expireQuiescing(state, change + 2 * minute).map((e) => e.line)).toEqual([
      'Instance: A1 quiesced successfully over the cluster: ClusterA',
      'Instance: B1 quiesced successfully over the cluster: ClusterB',
    ]);
  });

  it("shortens a quiescing with the new file's timeout, counted from the reload (the seed's 10 + 5 minutes)", () => {
    let state = start();
    state = reload(state, xml({ disabled: ['A1'], timeout: 30 }), t0);
    state = reload(state, xml({ disabled: ['A1'], timeout: 5 }), t0 + 10 * minute);
    expect(target(state, '/user/hit', 'a1', t0 + 15 * minute - 1)).toBe('A1');
    expect(target(state, '/user/hit', 'a1', t0 + 15 * minute)).toBe('A2');
  });

  it('does not quiesce again what had quiesced before the change, and logs a period that ended before the reload', () => {
    let state = start();
    state = reload(state, xml({ disabled: ['A1'] }), t0);
    const { state: next, events } = applyReload(state, readLoadBalancerConfig(xml({ disabled: ['A1', 'B1'] })), t0 + 2 * minute);
    expect(events.map((e) => e.line)).toEqual(['Instance: A1 quiesced successfully over the cluster: ClusterA']);
    expect(routingView(next, t0 + 2 * minute).instances.filter((i) => i.state === 'quiescing').map((i) => i.name)).toEqual(['B1']);
  });

  it('cancels a quiescing when the instance is enabled again, without a log line', () => {
    let state = start();
    state = reload(state, xml({ disabled: ['A1'] }), t0);
    state = reload(state, xml(), t0 + 1000);
    expect(expireQuiescing(state, t0 + 10 * minute)).toEqual([]);
    expect(newSessions(state, 4)).toContain('A1');
  });

  it('counts what the first file disables as quiesced already', () => {
    const state = start(xml({ disabled: ['A1'] }));
    expect(target(state, '/user/hit', 'a1', t0)).toBe('A2');
    expect(expireQuiescing(state, t0 + 10 * minute)).toEqual([]);
  });

  it('quiesces a disabled web module per cluster: new sessions go to the other cluster, its sessions stay until the end, then leave it', () => {
    let state = start();
    state = reload(state, xml({ moduleADisabled: true }), t0);
    expect(newSessions(state, 4)).toEqual(['B1', 'B2', 'B1', 'B2']);
    expect(target(state, '/user/hit', 'a2', t0 + 2 * minute - 1)).toBe('A2');
    expect(routingView(state, t0).webModules.find((w) => w.cluster === 'ClusterA')?.state).toBe('quiescing');
    expect(target(state, '/user/hit', 'a2', t0 + 2 * minute)).toBe('B1');
    expect(expireQuiescing(state, t0 + 2 * minute).map((e) => e.line)).toEqual(['Application: /user quiesced successfully over the cluster ClusterA']);
  });

  it('takes an unhealthy instance out of routing for new and assigned requests, within its cluster', () => {
    const state = start();
    state.unhealthy.set(instanceKey('ClusterA', 'A1'), 'ECONNREFUSED');
    expect(newSessions(state, 3)).toEqual(['A2', 'B1', 'B2']);
    expect(target(state, '/user/hit', 'a1', t0)).toBe('A2');
    expect(routingView(state, t0).instances.find((i) => i.name === 'A1')).toMatchObject({ state: 'unhealthy', healthy: false, unhealthyReason: 'ECONNREFUSED' });
    // A reload keeps the verdict until the health checker changes it.
    const next = reload(state, xml(), t0 + 1);
    expect(next.unhealthy.has(instanceKey('ClusterA', 'A1'))).toBe(true);
    expect(failoverTarget(next, 'ClusterA', 'A2')).toBeUndefined();
    expect(target(next, '/user/hit', undefined, t0)).not.toBe('A1');
  });

  it('answers unavailable when no instance can take a new session', () => {
    let state = start();
    state = reload(state, xml({ disabled: ['A1', 'A2', 'B1', 'B2'] }), t0);
    expect(target(state, '/user/hit', undefined, t0)).toBe('unavailable');
  });
});

describe("the lab's starting loadbalancer.xml", () => {
  it('names every active cluster and server of lab-lb.json, reads back, and routes the lab app', () => {
    const estate = relocateLabEstate(0, '/tmp/x', 'lab-lb.json');
    const text = labLoadBalancerXml(estate);
    const config = readLoadBalancerConfig(text);
    expect(config.properties['reload-poll-interval-in-seconds']).toBe('1');
    expect(config.clusters.map((c) => [c.name, c.instances.map((i) => [i.name, i.enabled, i.disableTimeoutMinutes, i.listeners])])).toEqual([
      ['ClusterA', [['ServerA1', true, 2, ['http://127.0.0.1:9381']], ['ServerA2', true, 2, ['http://127.0.0.1:9382']]]],
      ['ClusterB', [['ServerB1', true, 2, ['http://127.0.0.1:9383']], ['ServerB2', true, 2, ['http://127.0.0.1:9384']]]],
    ]);
    expect(config.clusters[0]?.healthChecker).toEqual({ url: '/', intervalSeconds: 1, timeoutSeconds: 1 });
    expect(config.clusters[0]?.webModules).toEqual([{ contextRoot: '/user', enabled: true, disableTimeoutMinutes: 2 }]);
  });

  it('relocates the load balancers: ports shifted, file and log in the test folder', () => {
    const estate = relocateLabEstate(100, '/tmp/x', 'lab-lb.json');
    expect(estate.loadBalancers?.balancers.map((b) => [b.name, b.listen.port, b.file, b.log])).toEqual([
      ['lb1', 8480, { kind: 'local', path: '/tmp/x/lb1/loadbalancer.xml' }, '/tmp/x/lb1/lb.log'],
      ['lb2', 8481, { kind: 'local', path: '/tmp/x/lb2/loadbalancer.xml' }, '/tmp/x/lb2/lb.log'],
    ]);
  });
});
