/**
 * multiClusterUpgrade end to end (seed 004, "Using Multiple Clusters for Online Upgrades Without
 * Loss of Service"): the real dev server, two lab load balancers that route by identical
 * loadbalancer.xml files polled every second, two clusters of lab app servers, and load at 50 req/s
 * through both load balancers for the whole of every scenario: no failed request, no lost session,
 * no version flip.
 */
import { requestRollbackUpdate } from '../../workflows/messages';
import { lbShas, setQuiescingMinutes, startLbLoad, watchLbFiles } from '../support/load-balancers';
import { expectCleanLoad, expectRoutingRestoredFirst, labRequest, loadFigures, recordHistory, track, waitForStatus } from '../support/rollout-harness';
import { labPerTest } from '../support/scenario';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';
import { appServersOf, expectAppServersAsAt } from '../support/app-servers';

const all = ['ServerA1', 'ServerA2', 'ServerB1', 'ServerB2'];

function upgradeRequest(estate: Parameters<typeof labRequest>[0], over: Record<string, unknown> = {}): Record<string, unknown> {
  return labRequest(estate, { procedure: 'multiClusterUpgrade', toVersion: '2.0', artifact: 'lab:2.0', approvals: { phases: [], timeoutSeconds: 3600, onTimeout: 'wait' }, burnInSeconds: 1, lb: { inFlightSeconds: 5 }, ...over });
}

describe('multiClusterUpgrade behind two load balancers, under load', () => {
  const t = labPerTest(50000, 'lab-lb.json');

  // A quiescing period of 10 lab minutes (30 s) instead of the lab's 2 (6 s): the quiesce step still
  // ends as soon as the last session on the cluster ends, but on a loaded machine, where a user's
  // ten hits can outlast 6 s, a session is never cut off by the period running out (the seed's
  // failover, which these tests are not about).
  beforeEach(async () => {
    await setQuiescingMinutes(t.lab().estate, 10);
  });

  it('upgrades ClusterA then ClusterB; both load balancers hold the same bytes in the same order throughout', async () => {
    const lab = t.lab();
    const start = lbShas(lab.estate);
    const watch = watchLbFiles(lab.estate);
    const load = startLbLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiClusterUpgrade', { taskQueue, workflowId: `mc-${Date.now()}`, args: [upgradeRequest(lab.estate)] }));
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cluster-succeeded');
      return result;
    });
    watch.stop();
    const report = await load.stop();
    console.log('multi-cluster', JSON.stringify(loadFigures(report)));
    expect(final.state).toBe('succeeded');
    const sequences = watch.sequences();
    expect(sequences.lb1).toEqual(sequences.lb2);
    // The start, ClusterA disabled, the start again, ClusterB disabled, the start again.
    expect(sequences.lb1).toHaveLength(5);
    expect(lbShas(lab.estate)).toEqual(start);
    expect((await lab.servers()).map((s) => [s.name, s.version, s.running])).toEqual(all.map((n) => [n, '2.0', true]));
    expectCleanLoad(report);
  });

  it('a rollback while the second cluster quiesces restores routing first, and every loadbalancer.xml is byte-identical to the start', async () => {
    const lab = t.lab();
    const start = lbShas(lab.estate);
    const serversBefore = await appServersOf(lab.estate);
    const load = startLbLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiClusterUpgrade', { taskQueue, workflowId: `mc-rb-${Date.now()}`, args: [upgradeRequest(lab.estate)] }));
      await waitForStatus(handle, (s) => s.currentStep === 'ClusterB.quiesce', 'ClusterB quiescing');
      await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'bob', reason: 'drill while ClusterB quiesces' }] });
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cluster-rollback');
      return result;
    });
    const report = await load.stop();
    expectRoutingRestoredFirst(final);
    expect(lbShas(lab.estate)).toEqual(start);
    expect((await lab.servers()).map((s) => [s.name, s.version, s.running])).toEqual(all.map((n) => [n, '1.0', true]));
    await expectAppServersAsAt(lab.estate, serversBefore);
    expect(final.steps.find((s) => s.id === 'ClusterA.install')).toMatchObject({ status: 'undone', undoneAt: expect.any(String) });
    expectCleanLoad(report);
  });
});
