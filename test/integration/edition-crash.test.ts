/**
 * The worker is a real `turnout worker` process, killed with SIGKILL while an editionRollout drains a
 * member that a kept session holds, and started again. The rollout resumes where it was: no step
 * runs twice, each group's reset is scheduled once, and the load through the router sees nothing.
 */
import { editionMembers, editionRequest, stepStarts, versionsOf } from '../support/edition';
import { expectCleanLoad, recordHistory, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { keepSession, waitForKeeperRequests } from '../support/session-keeper';
import { testClient, uniqueTaskQueue } from '../support/temporal';
import { kill9, startWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

describe('editionRollout survives a worker killed during a drain', () => {
  let lab: ScenarioLab;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    lab = await startScenarioLab(45000, 'lab-edition.json');
  });
  afterAll(async () => {
    stopAllLoad();
    await terminateLeftovers();
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await lab?.stop();
  });

  it('resumes the drain after SIGKILL, with no step repeated', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('ed-crash');
    const keeper = keepSession(lab.estate, 'ServerE1');
    await waitForKeeperRequests(keeper, 2);
    const load = startLoad(lab.estate);
    const first = await startWorkerProcess(taskQueue, lab.dir);
    workers.push(first);
    const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-crash-${Date.now()}`, args: [editionRequest(lab.estate, { groupSize: 3 })] }));
    await waitForStatus(handle, (s) => s.currentStep === 'group-1.drain' && (s.drain?.servers.find((d) => d.name === 'ServerE1')?.sessions ?? 0) > 0, 'group-1 draining, held by the kept session');
    await kill9(first);
    const second = await startWorkerProcess(taskQueue, lab.dir);
    workers.push(second);
    // The drain goes on under the new worker; the keeper walks away and its session idles out.
    await waitForStatus(handle, (s) => s.currentStep === 'group-1.drain', 'still draining after the restart');
    const keeperReport = await keeper.stop();
    const final = await rolloutOutcome(handle);
    await recordHistory(client, handle.workflowId, 'edition-worker-killed');
    const report = await load.stop();

    expect(final.state).toBe('succeeded');
    expect(Object.values(stepStarts(final)).every((n) => n === 1)).toBe(true);
    const history = await handle.fetchHistory();
    const resets = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'resetMembers');
    expect(resets).toHaveLength(2);
    expect(await versionsOf(lab.estate)).toEqual(Object.fromEntries(editionMembers.map((m) => [m, '2.0'])));
    expect(keeperReport.lostSessions).toBe(0);
    expectCleanLoad(report);
  });
});
