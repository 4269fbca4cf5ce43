/**
 * (e) The worker is a real `turnout worker` process, killed with SIGKILL while a drain is under way
 * and then started again. The rollout completes; the drain resumes from its last heartbeat; the
 * audit trail shows every step started and finished exactly once.
 */
import type { RolloutStatus } from '../../src/model';
import { approvePhaseUpdate } from '../../workflows/messages';
import { labRequest, recordHistory, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForState, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { testClient, uniqueTaskQueue } from '../support/temporal';
import { kill9, startWorkerProcess, type WorkerProcess } from '../support/worker-process';



describe('multiCellRollout survives a worker killed during a drain', () => {
  let lab: ScenarioLab;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    lab = await startScenarioLab(20000);
  });
  afterAll(async () => {
    stopAllLoad();
    await terminateLeftovers();
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await lab?.stop();
  });

  it('(e) completes, resuming the drain from its heartbeat, with no step repeated or skipped', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('crash');
    const load = startLoad(lab.estate);
    const first = await startWorkerProcess(taskQueue, lab.dir);
    workers.push(first);
    const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `e-${Date.now()}`, args: [labRequest(lab.estate)] }));
    await waitForStatus(handle, (s) => s.currentStep === 'X.drain' && (s.drain?.servers.some((x) => (x.sessions ?? 0) > 0) ?? false), 'a drain of cell X with sessions left');
    await kill9(first);
    const second = await startWorkerProcess(taskQueue, lab.dir);
    workers.push(second);
    await waitForState(handle, 'awaiting-approval');
    await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice' }] });
    const final = (await handle.result()) as RolloutStatus;
    await recordHistory(client, handle.workflowId, 'multi-cell-worker-killed');
    const report = await load.stop();

    expect(final.state).toBe('succeeded');
    // The routing guard watched every wait and found nothing to put back: no false drift.
    expect(final.events.filter((e) => e.type === 'drift-corrected' || e.type === 'dead-server')).toEqual([]);
    expect(second.output()).toContain('drain resumed from its last heartbeat');
    const started = final.events.filter((e) => e.type === 'step-started').map((e) => e.stepId);
    const done = final.events.filter((e) => e.type === 'step-done').map((e) => e.stepId);
    const planned = final.steps.map((s) => s.id);
    expect(started).toEqual(planned);
    expect(done).toEqual(planned);
    expect({ failed: report.failed, lostSessions: report.lostSessions, versionFlips: report.versionFlips }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0 });
    expect((await lab.servers()).every((s) => s.version === '1.1')).toBe(true);
  });
});
