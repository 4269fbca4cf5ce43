/**
 * multiCellRollout end to end: the real dev server, real HAProxy and the lab's processes, with
 * session-aware load (50 req/s) through the sprayer for the whole of every scenario.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import type { LoadReport } from '../../src/lab/load';
import type { RolloutStatus } from '../../src/model';
import { failureTypes } from '../../workflows/failure-types';
import { approvePhaseUpdate, pauseRolloutUpdate, requestRollbackUpdate, resumeRolloutUpdate, statusQuery } from '../../workflows/messages';
import { rolloutSearchAttributes } from '../../workflows/search-attributes';
import { runCli } from '../support/cli';
import { labRequest, recordHistory, routingOf, startLoad, stopAllLoad, terminateLeftovers, track, startScenarioLab, waitForState, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { appServersOf, expectAppServersAsAt } from '../support/app-servers';
import { lateDrain } from '../support/late-drain';
import { testClient, testTemporal, withTestWorker } from '../support/temporal';
import { tempDir } from '../support/temp-dir';
import { targetLeaseId } from '../../workflows/target-lease';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');

function expectCleanLoad(report: LoadReport): void {
  expect({ failed: report.failed, lostSessions: report.lostSessions, versionFlips: report.versionFlips, failures: report.failures }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0, failures: [] });
  expect(report.requests).toBeGreaterThan(100);
  expect(report.sessions).toBeGreaterThan(10);
}

function stepIdsWith(status: RolloutStatus, type: string): string[] {
  return status.events.filter((e) => e.type === type && e.stepId).map((e) => e.stepId as string);
}

/** Every step started once and finished once: none repeated, none skipped. */
function expectEachStepOnce(status: RolloutStatus, ids: string[]): void {
  expect(stepIdsWith(status, 'step-started')).toEqual(ids);
  expect(stepIdsWith(status, 'step-done')).toEqual(ids);
}

