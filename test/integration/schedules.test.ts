/**
 * `turnout schedule ...` on real Temporal Schedules (the shared dev server) and the lab: creating,
 * listing, triggering, pausing, deleting; invalid input creating nothing; and the one-rollout-per-
 * target rule holding for scheduled runs, whose workflow IDs the server makes up.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ScheduleNotFoundError, WorkflowFailedError, type Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import type { ScheduleRow } from '../../src/cli/commands/schedule';
import { runCli } from '../support/cli';
import { labRequest, routingOf, startScenarioLab, terminateLeftovers, track, waitForState, type ScenarioLab } from '../support/rollout-harness';
import { testClient, testTemporal, withTestWorker } from '../support/temporal';
import { tempDir } from '../support/temp-dir';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');
/** Far beyond the dev server's visibility lag and a schedule's reaction to a trigger. */
const waitLimitMs = 60_000;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + waitLimitMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`never saw ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The workflow the schedule started for its `n`-th action (1-based). */
async function nthRun(client: Client, scheduleId: string, n: number): Promise<string> {
  return eventually(`run ${n} of ${scheduleId}`, async () => (await client.schedule.getHandle(scheduleId).describe()).info.recentActions[n - 1]?.action.workflow.workflowId);
}

async function scheduleExists(client: Client, id: string): Promise<boolean> {
  return client.schedule
    .getHandle(id)
    .describe()
    .then(
      () => true,
      (err: unknown) => {
        if (err instanceof ScheduleNotFoundError) return false;
        throw err;
      },
    );
}

describe('turnout schedule', () => {
  let lab: ScenarioLab;
  let dir: string;
  const created: string[] = [];

  beforeAll(async () => {
    lab = await startScenarioLab(20500);
    dir = tempDir('schedules');
  });
  afterEach(async () => {
    await terminateLeftovers();
    const client = await testClient();
    await Promise.all(created.splice(0).map((id) => client.schedule.getHandle(id).delete().catch(() => undefined)));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const cliEnv = (taskQueue: string) => ({ TEMPORAL_ADDRESS: testTemporal().address, TURNOUT_TASK_QUEUE: taskQueue });

  function requestFile(name: string, request: Record<string, unknown>): string {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(request));
    return file;
  }

  async function withWorker<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const client = await testClient();
    return withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir }), ({ taskQueue }) => fn(client, taskQueue));
  }

  it('refuses a bad calendar, zone, date or request with exit 2, naming it, and creates nothing', async () => {
    const client = await testClient();
    const env = cliEnv('unused');
    const good = requestFile('good', labRequest(lab.estate));
    const bad = requestFile('bad', labRequest(lab.estate, { drain: { maxWaitSeconds: -1 } }));
    const id = `sched-bad-${Date.now()}`;
    const cases: [string[], RegExp][] = [
      [[good, '--calendar', 'SUNDAY 02:00', '--tz', 'Europe/Berlin'], /^--calendar: unknown day 'SUNDAY'/],
      [[good, '--calendar', 'SUN 25:00', '--tz', 'Europe/Berlin'], /^--calendar: '25:00' is not a time of day/],
      [[good, '--calendar', 'SUN 02:00', '--tz', 'Mars/Olympus_Mons'], /^--tz: 'Mars\/Olympus_Mons' is not an IANA time zone/],
      [[good, '--calendar', 'SUN 02:00', '--tz', 'Europe/Berlin', '--until', 'next week'], /^--until: not an ISO date/],
      [[bad, '--calendar', 'SUN 02:00', '--tz', 'Europe/Berlin'], /invalid request\n {2}\$\.drain\.maxWaitSeconds: /],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(['schedule', 'create', ...args, '--id', id], env);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(run.stderr).toMatch(message);
    }
    expect(await scheduleExists(client, id)).toBe(false);
  });

  it('refuses a scheduled run while the target is rolling out: it fails fast naming the running rollout, touching nothing', async () => {
    await withWorker(async (client, taskQueue) => {
      const env = cliEnv(taskQueue);
      const first = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `sched-owner-${Date.now()}`, args: [labRequest(lab.estate)] }));
      await waitForState(first, 'awaiting-approval');
      const routing = routingOf(await lab.routing());
      const servers = await lab.servers();

      const id = `sched-busy-${Date.now()}`;
      const create = await runCli(['schedule', 'create', requestFile('busy', labRequest(lab.estate, { approvals: { phases: [] } })), '--calendar', 'SUN 02:00', '--tz', 'Europe/Berlin', '--id', id], env);
      expect(create).toMatchObject({ code: 0, stderr: '' });
      created.push(id);
      await client.schedule.getHandle(id).trigger();
      const runId = await nthRun(client, id, 1);
      expect(runId.startsWith(`${id}-`)).toBe(true);
      const failure = await track(client.workflow.getHandle(runId))
        .result()
        .catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const message = `a rollout of userHitCount@${lab.estate.name} is already running: ${first.workflowId}; nothing was touched`;
      expect(((failure as WorkflowFailedError).cause as Error).message).toBe(message);
      expect(routingOf(await lab.routing())).toEqual(routing);
      expect(await lab.servers()).toEqual(servers);
      expect((await waitForState(first, 'awaiting-approval')).approvals).toEqual([]);

      // The CLI shows the refused run as failed, with the lease's message.
      const shown = await runCli(['status', runId, '--json'], env);
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({ rolloutId: runId, state: 'failed', reason: message });

      await first.signal('rollback', { by: 'test', reason: 'done with the lease check' });
      expect((await rolloutOutcome(first)).state).toBe('rolled-back');
    });
  });

  it('creates a schedule, lists it, runs it on trigger, pauses, unpauses and deletes it', async () => {
    await withWorker(async (client, taskQueue) => {
      const env = cliEnv(taskQueue);
      const id = `sched-ok-${Date.now()}`;
      const until = new Date(Date.now() + 60 * 24 * 3600_000);
      const file = requestFile('ok', labRequest(lab.estate, { approvals: { phases: [] }, burnInSeconds: 1 }));
      const create = await runCli(['schedule', 'create', file, '--calendar', 'SUN 02:00', '--tz', 'Europe/Berlin', '--until', until.toISOString(), '--id', id, '--json'], env);
      expect(create).toMatchObject({ code: 0, stderr: '' });
      created.push(id);
      const row = JSON.parse(create.stdout) as ScheduleRow;
      expect(row).toMatchObject({ scheduleId: id, target: `userHitCount@${lab.estate.name}`, workflowType: 'multiCellRollout', calendar: 'SUN 02:00', timeZone: 'Europe/Berlin', paused: false, lastRun: null });
      expect(row.nextRuns).toHaveLength(3);
      const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit' });
      for (const at of row.nextRuns) expect(berlin.format(new Date(at))).toBe('Sun 02:00');

      const description = await client.schedule.getHandle(id).describe();
      expect(description.policies.overlap).toBe('SKIP');
      expect(description.spec.endAt?.toISOString()).toBe(until.toISOString());
      expect(description.action).toMatchObject({ workflowType: 'multiCellRollout', taskQueue });
      expect(description.memo).toMatchObject({ target: `userHitCount@${lab.estate.name}`, calendar: 'SUN 02:00', timeZone: 'Europe/Berlin' });

      const again = await runCli(['schedule', 'create', file, '--calendar', 'SAT 03:00', '--tz', 'UTC', '--id', id], env);
      expect(again).toMatchObject({ code: 3, stdout: '' });
      expect(again.stderr).toContain(`a schedule with ID ${id} already exists`);

      // Listing goes through visibility, which lags behind a moment.
      const listed = await eventually('the schedule in the list', async () => {
        const list = await runCli(['schedule', 'list', '--json'], env);
        return (JSON.parse(list.stdout) as ScheduleRow[]).find((r) => r.scheduleId === id);
      });
      expect(listed).toMatchObject({ target: `userHitCount@${lab.estate.name}`, calendar: 'SUN 02:00', timeZone: 'Europe/Berlin', paused: false });
      const text = await runCli(['schedule', 'list'], env);
      expect(text.stdout).toContain(`${id}  multiCellRollout  userHitCount@${lab.estate.name}  'SUN 02:00' Europe/Berlin`);

      await client.schedule.getHandle(id).trigger();
      const runId = await nthRun(client, id, 1);
      const run = track(client.workflow.getHandle(runId));
      expect((await rolloutOutcome(run)).state).toBe('succeeded');
      expect((await run.describe()).memo).toMatchObject({ app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1' });
      const lastRun = await eventually('the last run in the list', async () => {
        const list = await runCli(['schedule', 'list', '--json'], env);
        return (JSON.parse(list.stdout) as ScheduleRow[]).find((r) => r.scheduleId === id)?.lastRun ?? undefined;
      });
      expect(lastRun.workflowId).toBe(runId);

      const pause = await runCli(['schedule', 'pause', id, '--note', 'change freeze', '--json'], env);
      expect(pause.code).toBe(0);
      expect(JSON.parse(pause.stdout)).toMatchObject({ scheduleId: id, paused: true, note: 'change freeze' });
      expect((await client.schedule.getHandle(id).describe()).state).toMatchObject({ paused: true, note: 'change freeze' });
      const unpause = await runCli(['schedule', 'unpause', id], env);
      expect(unpause.code).toBe(0);
      expect((await client.schedule.getHandle(id).describe()).state.paused).toBe(false);

      const del = await runCli(['schedule', 'delete', id], env);
      expect(del).toMatchObject({ code: 0, stdout: `schedule ${id} deleted\n` });
      expect(await scheduleExists(client, id)).toBe(false);
      for (const args of [['delete', id], ['pause', id], ['unpause', id]]) {
        const gone = await runCli(['schedule', ...args], env);
        expect({ args, code: gone.code, stderr: gone.stderr }).toEqual({ args, code: 3, stderr: `no schedule ${id}\n` });
      }
    });
  });
});
