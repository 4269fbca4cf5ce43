/**
 * Rollback you can trust, on the lab under session-aware load (40 req/s through the sprayer): a
 * rollback never takes the site dark, and a rollback that meets a fault (the HAProxy Runtime API
 * unreachable, the deployment manager down) retries, shows why it is blocked, and finishes with the
 * routing exactly as it was before the rollout.
 */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { approvePhaseUpdate, requestRollbackUpdate, statusQuery } from '../../workflows/messages';
import { expectCleanLoad, labRequest, loadFigures, recordHistory, routingOf, startLoad, track, waitForState, waitForStatus } from '../support/rollout-harness';
import { runCli } from '../support/cli';
import { labPerTest } from '../support/scenario';
import { testTemporal } from '../support/temporal';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

const rate = 40;

describe('rollback you can trust, on the lab under load', () => {
  const scenario = labPerTest(6000);
  const withWorker = scenario.withWorker;

  it('rolls back during the last burn-in, when every cell holds N+1, without a failed request', async () => {
    const lab = scenario.lab();
    const load = startLoad(lab.estate, rate);
    const before = await lab.routing();
    const final = await withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `burn-in-${Date.now()}`, args: [labRequest(lab.estate, { burnInSeconds: 8 })] }));
      await waitForState(handle, 'awaiting-approval');
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice' }] });
      await waitForStatus(handle, (s) => s.currentStep === 'Y.burn-in', 'the burn-in of the last cell');
      expect((await lab.servers()).map((s) => s.version)).toEqual(['1.1', '1.1', '1.1', '1.1', '1.1', '1.1']);
      const rolling = await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'bob', reason: 'errors on 1.1' }] });
      // N+1 keeps serving until N is back on one cell: nothing at the sprayer drains at once.
      expect(rolling.rollback?.route[0]).toBe('Restore routing: no cell runs 1.0 yet, so X, Y keep taking new sessions on 1.1');
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cell-rollback-last-burn-in');
      return result;
    });
    const report = await load.stop();
    process.stderr.write(`rollback during the last burn-in: ${JSON.stringify(loadFigures(report))}\n`);
    expect(final.state).toBe('rolled-back');
    const rollbackSteps = final.steps.filter((s) => s.id.startsWith('rollback.'));
    expect(rollbackSteps.map((s) => [s.id, s.status])).toEqual(
      ['rollback.routing', 'rollback.Y.hold', 'rollback.Y.drain', 'rollback.Y.reinstall', 'rollback.Y.route', 'rollback.X.hold', 'rollback.X.drain', 'rollback.X.reinstall', 'rollback.X.route', 'rollback.app-servers'].map((id) => [id, 'done']),
    );
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    expect((await lab.servers()).map((s) => s.version)).toEqual(['1.0', '1.0', '1.0', '1.0', '1.0', '1.0']);
    expectCleanLoad(report);
  });

  it('finishes a rollback through 20 s without the HAProxy Runtime API and 20 s without the deployment manager', async () => {
    const lab = scenario.lab();
    const load = startLoad(lab.estate, rate);
    const before = await lab.routing();
    // Each outage outlasts the rollback's backoff to its interval (1, 2, 4, then 5 s; each attempt is
    // 3 tries 0.5 s and 1 s apart): the blocked step retries at its full interval before the fault
    // clears. The deployment manager's stays down at least until the drain's deadline (20 s) blocks it.
    const outage = 20_000;
    const request = labRequest(lab.estate, { burnInSeconds: 1, drain: { pollIntervalSeconds: 1, maxWaitSeconds: 20, sessionThreshold: 0, onTimeout: 'fail' }, rollback: { retryIntervalSeconds: 5 } });
    const { final, seen } = await withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `faults-${Date.now()}`, args: [request] }));
      await waitForState(handle, 'awaiting-approval');
      // Cell X runs 1.1 and takes new sessions; the Runtime API goes away just as the rollback is asked for.
      await lab.lab.faults.cutRuntimeApi();
      const cutAt = Date.now();
      await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'bob', reason: 'errors on 1.1' }] });
      const socketBlocked = await waitForStatus(handle, (s) => s.rollback?.blocked?.stepId === 'rollback.routing', 'the routing step blocked by the Runtime API');
      const details = ((await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string }).currentDetails ?? '';
      await new Promise((r) => setTimeout(r, Math.max(0, outage - (Date.now() - cutAt))));
      expect((await handle.query(statusQuery)).state).toBe('rolling-back');
      await lab.lab.faults.restoreRuntimeApi();
      // Routing restored; while cell X's 1.1 sessions end, the deployment manager goes away.
      await waitForStatus(handle, (s) => s.currentStep === 'rollback.X.drain', "the drain of cell X's 1.1 sessions");
      await lab.lab.faults.stopDmgr();
      const downAt = Date.now();
      const unknown = await waitForStatus(handle, (s) => (s.drain?.servers ?? []).length > 0 && (s.drain?.servers ?? []).every((x) => x.sessions === null), 'unknown session counts');
      const dmgrBlocked = await waitForStatus(handle, (s) => s.rollback?.blocked?.stepId === 'rollback.X.drain', 'the drain blocked on counts nobody can read');
      await new Promise((r) => setTimeout(r, Math.max(0, outage - (Date.now() - downAt))));
      expect((await handle.query(statusQuery)).state).toBe('rolling-back');
      await lab.lab.faults.startDmgr();
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cell-rollback-through-faults');
      return { final: result, seen: { socketBlocked, details, unknown, dmgrBlocked } };
    });
    const report = await load.stop();
    process.stderr.write(`rollback through a Runtime API outage and a dmgr outage: ${JSON.stringify(loadFigures(report))}\n`);
    expect(seen.socketBlocked.rollback?.blocked?.reason).toMatch(/unreachable/);
    expect(seen.details).toMatch(/rollback blocked: .*unreachable.*; retrying every \d+s/);
    expect(seen.unknown.drain?.servers.map((x) => x.name)).toEqual(['ServerX1', 'ServerX2', 'ServerX3']);
    expect(seen.dmgrBlocked.rollback?.blocked?.reason).toMatch(/^counts unknown at the drain's deadline: ServerX1/);
    expect(final.state).toBe('rolled-back');
    expect(final.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => [s.id, s.status])).toEqual(
      ['rollback.routing', 'rollback.X.drain', 'rollback.X.reinstall', 'rollback.X.route', 'rollback.app-servers'].map((id) => [id, 'done']),
    );
    expect(final.events.map((e) => e.type)).toEqual(expect.arrayContaining(['rollback-blocked', 'rollback-unblocked']));
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    expect((await lab.servers()).map((s) => s.version)).toEqual(['1.0', '1.0', '1.0', '1.0', '1.0', '1.0']);
    expect({ failed: report.failed, lostSessions: report.lostSessions, versionFlips: report.versionFlips }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0 });
  });

  it('pauses a blocked rollback and ends it as is, on the record, only when a person says so', async () => {
    const lab = scenario.lab();
    const request = labRequest(lab.estate, { burnInSeconds: 1, rollback: { retryIntervalSeconds: 2 } });
    const { final, failure, paused, resumed, left } = await withWorker(async (client, taskQueue) => {
      const env = { TEMPORAL_ADDRESS: testTemporal().address, TURNOUT_TASK_QUEUE: taskQueue };
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `as-is-${Date.now()}`, args: [request] }));
      await waitForState(handle, 'awaiting-approval');
      await lab.lab.faults.cutRuntimeApi();
      try {
        await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'bob', reason: 'errors on 1.1' }] });
        await waitForStatus(handle, (s) => s.rollback?.blocked?.stepId === 'rollback.routing', 'the blocked routing step');
        // A leave-as-is must say why; refused, the rollback goes on retrying.
        const noReason = await runCli(['leave-as-is', handle.workflowId, '--by', 'carol', '--reason', ' '], env);
        const pause = await runCli(['pause', handle.workflowId, '--by', 'carol', '--reason', 'looking at HAProxy'], env);
        const pausedStatus = await waitForState(handle, 'paused');
        const resume = await runCli(['resume', handle.workflowId, '--by', 'carol'], env);
        const resumedStatus = await waitForStatus(handle, (s) => s.state === 'rolling-back' && (s.rollback?.blocked?.attempts ?? 0) > (pausedStatus.rollback?.blocked?.attempts ?? 0), 'the retries after the resume');
        const leave = await runCli(['leave-as-is', handle.workflowId, '--by', 'carol', '--reason', 'HAProxy is being replaced; routing by hand'], env);
        const outcome = await handle.result().then(() => undefined, (err: unknown) => err);
        await recordHistory(client, handle.workflowId, 'multi-cell-left-as-is');
        return { final: await handle.query(statusQuery), failure: outcome, paused: { cli: pause, status: pausedStatus }, resumed: { cli: resume, status: resumedStatus }, left: { cli: leave, noReason } };
      } finally {
        await lab.lab.faults.restoreRuntimeApi();
      }
    });
    expect(left.noReason.code).toBe(3);
    expect(paused.cli.code).toBe(0);
    expect(paused.status.rollback?.blocked?.stepId).toBe('rollback.routing');
    expect(resumed.cli.code).toBe(0);
    expect(left.cli).toMatchObject({ code: 0 });
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(((failure as WorkflowFailedError).cause as ApplicationFailure).type).toBe('RollbackLeftAsIs');
    expect(final.state).toBe('failed');
    expect(final.reason).toBe('rollback left as is by carol: HAProxy is being replaced; routing by hand; not restored: rollback.routing, rollback.X.drain, rollback.X.reinstall, rollback.X.route, rollback.app-servers');
    expect(final.rollback?.leftAsIs).toMatchObject({ by: 'carol', reason: 'HAProxy is being replaced; routing by hand' });
    expect(final.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => [s.id, s.status])).toEqual([
      ['rollback.routing', 'failed'],
      ['rollback.X.drain', 'skipped'],
      ['rollback.X.reinstall', 'skipped'],
      ['rollback.X.route', 'skipped'],
      ['rollback.app-servers', 'skipped'],
    ]);
    expect(final.events.map((e) => e.type)).toEqual(expect.arrayContaining(['rollback-blocked', 'pause-requested', 'resumed', 'leave-as-is-requested', 'left-as-is']));
  });
});
