/**
 * Requests that would silently remove a safeguard, started directly with the client (as the
 * Temporal UI does): each fails at once, naming its JSON path, with no activity run and no target
 * claimed. And approvers: a refused approver (signal and the CLI's update), an accepted one, and
 * the audit trail. One worker serves both, with stand-in activities that record every call.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { createActivities, type ActivityDeps } from '../../activities';
import type { RoutingSnapshot } from '../../activities/rollout-types';
import type { RolloutStatus } from '../../src/model';
import { approvePhaseUpdate, approveSignal } from '../../workflows/messages';
import { runCli } from '../support/cli';
import { recordHistory, track, waitForStatus } from '../support/rollout-harness';
import { testTemporal, withTestWorker } from '../support/temporal';
import { safeRequest, unsafeCases, unsafeRequest } from '../support/unsafe-requests';

const calls: string[] = [];
const snapshot: RoutingSnapshot = { backend: 'cells', servers: [], affinity: {} };

/** Every activity a worker registers, each recording its call; only the sprayer snapshot answers. */
function recordingActivities(): Record<string, (...args: unknown[]) => Promise<unknown>> {
  const names = Object.keys(createActivities({ estatesDir: '.' } as ActivityDeps));
  return Object.fromEntries(
    names.map((name) => [
      name,
      async () => {
        calls.push(name);
        if (name === 'snapshotRouting') return snapshot;
        // What a rollback would give the app servers back: nothing recorded, nothing to put back.
        if (name === 'recordAppServers') return [];
        throw ApplicationFailure.nonRetryable(`the stand-in ${name} does nothing`);
      },
    ]),
  );
}

/** The failure a workflow ended with: its message and type, from the ApplicationFailure cause. */
async function failureOf(client: Client, workflowId: string): Promise<{ message: string; type: string | undefined | null }> {
  try {
    await client.workflow.getHandle(workflowId).result();
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return { message: err.cause.message, type: err.cause.type };
    throw err;
  }
  throw new Error(`${workflowId} did not fail`);
}

/** What a run's history holds that touches anything: activities and child workflows (the target lease). */
async function touchesIn(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => [
    ...(e.activityTaskScheduledEventAttributes ? [`activity ${e.activityTaskScheduledEventAttributes.activityType?.name}`] : []),
    ...(e.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? ['local activity'] : []),
    ...(e.startChildWorkflowExecutionInitiatedEventAttributes ? [`child ${e.startChildWorkflowExecutionInitiatedEventAttributes.workflowType?.name}`] : []),
  ]);
}

/** A weekday three days on: the window is shut now, so the rollout waits before its first step. */
function shutWindows() {
  const days = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
  return { timeZone: 'UTC', windows: [{ days: [days[(new Date().getUTCDay() + 3) % 7]], start: '01:00', end: '02:00' }] };
}

describe('safeguards through a workflow started with the client', () => {
  it('every unsafe request fails at once, naming its path; no activity runs, no target is claimed', async () => {
    await withTestWorker(recordingActivities(), async ({ client, taskQueue }) => {
      const started = Date.now();
      const ids = await Promise.all(
        unsafeCases.map(async (c, i) => {
          const workflowId = `unsafe-${i}-${randomUUID()}`;
          await client.workflow.start('multiCellRollout', { taskQueue, workflowId, args: [unsafeRequest(c)] });
          return workflowId;
        }),
      );
      const failures = await Promise.all(ids.map((id) => failureOf(client, id)));
      console.log(`safeguards: ${ids.length} unsafe requests failed within ${Date.now() - started} ms`);
      unsafeCases.forEach((c, i) => {
        const failure = failures[i];
        expect({ name: c.name, type: failure?.type }).toEqual({ name: c.name, type: 'InvalidInput' });
        expect(failure?.message).toContain(`\n${c.path}: `);
        if (c.says) expect(failure?.message).toContain(c.says);
      });
      expect(calls).toEqual([]);
      for (const id of ids) expect({ id, touches: await touchesIn(client, id) }).toEqual({ id, touches: [] });
      await recordHistory(client, ids[0] as string, 'unsafe-request-refused');
    });
  });

  it('approvers: anyone else is refused by signal and by the CLI update, an approver is taken, and the audit trail says so', async () => {
    await withTestWorker(recordingActivities(), async ({ client, taskQueue }) => {
      const request = safeRequest();
      // Its own estate name, so its target lease meets no other test's.
      request.estate.name = `safeguards-${randomUUID().slice(0, 8)}`;
      request.estate.approverGroups = { release: ['alice', 'bob'] };
      request.approvals = { approvers: ['group:release', 'carol'], fourEyes: true };
      request.startedBy = 'alice';
      request.windows = shutWindows();
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `approvers-${randomUUID()}`, args: [request] }));
      try {
        await waitForStatus(handle, (s) => s.state === 'waiting-window', 'waiting for its window', { limitMs: 20_000 });
        await handle.signal(approveSignal, { by: 'mallory', phase: 'cell-Y' });
        const env = { TEMPORAL_ADDRESS: testTemporal().address, TURNOUT_TASK_QUEUE: taskQueue };
        const cli = await runCli(['approve', handle.workflowId, '--by', 'mallory', '--phase', 'cell-Y'], env);
        expect(cli.code).toBe(3);
        expect(cli.stderr).toContain('mallory is not an approver of this rollout (approvals.approvers); approvers: alice, bob, carol');
        await expect(handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'cell-Y' }] })).rejects.toThrow(WorkflowUpdateFailedError);
        const accepted = await runCli(['approve', handle.workflowId, '--by', 'bob', '--phase', 'cell-Y', '--comment', 'release group'], env);
        expect(accepted).toMatchObject({ code: 0 });
        const status: RolloutStatus = await waitForStatus(handle, (s) => s.events.some((e) => e.type === 'approval-received'), 'the approval recorded', { limitMs: 10_000 });
        const trail = status.events.filter((e) => e.type === 'message-refused' || e.type === 'approval-received').map((e) => `${e.by} ${e.type}: ${e.message}`);
        expect(trail).toEqual([
          'mallory message-refused: approve refused: mallory is not an approver of this rollout (approvals.approvers); approvers: alice, bob, carol',
          'bob approval-received: approved cell-Y: release group',
        ]);
      } finally {
        await handle.terminate('test over');
      }
      await recordHistory(client, handle.workflowId, 'approvers');
    });
  });
});
