/**
 * Off-peak windows on the lab: the real dev server, real HAProxy and the lab's processes. The
 * windows are computed here, relative to now, in Asia/Kolkata: UTC+05:30 all year, so the test's own
 * arithmetic is exact, and the workflow has to get the same answer through luxon and the time-zone
 * data of the workflow sandbox.
 *
 * Timeline (HH:MM resolution, so window 1 is one minute long): the rollout starts before window 1
 * and waits; in window 1 it runs cell X, whose burn-in (60 s) outlasts the window; the gate that
 * follows is held until window 2, two hours later. While held it takes an approval, and a rollback
 * ends the wait at once.
 */
import path from 'node:path';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { approvePhaseUpdate, pauseRolloutUpdate, requestRollbackUpdate, resumeRolloutUpdate } from '../../workflows/messages';
import { rolloutSearchAttributes } from '../../workflows/search-attributes';
import { labRequest, recordHistory, routingOf, startScenarioLab, terminateLeftovers, track, waitForState, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { testClient, withTestWorker } from '../support/temporal';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');
const zone = 'Asia/Kolkata';
const zoneOffsetMs = (5 * 60 + 30) * 60_000;
const minute = 60_000;

const pad = (n: number): string => String(n).padStart(2, '0');
/** Local HH:MM in the zone of an instant. */
function clock(ms: number): string {
  const local = new Date(ms + zoneOffsetMs);
  return `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
}
/** How Current details spells an instant: `Sat 2026-06-13 01:00 Asia/Kolkata (2026-06-12 19:30 UTC)`. */
function spelled(ms: number): string {
  const local = new Date(ms + zoneOffsetMs).toISOString();
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(ms + zoneOffsetMs).getUTCDay()];
  const utc = new Date(ms).toISOString();
  return `${day} ${local.slice(0, 10)} ${local.slice(11, 16)} ${zone} (${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC)`;
}
const iso = (ms: number): string => new Date(ms).toISOString();
const everyDay = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

describe('off-peak windows on the lab', () => {
  let lab: ScenarioLab;

  beforeAll(async () => {
    lab = await startScenarioLab(22900);
  });
  afterAll(async () => {
    await terminateLeftovers();
    await lab?.stop();
  });

  it('waits for a window, holds at a step boundary when it closes, takes approvals while held, and rolls back at once', async () => {
    const client: Client = await testClient();
    await withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir }), async ({ taskQueue }) => {
      const before = routingOf(await lab.routing());
      // Window 1 opens at the next minute boundary at least 10 s away (time to look at the wait: the
      // rollout shows it within a few seconds even on a loaded machine).
      const opens = Math.ceil((Date.now() + 10_000) / minute) * minute;
      const closes = opens + minute;
      const next = opens + 120 * minute;
      const windows = {
        timeZone: zone,
        windows: [
          { days: everyDay, start: clock(opens), end: clock(closes) },
          { days: everyDay, start: clock(next), end: clock(next + minute) },
        ],
      };
      const request = labRequest(lab.estate, { burnInSeconds: 60, windows });
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `windows-${Date.now()}`, args: [request] }));

      // Before window 1: waiting, nothing begun, nothing touched.
      const waiting = await waitForState(handle, 'waiting-window');
      expect(Date.now()).toBeLessThan(opens);
      expect(waiting.window).toEqual({ opensAt: iso(opens), timeZone: zone });
      expect(waiting.steps.every((s) => s.status === 'pending' && s.startedAt === undefined)).toBe(true);
      expect(routingOf(await lab.routing())).toEqual(before);
      expect((await handle.describe()).typedSearchAttributes.get(rolloutSearchAttributes.state)).toBe('waiting-window');
      const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
      expect(metadata.currentDetails).toContain(`Waiting for the off-peak window opening ${spelled(opens)}`);

      // A pause holds the wait; a resume goes back to it (or on, if the window opened meanwhile).
      const paused = await handle.executeUpdate(pauseRolloutUpdate, { args: [{ by: 'dave', reason: 'checking' }] });
      expect(paused.state).toBe('paused');
      const resumed = await handle.executeUpdate(resumeRolloutUpdate, { args: [{ by: 'dave' }] });
      if (Date.now() < opens - 1000) expect(resumed.state).toBe('waiting-window');

      // Window 1 opens: cell X runs; its burn-in runs past the close; the gate after it is held.
      const held = await waitForStatus(handle, (s) => s.state === 'waiting-window' && s.steps.some((st) => st.status === 'done'), 'the hold after window 1');
      expect(Date.now()).toBeGreaterThanOrEqual(closes);
      expect(held.window).toEqual({ opensAt: iso(next), timeZone: zone });
      const byId = new Map(held.steps.map((s) => [s.id, s]));
      const xSteps = held.steps.filter((s) => s.id.startsWith('X.'));
      expect(xSteps.map((s) => s.status)).toEqual(xSteps.map(() => 'done'));
      expect(byId.get('cell-Y.approval')?.status).toBe('pending');
      expect(held.steps.filter((s) => s.id.startsWith('Y.')).every((s) => s.status === 'pending')).toBe(true);
      expect(held.pendingApproval).toBeUndefined();
      // The step under way when the window closed ran to its end.
      expect(Date.parse(byId.get('X.burn-in')?.endedAt ?? '')).toBeGreaterThanOrEqual(closes);
      // Every step began inside window 1.
      const starts = held.steps.filter((s) => s.startedAt).map((s) => Date.parse(s.startedAt as string));
      expect(starts).toHaveLength(xSteps.length);
      for (const t of starts) {
        expect(t).toBeGreaterThanOrEqual(opens);
        expect(t).toBeLessThan(closes);
      }
      expect(held.events).toContainEqual(expect.objectContaining({ type: 'window-opened' }));

      // An approval of the held gate's phase is taken now and answered at once; a phase the plan lacks is refused.
      const refused = await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'cell-Z' }] }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((refused as WorkflowUpdateFailedError).cause as Error).message).toBe('the plan has no phase cell-Z; its phases are cell-X, cell-Y');
      const approved = await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'cell-Y', comment: 'go at the next window' }] });
      expect(approved.state).toBe('waiting-window');
      expect(approved.events).toContainEqual(expect.objectContaining({ by: 'alice', type: 'approval-received', message: 'approved cell-Y: go at the next window' }));
      expect(approved.steps.find((s) => s.id === 'cell-Y.approval')?.status).toBe('pending');

      // A rollback in a closed window goes through at once (window 2 is two hours away).
      const rolling = await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'bob', reason: 'not this week' }] });
      expect(rolling.state).toBe('rolling-back');
      const final = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'windows-rollback-while-waiting');
      expect(Date.now()).toBeLessThan(next);
      expect(final.state).toBe('rolled-back');
      expect(final.window).toBeUndefined();
      expect(final.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
      expect(final.steps.find((s) => s.id === 'Y.stop-new-sessions')?.status).toBe('skipped');
      expect(routingOf(await lab.routing())).toEqual(before);
      expect((await lab.servers()).map((s) => s.version)).toEqual(['1.0', '1.0', '1.0', '1.0', '1.0', '1.0']);
    });
  });
});
