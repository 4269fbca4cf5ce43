/**
 * The GlassFish rolling upgrades end to end on real Payara (seeds 001 and 000): the real dev server,
 * the bundled workflows, real HAProxy in front of three instances of one deployment group, and
 * session-aware load at 20 req/s through it for the whole of every scenario. Defined here, run by
 * `payara.test.ts`, which starts the domain once for every Payara suite.
 *
 * The scenarios share the one domain and run in order, each starting where the last left it: the
 * versioned ones move `myApp:1.0` on, the in-place ones first redeploy the application unversioned.
 */
import http from 'node:http';
import type { Client } from '@temporalio/client';
import { requestRollbackUpdate } from '../../../workflows/messages';
import type { Estate } from '../../../src/model';
import type { GlassfishAppServerDriver } from '../../../src/drivers/app-server/app-server';
import type { SprayerSnapshot } from '../../../src/drivers/sprayer/sprayer';
import { expectCleanLoad, expectRoutingRestoredFirst, loadFigures, recordHistory, startLoad, stopAllLoad, terminateLeftovers, track, waitForStatus } from '../../support/rollout-harness';
import { eventIndex, stepStarts } from '../../support/edition';
import { appServersOf, expectAppServersAsAt } from '../../support/app-servers';
import { testClient, uniqueTaskQueue } from '../../support/temporal';
import { kill9, startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import { rolloutOutcome } from '../../../src/cli/rollout-outcome';

/** The running Payara lab, as the scenarios use it. */
export interface PayaraUnderTest {
  estate: Estate;
  dir: string;
  driver: GlassfishAppServerDriver;
  routing(): Promise<SprayerSnapshot>;
  /** The lab war of `version` (a broken one fails to start; sessions idle out after `sessionIdleSeconds`), built once. */
  war(version: string, opts?: { broken?: boolean; sessionIdleSeconds?: number }): Promise<string>;
  /** Runs `fn` while an in-process worker with the real activities polls a fresh task queue. */
  withWorker<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T>;
}

const rate = 20;
/** Sessions of the in-place versions outlive an instance's restart (about a minute here), so the store has something to keep. */
const storedSessionSeconds = 180;
const instances = ['instance1', 'instance2', 'instance3'];

const routingOf = (s: SprayerSnapshot) => s.servers.map(({ name, state, weight }) => ({ name, state, weight }));

/** A request for the Payara lab: no gates unless asked, short waits. */
async function glassfishRequest(sut: PayaraUnderTest, procedure: string, from: string, to: string, over: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const { estate } = sut;
  const idle = procedure === 'rollingUpgrade' ? { sessionIdleSeconds: storedSessionSeconds } : {};
  return {
    procedure,
    app: estate.lab?.app ?? 'myApp',
    fromVersion: from,
    toVersion: to,
    artifact: await sut.war(to, { broken: over.broken === true, ...idle }),
    estate,
    approvals: { phases: [], timeoutSeconds: 3600, onTimeout: 'wait' },
    drain: { pollIntervalSeconds: 1, maxWaitSeconds: 90, sessionThreshold: 0, onTimeout: 'fail' },
    burnInSeconds: 0,
    rollback: { previousArtifact: await sut.war(from, idle) },
    glassfish: { inFlightSeconds: 3, checkSeconds: 60 },
    startedBy: 'release-bot',
    ...Object.fromEntries(Object.entries(over).filter(([k]) => k !== 'broken')),
  };
}

/** Each instance's enabled versions and answer, from domain.xml and its own port. */
async function instanceStates(sut: PayaraUnderTest): Promise<Record<string, { enabled: string[]; serving: string | null }>> {
  const read = await sut.driver.instanceVersions(sut.estate.lab?.app ?? 'myApp', instances);
  return Object.fromEntries(read.map((r) => [r.name, { enabled: [...r.enabled].sort(), serving: r.serving }]));
}

const allOn = (version: string) => Object.fromEntries(instances.map((i) => [i, { enabled: [version], serving: version }]));

interface Hit {
  status: number;
  cookie?: string;
  hits?: number;
  server?: string;
  version?: string;
  newSession?: boolean;
}

/** One request through the load balancer with a session cookie: what the lab app answered. */
function hitThrough(estate: Estate, cookie: string): Promise<Hit> {
  const url = `http://127.0.0.1:${estate.sprayer?.listen.port}${estate.lab?.contextRoot ?? '/myApp'}/hit`;
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { cookie } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => {
          const body = (text.startsWith('{') ? JSON.parse(text) : {}) as Omit<Hit, 'status' | 'cookie'>;
          const set = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('JSESSIONID='))?.split(';')[0];
          resolve({ status: res.statusCode ?? 0, ...body, ...(set ? { cookie: set } : {}) });
        });
      })
      .on('error', reject);
  });
}

