/**
 * The release engineer's cockpit, through the real CLI (in-process) against the real dev server and
 * the lab: four-eyes refusals, approval timeout actions, the rollout search attributes,
 * `status --watch` (text and NDJSON), delayed starts, and exit 3 for what cannot be done.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import type { RolloutStatus } from '../../src/model';
import { stepTime } from '../../src/planning/status-view';
import { approvePhaseUpdate, statusQuery } from '../../workflows/messages';
import { runCli } from '../support/cli';
import { labRequest, startScenarioLab, terminateLeftovers, track, waitForState, type ScenarioLab } from '../support/rollout-harness';
import { testClient, testTemporal, withTestWorker } from '../support/temporal';
import { tempDir } from '../support/temp-dir';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');
/** Far beyond the dev server's visibility lag; reaching it means the listing never matched. */
const visibilityLimitMs = 60_000;

/** Polls a visibility query until `id` is (or is no longer) among its results. */
async function waitForListing(client: Client, query: string, id: string, present: boolean): Promise<void> {
  const deadline = Date.now() + visibilityLimitMs;
  for (;;) {
    const ids: string[] = [];
    for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
    if (ids.includes(id) === present) return;
    if (Date.now() > deadline) throw new Error(`${query} ${present ? 'never listed' : 'still lists'} ${id}; it lists ${ids.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The last block a non-TTY `status --watch` printed (blocks are separated by a blank line). */
function lastBlock(stdout: string): string {
  return stdout.trimEnd().split('\n\n').at(-1) ?? '';
}

describe('the turnout cockpit', () => {
  let lab: ScenarioLab;
  beforeAll(async () => {
    lab = await startScenarioLab(19500);
  });
  afterEach(terminateLeftovers);
  afterAll(async () => {
    await lab?.stop();
  });

  const cliEnv = (taskQueue: string) => ({ TEMPORAL_ADDRESS: testTemporal().address, TURNOUT_TASK_QUEUE: taskQueue });

  async function withWorker<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const client = await testClient();
    return withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir }), ({ taskQueue }) => fn(client, taskQueue));
  }

  it('says "no rollout <id>" with exit 3 for an unknown ID, whatever the command', async () => {
    const env = cliEnv('unused');
    for (const args of [['status', 'no-such-rollout'], ['status', 'no-such-rollout', '--watch'], ['rollback', 'no-such-rollout', '--by', 'carol', '--reason', 'x'], ['approve', 'no-such-rollout', '--by', 'alice'], ['report', 'no-such-rollout', '--md']]) {
      const run = await runCli(args, env);
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 3, stderr: 'no rollout no-such-rollout in namespace default\n' });
    }
  });

  it('shows a delayed start as scheduled, with its start time, and refuses messages until it begins', async () => {
    const dir = tempDir('cockpit');
    const file = path.join(dir, 'req.json');
    writeFileSync(file, JSON.stringify(labRequest(lab.estate)));
    const at = new Date(Date.now() + 3600_000).toISOString();
    const id = `cockpit-at-${Date.now()}`;
    const env = cliEnv('nobody-polls-this-queue');
    const started = await runCli(['start', file, '--at', at, '--id', id, '--json'], env);
    expect(started).toMatchObject({ code: 0, stderr: '' });
    track((await testClient()).workflow.getHandle(id));
    expect(JSON.parse(started.stdout)).toMatchObject({ rolloutId: id, workflowType: 'multiCellRollout', target: `userHitCount@${lab.estate.name}`, startsAt: at });
    const json = await runCli(['status', id, '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ rolloutId: id, state: 'scheduled', startsAt: at, app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', target: `userHitCount@${lab.estate.name}` });
    const text = await runCli(['status', id], env);
    expect(text.stdout).toContain('state: scheduled');
    expect(text.stdout).toContain(`scheduled: starts at ${at}`);
    const rollback = await runCli(['rollback', id, '--by', 'carol', '--reason', 'not this week'], env);
    expect(rollback).toMatchObject({ code: 3, stderr: `rollback refused: rollout ${id} has not begun; it starts at ${at}\n` });
  });

  it('refuses a four-eyes self-approval (exit 3, still waiting), lists the rollout by search attributes while it waits, and watches it to the end', async () => {
    await withWorker(async (client, taskQueue) => {
      const env = cliEnv(taskQueue);
      const id = `cockpit-4eyes-${Date.now()}`;
      const request = labRequest(lab.estate, { startedBy: 'bob', approvals: { phases: ['*'], timeoutSeconds: 3600, onTimeout: 'wait', fourEyes: true } });
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: id, args: [request] }));
      await waitForState(handle, 'awaiting-approval');
      const waiting = `RolloutApp="userHitCount" AND RolloutState="awaiting-approval"`;
      await waitForListing(client, waiting, id, true);

      const bob = await runCli(['approve', id, '--by', 'bob', '--phase', 'cell-Y'], env);
      expect(bob).toMatchObject({ code: 3, stdout: '', stderr: 'approve refused: four-eyes: bob started this rollout and cannot approve it\n' });
      const still = await handle.query(statusQuery);
      expect(still.state).toBe('awaiting-approval');
      expect(still.approvals).toEqual([]);

      const shown = await runCli(['status', id], env);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('state: awaiting-approval');
      expect(shown.stdout).toContain(`  turnout approve ${id} --by <you> --phase cell-Y`);

      const alice = await runCli(['approve', id, '--by', 'alice', '--comment', 'X looks good', '--json'], env);
      expect(alice).toMatchObject({ code: 0, stderr: '' });
      const after = JSON.parse(alice.stdout) as RolloutStatus;
      expect(after.state).not.toBe('awaiting-approval');
      expect(after.approvals).toEqual([{ phase: 'cell-Y', by: 'alice', at: expect.any(String), comment: 'X looks good' }]);
      await waitForListing(client, waiting, id, false);

      const watch = await runCli(['status', id, '--watch'], env);
      expect(watch).toMatchObject({ code: 0, stderr: '' });
      const final = lastBlock(watch.stdout);
      expect(final).toContain('state: succeeded');
      const done = await rolloutOutcome(handle);
      for (const step of done.steps) expect(final).toContain(`  [x] ${step.title}  (${stepTime(step, 'local')})\n`);
      expect(final).toContain(`approved cell-Y by alice at ${done.approvals[0]?.at}: X looks good`);
      expect(final).not.toContain('<- now');

      // The ticket's summary of the closed rollout: its query still answers, its history gives the rest.
      const report = await runCli(['report', id, '--md'], env);
      expect(report).toMatchObject({ code: 0, stderr: '' });
      expect(report.stdout).toMatch(new RegExp(`^# Rollout report: ${id}\n\n## Summary\n\n- multiCellRollout: userHitCount 1.0 -> 1.1 on userHitCount@${lab.estate.name}\n- outcome: succeeded\n`));
      const rows = report.stdout.split('\n').filter((l) => /^\| \d+ \| /.test(l));
      expect(rows.map((l) => l.slice(l.lastIndexOf(' | ', l.length - 3) + 3, -2))).toEqual(done.steps.map((step) => step.title));
      expect(rows.filter((l) => !l.includes(' | ✓ done | '))).toEqual([]);
      expect(report.stdout).toContain(`| ${done.approvals[0]?.at.slice(11, 19)} | alice | cell-Y | X looks good |`);

      const rollback = await runCli(['rollback', id, '--by', 'carol', '--reason', 'too late'], env);
      expect(rollback).toMatchObject({ code: 3, stdout: '', stderr: `rollback refused: rollout ${id} has ended (succeeded)\n` });
      const pause = await runCli(['pause', id, '--by', 'carol', '--json'], env);
      expect(pause).toMatchObject({ code: 3, stdout: '', stderr: `pause refused: rollout ${id} has ended (succeeded)\n` });
    });
  });

  it('keeps waiting past the approval timeout with onTimeout "wait", proceeds when approved, and streams NDJSON with --json --watch', async () => {
    await withWorker(async (client, taskQueue) => {
      const id = `cockpit-wait-${Date.now()}`;
      const timeoutSeconds = 2;
      const request = labRequest(lab.estate, { approvals: { phases: ['*'], timeoutSeconds, onTimeout: 'wait' } });
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: id, args: [request] }));
      const gate = await waitForState(handle, 'awaiting-approval');
      expect(gate.pendingApproval?.timeoutAt).toBeUndefined();
      // Well past the timeout (a margin for a busy machine): it still waits for a person.
      const past = Date.parse(gate.pendingApproval?.since ?? '') + (timeoutSeconds + 3) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, past - Date.now())));
      const later = await handle.query(statusQuery);
      expect(later.state).toBe('awaiting-approval');
      expect(later.events.map((e) => e.type)).not.toContain('rollback-requested');

      const watching = runCli(['status', id, '--json', '--watch'], cliEnv(taskQueue));
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', comment: 'late but fine' }] });
      const watch = await watching;
      expect(watch).toMatchObject({ code: 0, stderr: '' });
      const lines = watch.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as RolloutStatus);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.at(-1)).toMatchObject({ rolloutId: id, state: 'succeeded', approvals: [expect.objectContaining({ by: 'alice', comment: 'late but fine' })] });
      // One line per change: no two consecutive lines alike.
      for (let i = 1; i < lines.length; i++) expect(lines[i]).not.toEqual(lines[i - 1]);
    });
  });

  it('ends failed with the reason when nobody approves in time and onTimeout is "fail"; status --watch exits 1', async () => {
    await withWorker(async (client, taskQueue) => {
      const id = `cockpit-fail-${Date.now()}`;
      const request = labRequest(lab.estate, { approvals: { phases: ['*'], timeoutSeconds: 2, onTimeout: 'fail' } });
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: id, args: [request] }));
      const outcome = await handle.result().then(
        (s) => ({ ok: true, status: s as RolloutStatus }),
        (err: Error) => ({ ok: false, message: (err.cause as Error | undefined)?.message ?? err.message }),
      );
      expect(outcome).toEqual({ ok: false, message: 'nobody approved cell-Y within 2s' });
      const env = cliEnv(taskQueue);
      const json = await runCli(['status', id, '--json'], env);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ state: 'failed', reason: 'nobody approved cell-Y within 2s' });
      const watch = await runCli(['status', id, '--watch'], env);
      expect(watch.code).toBe(1);
      expect(watch.stdout).toContain('state: failed');
      expect(watch.stderr).toBe(`rollout ${id} ended failed: nobody approved cell-Y within 2s\n`);
      const rollback = await runCli(['rollback', id, '--by', 'carol', '--reason', 'clean up'], env);
      expect(rollback).toMatchObject({ code: 3, stderr: `rollback refused: rollout ${id} has ended (failed: nobody approved cell-Y within 2s)\n` });
    });
  });
});
