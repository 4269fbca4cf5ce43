/**
 * javaClientRollout end to end (seed 002, "Java client application transition", steps A-D): the lab's
 * naming service holds the configured bindings, simulated stand-alone Java clients bootstrap from it
 * when they start and call the EJB endpoint of the cluster the bindings name.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { createLabNaming } from '../../src/drivers/naming/lab-naming';
import { startJavaClients, type JavaClientsHandle, type JavaClientsReport } from '../../src/lab/java-clients';
import type { Estate } from '../../src/model';
import { requestRollbackUpdate } from '../../workflows/messages';
import { labRequest, recordHistory, startScenarioLab, terminateLeftovers, track, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { testClient, withTestWorker } from '../support/temporal';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';
import { appServersOf, expectAppServersAsAt } from '../support/app-servers';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');

function clients(estate: Estate, count: number): Promise<JavaClientsHandle> {
  return startJavaClients({ namingUrl: estate.naming?.url ?? '', count, providerBinding: 'InitialContextProvider', ejbBinding: 'SessionFacadeEJB', callIntervalMs: 50 });
}

const lastVersions = (report: JavaClientsReport): string[] => report.clients.map((c) => c.lastVersion ?? 'none');

/** Waits until every client has answered since `after` calls, so `lastVersion` is fresh. */
async function settled(handle: JavaClientsHandle): Promise<JavaClientsReport> {
  const before = handle.report().clients.map((c) => c.calls);
  for (;;) {
    const report = handle.report();
    if (report.clients.every((c, i) => c.calls > (before[i] ?? 0) + 2)) return report;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('javaClientRollout on the lab', () => {
  let lab: ScenarioLab;
  let offset = 13000;
  const running: JavaClientsHandle[] = [];

  beforeEach(async () => {
    lab = await startScenarioLab((offset += 500), 'lab-single-cell.json');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await terminateLeftovers();
    await lab?.stop();
  });

  async function run<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const client = await testClient();
    return withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir }), ({ taskQueue }) => fn(client, taskQueue));
  }

  const request = (estate: Estate) => labRequest(estate, { procedure: 'javaClientRollout', approvals: { phases: [] }, drain: { pollIntervalSeconds: 1, maxWaitSeconds: 120, sessionThreshold: 0, onTimeout: 'fail' } });

  it('new clients reach N+1 after the switch; clients started before keep N until they restart', async () => {
    const old = await clients(lab.estate, 4);
    running.push(old);
    expect(lastVersions(await settled(old))).toEqual(['1.0', '1.0', '1.0', '1.0']);
    const final = await run(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('javaClientRollout', { taskQueue, workflowId: `jc-a-${Date.now()}`, args: [request(lab.estate)] }));
      // C.4: the version-N servers still have the old clients' ORB connections.
      const quiet = await waitForStatus(handle, (s) => s.currentStep === 'C.quiet' && (s.drain?.servers.some((x) => (x.sessions ?? 0) > 0) ?? false), 'the wait for quiet ORB connections');
      expect(quiet.drain?.measure).toBe('connections');
      const fresh = await clients(lab.estate, 3);
      running.push(fresh);
      expect(lastVersions(await settled(fresh))).toEqual(['1.1', '1.1', '1.1']);
      expect(lastVersions(await settled(old))).toEqual(['1.0', '1.0', '1.0', '1.0']);
      await old.restart();
      expect(lastVersions(await settled(old))).toEqual(['1.1', '1.1', '1.1', '1.1']);
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'java-client-succeeded');
      return result;
    });
    expect(final.state).toBe('succeeded');
    // The routing guard watched every wait and found nothing to put back: no false drift.
    expect(final.events.filter((e) => e.type === 'drift-corrected' || e.type === 'dead-server')).toEqual([]);
    const report = old.report();
    expect(report.clients.every((c) => c.lastVersion === '1.1')).toBe(true);
    const servers = await lab.servers();
    expect(servers.map((s) => [s.name, s.running])).toEqual([
      ['ServerX1', false], ['ServerX2', false], ['ServerX3', false], ['ServerY1', true], ['ServerY2', true], ['ServerY3', true],
    ]);
  });

  it('rolls back: both bindings switch back first, new clients return to N', async () => {
    const naming = createLabNaming(lab.estate.naming?.url ?? '');
    const names = (lab.estate.naming?.bindings ?? []).map((b) => b.name);
    const before = await naming.read(names);
    const serversBefore = await appServersOf(lab.estate);
    const final = await run(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('javaClientRollout', { taskQueue, workflowId: `jc-b-${Date.now()}`, args: [request(lab.estate)] }));
      await waitForStatus(handle, (s) => s.steps.find((x) => x.id === 'C.bindings')?.status === 'done', 'the bindings switched');
      const moved = await clients(lab.estate, 2);
      running.push(moved);
      expect(lastVersions(await settled(moved))).toEqual(['1.1', '1.1']);
      await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'carol', reason: 'EJB errors on 1.1' }] });
      await waitForStatus(handle, (s) => s.steps.find((x) => x.id === 'rollback.bindings')?.status === 'done', 'the bindings switched back');
      const back = await clients(lab.estate, 2);
      running.push(back);
      expect(lastVersions(await settled(back))).toEqual(['1.0', '1.0']);
      // The clients on N+1 move back when they restart; then its servers go quiet and stop.
      await moved.restart();
      expect(lastVersions(await settled(moved))).toEqual(['1.0', '1.0']);
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'java-client-rolled-back');
      return result;
    });
    expect(final.state).toBe('rolled-back');
    // The rollback's own drains are guarded with the rollback's routing: nothing of the rollout's is put back.
    expect(final.events.filter((e) => e.type === 'drift-corrected')).toEqual([]);
    expect(final.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => s.id)).toEqual(['rollback.bindings', 'rollback.quiet', 'rollback.stop', 'rollback.app-servers']);
    expect(await naming.read(names)).toEqual(before);
    expect((await lab.servers()).filter((s) => s.running).map((s) => s.name)).toEqual(['ServerX1', 'ServerX2', 'ServerX3']);
    // ClusterY holds 1.0 under test_vhost again, not the 1.1 that B installed (issue 16).
    await expectAppServersAsAt(lab.estate, serversBefore);
    // C.restart may or may not have run when the rollback came: whatever ran is undone, nothing else.
    expect(final.steps.filter((s) => s.undoneAt !== undefined).map((s) => s.id)).toEqual(expect.arrayContaining(['B.install', 'B.start', 'C.bindings']));
    expect(final.steps.filter((s) => s.undoneAt !== undefined).every((s) => s.status === 'undone')).toBe(true);
    expect(final.steps.filter((s) => s.status === 'done' && !s.id.startsWith('rollback.')).map((s) => s.id)).toEqual(['B.test-clients', 'test.verify', 'switch.approval']);
  });
});