/** Defines the scenarios. */
export function glassfishScenarios(sut: () => PayaraUnderTest): void {
  afterEach(async () => {
    stopAllLoad();
    await terminateLeftovers();
  });

  describe('versionedRollingUpgrade on Payara, under load (seed 001)', () => {
    // The full rollout is also the crash drill: a rollout that survives a SIGKILL mid-instance and
    // ends with every instance on 1.1 shows both, for one run of three instance switches.
    it('full rollout, its worker killed with SIGKILL mid-instance: it resumes, no switch runs twice, every instance serves 1.1, each application-ref agrees, 0 sessions lost', async () => {
      const lab = sut();
      const client = await testClient();
      const taskQueue = uniqueTaskQueue('vru-full');
      const workers: WorkerProcess[] = [];
      const routingBefore = routingOf(await lab.routing());
      const load = startLoad(lab.estate, rate);
      try {
        workers.push(await startWorkerProcess(taskQueue, lab.dir));
        const handle = track(await client.workflow.start('versionedRollingUpgrade', { taskQueue, workflowId: `vru-full-${Date.now()}`, args: [await glassfishRequest(lab, 'versionedRollingUpgrade', '1.0', '1.1')] }));
        await waitForStatus(handle, (s) => s.currentStep === 'instance-instance2.switch', 'instance2 switching', { limitMs: 180_000 });
        await kill9(workers[0] as WorkerProcess);
        workers.push(await startWorkerProcess(taskQueue, lab.dir));
        const final = await rolloutOutcome(handle);
        await recordHistory(client, handle.workflowId, 'versioned-rolling-upgrade-worker-killed');
        const report = await load.stop();
        console.log('versioned full', JSON.stringify({ ...loadFigures(report), switches: final.events.filter((e) => e.type === 'instance-switched').map((e) => e.message), actualSeconds: final.duration?.actualSeconds }));
        expect(final.state).toBe('succeeded');
        expect(Object.values(stepStarts(final)).every((n) => n === 1)).toBe(true);
        // One switch event per instance: a retried switch found the version already enabled and changed nothing.
        expect(final.events.filter((e) => e.type === 'instance-switched').map((e) => e.stepId)).toEqual(instances.map((i) => `instance-${i}.switch`));
        expect(await instanceStates(lab)).toEqual(allOn('1.1'));
        expect(final.instances?.map((i) => [i.name, i.enabled, i.serving])).toEqual(instances.map((i) => [i, ['1.1'], '1.1']));
        expect(routingOf(await lab.routing())).toEqual(routingBefore);
        expectCleanLoad(report);
      } finally {
        for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
      }
    });

    it('rollback after the second instance: routing first, every instance back on 1.1 and 1.2 disabled everywhere, 0 sessions lost', async () => {
      const lab = sut();
      const routingBefore = routingOf(await lab.routing());
      const instancesBefore = await instanceStates(lab);
      const serversBefore = await appServersOf(lab.estate);
      const load = startLoad(lab.estate, rate);
      const final = await lab.withWorker(async (client, taskQueue) => {
        const request = await glassfishRequest(lab, 'versionedRollingUpgrade', '1.1', '1.2', { approvals: { phases: [], timeoutSeconds: 3600, onTimeout: 'wait' } });
        const handle = track(await client.workflow.start('versionedRollingUpgrade', { taskQueue, workflowId: `vru-rollback-${Date.now()}`, args: [request] }));
        await waitForStatus(handle, (s) => s.steps.find((x) => x.id === 'instance-instance2.enable')?.status === 'done', 'instance2 on 1.2', { limitMs: 180_000 });
        await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'bob', reason: 'drill after the second instance' }] });
        const result = await rolloutOutcome(handle);
        await recordHistory(client, handle.workflowId, 'versioned-rolling-upgrade-rollback');
        return result;
      });
      const report = await load.stop();
      console.log('versioned rollback', JSON.stringify({ ...loadFigures(report), route: final.rollback?.route }));
      expectRoutingRestoredFirst(final);
      expect(final.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => s.id)).toEqual([
        'rollback.routing',
        'rollback.instance-instance2.drain', 'rollback.instance-instance2.out', 'rollback.instance-instance2.back', 'rollback.instance-instance2.enable',
        'rollback.instance-instance1.drain', 'rollback.instance-instance1.out', 'rollback.instance-instance1.back', 'rollback.instance-instance1.enable',
      ]);
      // 1.2 stays deployed and disabled everywhere: undeploying a version would unmap /myApp on every instance.
      expect(await instanceStates(lab)).toEqual(allOn('1.1'));
      expect(await instanceStates(lab)).toEqual(instancesBefore);
      expect(routingOf(await lab.routing())).toEqual(routingBefore);
      await expectAppServersAsAt(lab.estate, serversBefore);
      expect(final.steps.filter((s) => s.undoneAt !== undefined).map((s) => s.id)).toEqual(expect.arrayContaining(['instance-instance1.switch', 'instance-instance2.switch']));
      expect(final.steps.find((s) => s.id === 'deploy.disabled')?.undoneAt).toBeUndefined();
      expectCleanLoad(report);
    });
  });

  describe('rollingUpgrade on Payara, under load (seed 000)', () => {
    beforeAll(async () => {
      // Seed 000 knows no versioning: the application is deployed under its plain name, in place.
      const lab = sut();
      const app = lab.estate.lab?.app ?? 'myApp';
      const cluster = lab.estate.cells[0]?.clusters[0]?.name ?? 'dg1';
      for (const v of ['1.0', '1.1', '1.2']) await lab.driver.undeployVersion({ app, version: v, cluster, versioned: true });
      await lab.driver.deployVersion({ app, version: '2.0', artifact: await lab.war('2.0', { sessionIdleSeconds: storedSessionSeconds }), cluster, contextRoot: lab.estate.lab?.contextRoot ?? '/myApp', enabled: true, versioned: false });
    }, 300_000);

    it('full rollout: every instance restarted on 2.1; a user idle on instance1 during its restart comes back to the same session, hit counter going on; dynamic reconfiguration on again', async () => {
      const lab = sut();
      // The sleeper: two hits on instance1, then idle while instance1 quiesces, stops, starts on 2.1 and is restored.
      let sleeper = await hitThrough(lab.estate, 'JSESSIONID=sleeper.instance1');
      const cookie = sleeper.cookie ?? '';
      sleeper = await hitThrough(lab.estate, cookie);
      expect({ server: sleeper.server, hits: sleeper.hits, version: sleeper.version }).toEqual({ server: 'instance1', hits: 2, version: '2.0' });
      const load = startLoad(lab.estate, rate);
      let back: Hit | undefined;
      const final = await lab.withWorker(async (client, taskQueue) => {
        const request = await glassfishRequest(lab, 'rollingUpgrade', '2.0', '2.1', { glassfish: { inFlightSeconds: 3, checkSeconds: 90, quiesceSeconds: 6 } });
        const handle = track(await client.workflow.start('rollingUpgrade', { taskQueue, workflowId: `ru-full-${Date.now()}`, args: [request] }));
        await waitForStatus(handle, (s) => s.steps.find((x) => x.id === 'instance-instance1.reconcile')?.status === 'done', 'instance1 back and reconciled', { limitMs: 300_000 });
        back = await hitThrough(lab.estate, cookie);
        const result = await rolloutOutcome(handle);
        await recordHistory(client, handle.workflowId, 'rolling-upgrade');
        return result;
      });
      const report = await load.stop();
      console.log('rolling full', JSON.stringify({ ...loadFigures(report), sleeper: back, stores: final.events.filter((e) => e.type.startsWith('sessions-')).map((e) => e.message), actualSeconds: final.duration?.actualSeconds }));
      expect(final.state).toBe('succeeded');
      expect(back).toMatchObject({ status: 200, server: 'instance1', version: '2.1', hits: 3, newSession: false });
      expect(await lab.driver.dynamicReconfiguration(lab.estate.cells[0]?.clusters[0]?.name ?? 'dg1')).toBe(true);
      expect(Object.values(await instanceStates(lab)).map((s) => s.serving)).toEqual(['2.1', '2.1', '2.1']);
      expectCleanLoad(report);
    });

    it('N+1 broken on the first instance: automatic rollback, every instance on 2.1, dynamic reconfiguration restored', async () => {
      const lab = sut();
      const instancesBefore = await instanceStates(lab);
      const serversBefore = await appServersOf(lab.estate);
      const load = startLoad(lab.estate, rate);
      const final = await lab.withWorker(async (client, taskQueue) => {
        const request = await glassfishRequest(lab, 'rollingUpgrade', '2.1', '2.2', { broken: true, glassfish: { inFlightSeconds: 3, checkSeconds: 5, quiesceSeconds: 6 } });
        const handle = track(await client.workflow.start('rollingUpgrade', { taskQueue, workflowId: `ru-broken-${Date.now()}`, args: [request] }));
        const result = await rolloutOutcome(handle);
        await recordHistory(client, handle.workflowId, 'rolling-upgrade-broken');
        return result;
      });
      const report = await load.stop();
      console.log('rolling broken', JSON.stringify({ ...loadFigures(report), reason: final.reason }));
      expectRoutingRestoredFirst(final);
      expect(final.reason).toMatch(/instance1/);
      expect(eventIndex(final, 'step-failed')).toBeGreaterThan(-1);
      expect(await lab.driver.dynamicReconfiguration(lab.estate.cells[0]?.clusters[0]?.name ?? 'dg1')).toBe(true);
      expect(Object.values(await instanceStates(lab)).map((s) => s.serving)).toEqual(['2.1', '2.1', '2.1']);
      expect(await instanceStates(lab)).toEqual(instancesBefore);
      await expectAppServersAsAt(lab.estate, serversBefore);
      expectCleanLoad(report);
    });
  });
}

