/**
 * (e) The worker is a real `turnout worker` process, killed with SIGKILL while a drain is under way
 * and then started again. The rollout completes; the drain resumes from its last heartbeat; the
 * audit trail shows every step started and finished exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { RolloutStatus } from '../../src/model';
import { approvePhaseUpdate } from '../../workflows/messages';
import { labRequest, recordHistory, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForState, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { testClient, testTemporal, uniqueTaskQueue } from '../support/temporal';

const root = path.resolve(__dirname, '..', '..');

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
}

function startWorkerProcess(taskQueue: string, cwd: string): Promise<WorkerProcess> {
  const { address, namespace, bundlePath } = testTemporal();
  const child = spawn(process.execPath, [path.join(root, 'bin', 'turnout.js'), 'worker'], {
    cwd,
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TURNOUT_TASK_QUEUE: taskQueue, TURNOUT_ESTATES: path.join(root, 'estates'), TURNOUT_WORKFLOW_BUNDLE: bundlePath, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (out.includes('turnout worker started')) {
        clearInterval(check);
        resolve({ child, output: () => out });
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`worker exited with ${code} before starting:\n${out}`));
    });
  });
}

function kill9(worker: WorkerProcess): Promise<void> {
  return new Promise((resolve) => {
    worker.child.once('exit', () => resolve());
    worker.child.kill('SIGKILL');
  });
}

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
    await waitForStatus(handle, (s) => s.currentStep === 'X.drain' && (s.drain?.servers.some((x) => x.sessions > 0) ?? false), 'a drain of cell X with sessions left');
    await kill9(first);
    const second = await startWorkerProcess(taskQueue, lab.dir);
    workers.push(second);
    await waitForState(handle, 'awaiting-approval');
    await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice' }] });
    const final = (await handle.result()) as RolloutStatus;
    await recordHistory(client, handle.workflowId, 'multi-cell-worker-killed');
    const report = await load.stop();

    expect(final.state).toBe('succeeded');
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