describe('multiCellRollout on the lab, under load', () => {
  let lab: ScenarioLab;
  // One offset per scenario, all keeping ports below the ephemeral range (32768+), where a client
  // retrying a closed port can connect to itself and hold it in TIME-WAIT.
  let offset = 14000;

  beforeEach(async () => {
    lab = await startScenarioLab((offset += 500));
  });
  afterEach(async () => {
    stopAllLoad();
    await terminateLeftovers();
    await lab?.stop();
  });

  const activities = (client: Client) => createActivities({ estatesDir, client, baseDir: lab.dir });

  it('(a) rolls every cell to N+1 and ends with the routing the plan says', async () => {
    const load = startLoad(lab.estate);
    const before = await lab.routing();
    const final = await withTestWorkerActivities(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `a-${Date.now()}`, args: [labRequest(lab.estate)] }));
      // A pause asked for mid-drain holds at the next step boundary: X.drain done, X.install not begun.
      await waitForStatus(handle, (s) => s.currentStep === 'X.drain', 'the drain of cell X');
      const paused = await handle.executeUpdate(pauseRolloutUpdate, { args: [{ by: 'dave', reason: 'lunch' }] });
      expect(paused.state).toBe('paused');
      expect(paused.steps.find((s) => s.id === 'X.drain')?.status).toBe('done');
      expect(paused.steps.find((s) => s.id === 'X.install')?.status).toBe('pending');
      const resumed = await handle.executeUpdate(resumeRolloutUpdate, { args: [{ by: 'dave' }] });
      expect(resumed.state).not.toBe('paused');
      const gate = await waitForState(handle, 'awaiting-approval');
      expect(gate.pendingApproval?.phase).toBe('cell-Y');
      const afterApproval = await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'cell-Y', comment: 'X looks good' }] });
      expect(afterApproval.approvals).toEqual([expect.objectContaining({ phase: 'cell-Y', by: 'alice', comment: 'X looks good' })]);
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cell-succeeded');
      return result;
    });
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    // The routing guard watched every wait and found nothing to put back: no false drift.
    expect(final.events.filter((e) => e.type === 'drift-corrected' || e.type === 'dead-server')).toEqual([]);
    expectCleanLoad(report);
    const servers = await lab.servers();
    expect(servers.map((s) => [s.name, s.version, s.running, s.runningVirtualHost])).toEqual(
      ['ServerX1', 'ServerX2', 'ServerX3', 'ServerY1', 'ServerY2', 'ServerY3'].map((n) => [n, '1.1', true, 'prod_vhost']),
    );
    const after = await lab.routing();
    expect(after.servers.map((s) => [s.cell, s.state])).toEqual([
      ['X', 'ready'],
      ['Y', 'ready'],
    ]);
    expect(routingOf(after)).toEqual(routingOf(before));
    expect(report.versions['1.1']).toBeGreaterThan(0);
    expectEachStepOnce(final, final.steps.map((s) => s.id));
  });

  /** Runs `fn` while an in-process worker with the rollout activities polls a fresh task queue. */
  async function withTestWorkerActivities<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const client = await testClient();
    return withTestWorker(activities(client), ({ taskQueue }) => fn(client, taskQueue));
  }

  it('(b) rolls back while the second cell drains: routing restored while the cut-short drain still runs, and nothing it does later counts', async () => {
    const load = startLoad(lab.estate);
    const before = await lab.routing();
    const serversBefore = await appServersOf(lab.estate);
    const client = await testClient();
    // Y's drain misses its cancellation and goes on after the restore; the rollback's own drain of X waits until the test has looked.
    const late = lateDrain(activities(client), client, 'Y.drain', 'rollback.X.drain');
    const { final, restored, afterLate } = await withTestWorker(late.activities, async ({ taskQueue }) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `b-${Date.now()}`, args: [labRequest(lab.estate)] }));
      try {
        await waitForState(handle, 'awaiting-approval');
        await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice' }] });
        // Counts arrive from the drain activity a moment after the step starts.
        const draining = await waitForStatus(handle, (s) => s.state === 'draining' && s.currentStep === 'Y.drain' && s.drain !== undefined, 'the drain of cell Y');
        expect(draining.drain?.servers.map((s) => s.name)).toEqual(['ServerY1', 'ServerY2', 'ServerY3']);
        const rolling = await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'bob', reason: 'error rate on cell X' }] });
        expect(rolling.state).toBe('rolling-back');
        expect(rolling.events).toContainEqual(expect.objectContaining({ by: 'bob', type: 'rollback-requested', message: 'error rate on cell X' }));
        const status = await waitForStatus(handle, (s) => s.currentStep === 'rollback.X.drain', "the rollback's drain of cell X");
        const seen = { status, routing: await lab.routing(), lateEnded: late.ended() };
        await late.lingering;
        late.release();
        const progress = await late.done;
        const after = { status: await handle.query(statusQuery), progress };
        const result = await rolloutOutcome(handle);
        await recordHistory(client, handle.workflowId, 'multi-cell-rollback-draining');
        return { final: result, restored: seen, afterLate: after };
      } finally {
        late.release();
      }
    });
    const report = await load.stop();
    // Routing was restored (Y as before, X holding N+1 out of new sessions) while Y's drain attempt still ran.
    expect(restored.lateEnded).toBe(false);
    expect(restored.status.steps.find((s) => s.id === 'rollback.routing')?.status).toBe('done');
    expect(restored.routing.servers.map((s) => [s.cell, s.state])).toEqual([
      ['X', 'drain'],
      ['Y', 'ready'],
    ]);
    // The late attempt's progress and its "drained" reached a rollout that had moved on: neither counted.
    expect(afterLate.progress.progress).toBe('sent');
    expect((afterLate.status.drain?.servers ?? []).map((s) => s.name).filter((n) => n.startsWith('ServerY'))).toEqual([]);
    expect(final.steps.find((s) => s.id === 'Y.drain')?.status).toBe('failed');
    expect(final.events.filter((e) => e.stepId === 'Y.drain' && e.type === 'drained')).toEqual([]);
    expect(final.events.filter((e) => e.type === 'step-started' && e.stepId === 'Y.install')).toEqual([]);
    expect(final.state).toBe('rolled-back');
    // The rollback's own drains are guarded with the rollback's routing: nothing of the rollout's is put back.
    expect(final.events.filter((e) => e.type === 'drift-corrected')).toEqual([]);
    expect(final.reason).toBe('error rate on cell X');
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    await expectAppServersAsAt(lab.estate, serversBefore);
    expect(final.steps.find((s) => s.id === 'rollback.routing')?.status).toBe('done');
    // The route's reinstall already gave X its start back: the last step found nothing left to put back.
    expect(final.events.filter((e) => e.type === 'app-servers-restored')).toEqual([]);
    // X's install is undone; Y's drain was cut short before Y changed, nothing of it to undo.
    expect(final.steps.filter((s) => s.undoneAt !== undefined).map((s) => [s.id, s.status])).toEqual([['X.stop-new-sessions', 'undone'], ['X.install', 'undone'], ['X.production-vhost', 'undone'], ['X.route-new-sessions', 'undone'], ['Y.stop-new-sessions', 'undone']]);
    expectCleanLoad(report);
  });

  it('(c) rolls back while awaiting approval', async () => {
    const load = startLoad(lab.estate);
    const before = await lab.routing();
    const serversBefore = await appServersOf(lab.estate);
    const final = await withTestWorkerActivities(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `c-${Date.now()}`, args: [labRequest(lab.estate)] }));
      await waitForState(handle, 'awaiting-approval');
      await handle.signal('rollback', { by: 'carol', reason: 'not today' });
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cell-rollback-approval');
      return result;
    });
    const report = await load.stop();
    expect(final.state).toBe('rolled-back');
    // The rollback's own drains are guarded with the rollback's routing: nothing of the rollout's is put back.
    expect(final.events.filter((e) => e.type === 'drift-corrected')).toEqual([]);
    expect(final.steps.filter((s) => s.status === 'skipped').map((s) => s.id)).toContain('Y.drain');
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    expect((await lab.servers()).every((s) => s.version === '1.0' && s.running && s.runningVirtualHost === 'prod_vhost')).toBe(true);
    await expectAppServersAsAt(lab.estate, serversBefore);
    expectCleanLoad(report);
  });

  it('(d) rolls back on its own when the smoke test fails on the first cell', async () => {
    const load = startLoad(lab.estate);
    const before = await lab.routing();
    const serversBefore = await appServersOf(lab.estate);
    const final = await withTestWorkerActivities(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `d-${Date.now()}`, args: [labRequest(lab.estate, { artifact: 'lab:broken', smokeTest: { requests: 2, timeoutSeconds: 3 } })] }));
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cell-smoke-test-failed');
      return result;
    });
    const report = await load.stop();
    expect(final.state).toBe('rolled-back');
    // The rollback's own drains are guarded with the rollback's routing: nothing of the rollout's is put back.
    expect(final.events.filter((e) => e.type === 'drift-corrected')).toEqual([]);
    expect(final.reason).toMatch(/step X\.smoke-test failed: .*expected 1\.1, got HTTP 500/);
    expect(final.steps.find((s) => s.id === 'X.smoke-test')?.status).toBe('failed');
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    await expectAppServersAsAt(lab.estate, serversBefore);
    expectCleanLoad(report);
  });

  it('rolls back on its own when nobody approves the gate in time (onTimeout: rollback)', async () => {
    const before = await lab.routing();
    const serversBefore = await appServersOf(lab.estate);
    const final = await withTestWorkerActivities(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `t-${Date.now()}`, args: [labRequest(lab.estate, { approvals: { phases: ['*'], timeoutSeconds: 2, onTimeout: 'rollback' } })] }));
      const gate = await waitForState(handle, 'awaiting-approval');
      expect(gate.pendingApproval?.timeoutAt).toBeDefined();
      return await rolloutOutcome(handle);
    });
    expect(final.state).toBe('rolled-back');
    // The rollback's own drains are guarded with the rollback's routing: nothing of the rollout's is put back.
    expect(final.events.filter((e) => e.type === 'drift-corrected')).toEqual([]);
    expect(final.reason).toBe('nobody approved cell-Y within 2s');
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    await expectAppServersAsAt(lab.estate, serversBefore);
  });

  it('(f) refuses a second rollout of the same target, and touches nothing; the first, rolled back, closes as a RolledBack failure', async () => {
    const env = { TEMPORAL_ADDRESS: testTemporal().address, TURNOUT_TASK_QUEUE: '' };
    const rolledBackId = await withTestWorkerActivities(async (client, taskQueue) => {
      env.TURNOUT_TASK_QUEUE = taskQueue;
      const first = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `f1-${Date.now()}`, args: [labRequest(lab.estate, { burnInSeconds: 600 })] }));
      await waitForStatus(first, (s) => s.currentStep === 'X.burn-in', 'the burn-in of cell X');
      const routing = routingOf(await lab.routing());
      const servers = await lab.servers();
      // Through the API with another workflow ID: the workflow itself refuses.
      const second = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `f2-${Date.now()}`, args: [labRequest(lab.estate)] }));
      const failure = await second.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(((failure as WorkflowFailedError).cause as Error).message).toBe(`a rollout of userHitCount@${lab.estate.name} is already running: ${first.workflowId}; nothing was touched`);
      // Through the CLI: exit 3, before anything starts.
      const file = path.join(tempDir('f'), 'req.json');
      writeFileSync(file, JSON.stringify(labRequest(lab.estate)));
      const cli = await runCli(['start', file], env);
      expect(cli.code).toBe(3);
      expect(cli.stderr).toContain(`a rollout of userHitCount@${lab.estate.name} is already running: ${first.workflowId}`);
      expect(routingOf(await lab.routing())).toEqual(routing);
      expect(await lab.servers()).toEqual(servers);
      // A rollout terminated by a person cannot release its target: the next claim takes the lease over.
      await first.terminate('(f): a person ends it without a rollback');
      expect((await leaseOf(client, lab.estate)).status.name).toBe('RUNNING');
      const third = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `f3-${Date.now()}`, args: [labRequest(lab.estate, { burnInSeconds: 600 })] }));
      const claimed = await waitForStatus(third, (s) => s.events.some((e) => e.type === 'lease-taken-over'), 'the lease taken over');
      expect(claimed.events.find((e) => e.type === 'lease-taken-over')?.message).toContain(`left by ${first.workflowId}, which no longer runs`);
      expect((await leaseOf(client, lab.estate)).parentExecution?.workflowId).toBe(third.workflowId);
      await third.signal('rollback', { by: 'test', reason: 'done with (f)' });
      expect((await rolloutOutcome(third)).state).toBe('rolled-back');
      // Released as the rollout ended: the lease completes, it is not left running or terminated.
      expect(await leaseEnd(client, lab.estate)).toBe('COMPLETED');

      // Red in the UI: the workflow failed, typed RolledBack, with the final status as its details.
      const closed = await third.result().catch((err: unknown) => err);
      const cause = (closed as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      const { type, nonRetryable, message, details } = cause as ApplicationFailure;
      expect({ type, nonRetryable, message }).toEqual({ type: failureTypes.rolledBack, nonRetryable: true, message: 'rolled back: done with (f)' });
      expect(details?.[0]).toMatchObject({ rolloutId: third.workflowId, state: 'rolled-back', reason: 'done with (f)' });
      const described = await third.describe();
      expect({ status: described.status.name, state: described.typedSearchAttributes.get(rolloutSearchAttributes.state) }).toEqual({ status: 'FAILED', state: 'rolled-back' });
      // The precise state stays: the query answers after the close, and --watch exits 1 as it did.
      expect((await third.query(statusQuery)).state).toBe('rolled-back');
      const watch = await runCli(['status', third.workflowId, '--watch'], env);
      expect({ code: watch.code, stderr: watch.stderr }).toEqual({ code: 1, stderr: `rollout ${third.workflowId} ended rolled-back: done with (f)\n` });
      expect(watch.stdout).toContain('state: rolled-back');
      return third.workflowId;
    });
    // No worker polls that queue any more: `status` reads the state from the failure's details, not by query.
    const shown = await runCli(['status', rolledBackId, '--json'], env);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ rolloutId: rolledBackId, state: 'rolled-back', reason: 'done with (f)' });
  });

  it('(g) continues as new at every step boundary: approvals, audit events and search attributes carry over, and a rollback after the continues restores everything', async () => {
    const load = startLoad(lab.estate);
    const before = await lab.routing();
    const { final, runs, attributes } = await withTestWorkerActivities(async (client, taskQueue) => {
      const request = labRequest(lab.estate, { burnInSeconds: 4, history: { continueAsNewAfterEvents: 1 } });
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `g-${Date.now()}`, args: [request] }));
      await waitForState(handle, 'awaiting-approval');
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'cell-Y', comment: 'X looks good' }] });
      await waitForStatus(handle, (s) => s.currentStep === 'Y.burn-in', 'the burn-in of cell Y');
      await handle.signal('rollback', { by: 'carol', reason: 'after the continues' });
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cell-continued-rolled-back');
      const described = await handle.describe();
      return { final: result, runs: await runsOf(client, handle.workflowId), attributes: described.typedSearchAttributes };
    });
    const report = await load.stop();
    expect(final.state).toBe('rolled-back');
    // Every step boundary after the first step of a run began a new run.
    expect(runs).toBeGreaterThan(5);
    expect(final.events.filter((e) => e.type === 'continued-as-new')).toHaveLength(runs - 1);
    // The first run's audit trail and the approval given in an earlier run are in the last run's status.
    expect(final.events[0]?.type).toBe('rollout-started');
    expect(final.approvals).toEqual([expect.objectContaining({ phase: 'cell-Y', by: 'alice', comment: 'X looks good' })]);
    // What changed is marked undone by the rollback; what only read stays done.
    expect(final.steps.filter((s) => s.status === 'undone').map((s) => s.id)).toEqual(expect.arrayContaining(['X.install', 'Y.install']));
    expect(final.steps.filter((s) => s.status === 'done').map((s) => s.id)).toEqual(expect.arrayContaining(['X.drain', 'Y.drain', 'rollback.app-servers']));
    const attribute = (name: string) => attributes.getAll().find((a) => a.key.name === name)?.value;
    expect([attribute('RolloutApp'), attribute('RolloutState'), attribute('RolloutStrategy')]).toEqual(['userHitCount', 'rolled-back', 'multiCellRollout']);
    expect(attribute('RolloutTarget')).toBe(`userHitCount@${lab.estate.name}`);
    // What the earlier runs changed is rolled back: X's install happened two or more runs before.
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    expect((await lab.servers()).every((s) => s.version === '1.0' && s.running && s.runningVirtualHost === 'prod_vhost')).toBe(true);
    expectCleanLoad(report);
  });
});

/** The estate's target lease, as the server describes it. */
async function leaseOf(client: Client, estate: { name: string }) {
  return client.workflow.getHandle(targetLeaseId(`userHitCount@${estate.name}`)).describe();
}

/** How the estate's target lease ended, once it has (within a few seconds). */
async function leaseEnd(client: Client, estate: { name: string }): Promise<string> {
  for (let i = 0; ; i++) {
    const status = (await leaseOf(client, estate)).status.name;
    if (status !== 'RUNNING' || i >= 100) return status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How many runs the workflow's chain has: every run but the last ended in a continue-as-new. */
async function runsOf(client: Client, workflowId: string): Promise<number> {
  let runs = 0;
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    runs++;
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}
