import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estateSchema, rolloutRequestSchema, type Estate, type Step } from '../../src/model';
import { planRollingUpgrade, planRollout, planVersionedRollingUpgrade } from '../../src/planning';
import { renderPlanText } from '../../src/planning/render';

const root = path.resolve(__dirname, '..', '..');

/** A GlassFish-shaped estate: lab-edition's members as three instances of one deployment group, driven by asadmin. */
function estate(over: (e: Record<string, unknown>) => void = () => undefined): Estate {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON fixture edited in place
  const e = JSON.parse(readFileSync(path.join(root, "estates", "lab-edition.json"), "utf8")) as Record<string, any>;
  const cluster = e.cells[0].clusters[0];
  cluster.name = 'dg1';
  cluster.servers = cluster.servers.slice(0, 3).map((s: Record<string, unknown>, i: number) => ({ ...s, name: `instance${i + 1}`, cloneId: `instance${i + 1}` }));
  delete cluster.resources;
  e.cells[0].clusters = [cluster];
  e.appServer = { driver: 'asadmin', adminUrl: 'http://127.0.0.1:4848' };
  e.sprayer = { ...e.sprayer, cloneIdSeparator: '.' };
  delete e.sprayer.testListen;
  delete e.naming;
  over(e);
  return estateSchema.parse(e);
}

const request = (procedure: string, over: Record<string, unknown> = {}) =>
  rolloutRequestSchema.parse({ procedure, app: 'myApp', fromVersion: '1.0', toVersion: '1.1', artifact: '/wars/myApp-1.1.war', rollback: { previousArtifact: '/wars/myApp-1.0.war' }, estate: 'lab-payara', burnInSeconds: 0, ...over });
const ids = (steps: Step[]) => steps.map((s) => s.id);

describe('versioned rolling upgrade planner (seed 001)', () => {
  it('deploys N+1 disabled, then per instance: quiesce, drain, out, in-flight, switch, give back; a gate after the first instance', () => {
    const plan = planVersionedRollingUpgrade(request('versionedRollingUpgrade'), estate());
    const per = (i: string) => [`instance-${i}.leave`, `instance-${i}.drain`, `instance-${i}.out`, `instance-${i}.quiesce`, `instance-${i}.switch`, `instance-${i}.enable`];
    expect(ids(plan.steps)).toEqual(['deploy.disabled', ...per('instance1'), 'instance-instance2.approval', ...per('instance2'), ...per('instance3')]);
    expect(plan.steps[0]).toMatchObject({ kind: 'deployVersion', cluster: 'dg1', version: '1.1', enabled: false, versioned: true, contextRoot: '/user' });
    expect(plan.steps.find((s) => s.id === 'instance-instance1.switch')).toMatchObject({ kind: 'switchVersion', instance: 'instance1', version: '1.1' });
    expect(plan.firstGroupPhase).toBe('instance-instance1');
    // N stays deployed: the rollback enables it again, so no previous artifact is needed.
    expect(() => rolloutRequestSchema.parse({ procedure: 'versionedRollingUpgrade', app: 'myApp', fromVersion: '1.0', toVersion: '1.1', artifact: '/wars/myApp-1.1.war', estate: 'x' })).not.toThrow();
  });

  it('takes the instances in the order asked and refuses an order that is not the cluster', () => {
    const plan = planVersionedRollingUpgrade(request('versionedRollingUpgrade', { glassfish: { instanceOrder: ['instance3', 'instance1', 'instance2'] } }), estate());
    expect(plan.steps[1]?.id).toBe('instance-instance3.leave');
    expect(() => planVersionedRollingUpgrade(request('versionedRollingUpgrade', { glassfish: { instanceOrder: ['instance3', 'instanceX'] } }), estate())).toThrow(/\$\.glassfish\.instanceOrder: instanceX is not an instance of dg1/);
    expect(() => planVersionedRollingUpgrade(request('versionedRollingUpgrade', { glassfish: { instanceOrder: ['instance3', 'instance1'] } }), estate())).toThrow(/missing instance2/);
  });

  it('refuses estates it cannot work on, naming the path', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON fixtures edited in place
    expect(() => planVersionedRollingUpgrade(request('versionedRollingUpgrade'), estate((e: Record<string, any>) => (e.appServer = { driver: 'wsadmin', command: ['wsadmin.sh'] })))).toThrow(/\$\.estate\.appServer\.driver/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON fixtures edited in place
    expect(() => planVersionedRollingUpgrade(request('versionedRollingUpgrade'), estate((e: Record<string, any>) => (e.sprayer.routes = 'cells')))).toThrow(/\$\.estate\.sprayer\.routes/);
    expect(() => planVersionedRollingUpgrade(request('versionedRollingUpgrade', { glassfish: { cluster: 'nope' } }), estate())).toThrow(/\$\.glassfish\.cluster: no active cluster nope/);
  });
});

