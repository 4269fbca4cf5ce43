/**
 * The worker is a real `turnout worker` process, killed with SIGKILL while a multiClusterUpgrade
 * waits out ClusterA's quiescing period (a kept session holds it to the end), and started again.
 * The wait resumes against its original deadline, and the upgrade completes.
 */
import { lbShas, setQuiescingMinutes, startLbLoad } from '../support/load-balancers';
import { expectCleanLoad, labRequest, recordHistory, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { keepSession, waitForKeeperRequests } from '../support/session-keeper';
import { testClient, uniqueTaskQueue } from '../support/temporal';
import { kill9, startWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

describe('multiClusterUpgrade survives a worker killed during a quiescing period', () => {
  let lab: ScenarioLab;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    lab = await startScenarioLab(55000, 'lab-lb.json');
  });
  afterAll(async () => {
    stopAllLoad();
    await terminateLeftovers();
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await lab?.stop();
  });

  it('resumes the wait against the original deadline', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('mc-crash');
    // A quiescing period of 10 lab minutes (30 s): long enough to kill a worker and start another inside it.
    await setQuiescingMinutes(lab.estate, 10);
    const start = lbShas(lab.estate);
    const keeper = keepSession(lab.estate, 'ServerA1');
    await waitForKeeperRequests(keeper, 2);
    const load = startLbLoad(lab.estate);
    const first = await startWorkerProcess(taskQueue, lab.dir);
    workers.push(first);
    const request = labRequest(lab.estate, { procedure: 'multiClusterUpgrade', toVersion: '2.0', artifact: 'lab:2.0', approvals: { phases: [] }, burnInSeconds: 1, lb: { inFlightSeconds: 5 } });
    const handle = track(await client.workflow.start('multiClusterUpgrade', { taskQueue, workflowId: `mc-crash-${Date.now()}`, args: [request] }));
    const before = await waitForStatus(handle, (s) => s.currentStep === 'ClusterA.quiesce' && s.drain !== undefined, 'ClusterA quiescing');
    await kill9(first);
    const second = await startWorkerProcess(taskQueue, lab.dir);
    workers.push(second);
    const after = await waitForStatus(handle, (s) => s.currentStep === 'ClusterA.quiesce' && s.drain !== undefined && s.drain.servers.some((d) => d.sessions !== null), 'still quiescing under the new worker');
    expect(after.drain?.deadline).toBe(before.drain?.deadline);
    const kept = await keeper.stop();
    const final = await rolloutOutcome(handle);
    await recordHistory(client, handle.workflowId, 'multi-cluster-worker-killed');
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    expect(lbShas(lab.estate)).toEqual(start);
    // The kept session stayed on ServerA1 until the quiescing period ended, then failed over: that is the period's purpose.
    expect(kept.failed).toBe(0);
    expectCleanLoad(report);
  });
});