describe('rolling upgrade planner (seed 000)', () => {
  it("follows the seed's numbered steps, with the session store kept across each restart", () => {
    const plan = planRollingUpgrade(request('rollingUpgrade'), estate());
    const per = (i: string) => [`instance-${i}.leave`, `instance-${i}.drain`, `instance-${i}.disable`, `instance-${i}.quiesce`, `instance-${i}.backup`, `instance-${i}.stop`, `instance-${i}.start`, `instance-${i}.restore`, `instance-${i}.enable`, `instance-${i}.reconcile`];
    expect(ids(plan.steps)).toEqual(['prepare.dynamic-reconfig-off', 'prepare.redeploy', ...per('instance1'), 'instance-instance2.approval', ...per('instance2'), ...per('instance3'), 'instance-instance3.dynamic-reconfig-on']);
    expect(plan.steps[1]).toMatchObject({ kind: 'deployVersion', versioned: false, enabled: true });
    const titles = plan.steps.map((s) => s.title.split(' ')[0]);
    expect(titles.slice(0, 12)).toEqual(['2.', '3.', '4.', '4.', '4.', '4.', '5.', '6.', '7.', '8.', '9.', '10.']);
    // HAProxy cannot hand a live session over: active users finish on the instance for a bounded while first.
    expect(plan.steps.find((s) => s.id === 'instance-instance1.drain')).toMatchObject({ kind: 'drain', interval: { seconds: 60, full: false } });
    expect(plan.steps.find((s) => s.id === 'instance-instance1.enable')?.title).toContain("load-increase-factor 1");
  });

  it('drains each instance before its stop when the sessions cannot be kept, and says so', () => {
    const plan = planRollingUpgrade(request('rollingUpgrade', { glassfish: { sessions: 'drain', rampUpSeconds: 20 } }), estate());
    const first = plan.steps.filter((s) => s.phase === 'instance-instance1').map((s) => s.id);
    expect(first).toEqual(['instance-instance1.leave', 'instance-instance1.drain', 'instance-instance1.out', 'instance-instance1.quiesce', 'instance-instance1.stop', 'instance-instance1.start', 'instance-instance1.enable']);
    expect(plan.steps.find((s) => s.id === 'instance-instance1.enable')).toMatchObject({ rampUpSeconds: 20 });
    expect(renderPlanText(plan)).toContain('Wait for the sessions on instance1 to end');
  });

  it('needs the previous artifact to redeploy N on rollback', () => {
    expect(() => rolloutRequestSchema.parse({ procedure: 'rollingUpgrade', app: 'myApp', fromVersion: '1.0', toVersion: '1.1', artifact: '/wars/myApp-1.1.war', estate: 'x' })).toThrow(/previousArtifact/);
  });
});

describe('the README examples on the Payara lab estate', () => {
  it.each(['versioned-rolling-upgrade.json', 'rolling-upgrade.json'])('%s plans on estates/lab-payara.json', (file) => {
    const req = rolloutRequestSchema.parse(JSON.parse(readFileSync(path.join(root, 'examples', file), 'utf8')));
    const lab = estateSchema.parse(JSON.parse(readFileSync(path.join(root, 'estates', 'lab-payara.json'), 'utf8')));
    const plan = planRollout(req.procedure ?? 'multiCellRollout', req, lab);
    expect(plan.steps.filter((s) => s.kind === 'enableInstance').map((s) => (s.kind === 'enableInstance' ? s.instance : ''))).toEqual(['instance1', 'instance2', 'instance3']);
  });
});
