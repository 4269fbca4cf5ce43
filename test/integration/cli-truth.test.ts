/**
 * The CLI tells the truth about its messages and starts, against the real dev server and the lab:
 * - with no worker polling, every message command says so, exits 1 and sends nothing;
 * - a refused message exits 3 with the workflow's reason, never "accepted";
 * - the same approve, sent twice at once or retried after a worker died, is applied once
 *   (deterministic update IDs, deduplicated by the server);
 * - two `turnout start` at the same instant for one target: one "started", the other exit 3
 *   naming the winner; a start no worker picks up says so.
 *
 * Durations (and which way the start race went) are measured and written to
 * test-results/cli-truth-timings.json, never asserted: the only bound here is that nothing hangs,
 * and jest's timeout is what enforces it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowClient, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { awaitLeaseOutcome, runningOwner } from '../../src/cli/lease-outcome';
import { deliverMessage } from '../../src/cli/message-delivery';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';
import { approveMessage } from '../../src/cli/rollout-messages';
import type { RolloutStatus } from '../../src/model';
import { createTurnoutWorker, runInBackground, type RunningWorker } from '../../src/temporal/worker';
import { statusQuery } from '../../workflows/messages';
import { runCli, type CliRun } from '../support/cli';
import { labRequest, terminateLeftovers, track, waitForState, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { labsAhead } from '../support/scenario';
import { testClient, testLogs, testTemporal, uniqueTaskQueue } from '../support/temporal';
import { tempDir } from '../support/temp-dir';

const root = path.resolve(__dirname, '..', '..');
const estatesDir = path.join(root, 'estates');
const turnoutBin = path.join(root, 'bin', 'turnout.js');
/** Durations in ms, and which way a race went: measured, never asserted. */
const timings: Record<string, number | string> = {};

/** The client's last step before the UpdateWorkflowExecution call, where a test can step in. */
type StartUpdateHandler = { _startUpdateHandler(this: WorkflowClient, ...args: unknown[]): Promise<unknown> };

/** What a message command looks like, for each of the five. */
const messageCommands = (id: string): string[][] => [
  ['approve', id, '--by', 'alice', '--comment', 'looks good'],
  ['rollback', id, '--by', 'carol', '--reason', 'errors on X'],
  ['pause', id, '--by', 'dave', '--reason', 'lunch'],
  ['resume', id, '--by', 'dave'],
  ['leave-as-is', id, '--by', 'erin', '--reason', 'X must stay as it is'],
];

/** Every signal and update the history holds, as `kind name updateId`. */
async function messagesInHistory(client: Client, id: string): Promise<string[]> {
  const history = await client.workflow.getHandle(id).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    if (e.workflowExecutionSignaledEventAttributes) return [`signal ${e.workflowExecutionSignaledEventAttributes.signalName}`];
    const admitted = e.workflowExecutionUpdateAdmittedEventAttributes?.request;
    if (admitted) return [`admitted ${admitted.input?.name} ${admitted.meta?.updateId}`];
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (accepted) return [`accepted ${accepted.input?.name} ${accepted.meta?.updateId}`];
    const rejected = e.workflowExecutionUpdateRejectedEventAttributes?.rejectedRequest;
    if (rejected) return [`rejected ${rejected.input?.name} ${rejected.meta?.updateId}`];
    return [];
  });
}

/** Runs `turnout` as its own process (from dist/), so that two can run at the same instant. */
function spawnCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [turnoutBin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** Runs the CLI in-process and records how long it took. */
async function timedCli(name: string, args: string[], env: Record<string, string>): Promise<CliRun> {
  const t0 = Date.now();
  const run = await runCli(args, env);
  timings[name] = Date.now() - t0;
  return run;
}

describe('the CLI tells the truth', () => {
  let lab: ScenarioLab;
  let native: NativeConnection | undefined;
  const workers = new Set<RunningWorker>();
  // Each scenario gets a fresh lab, so its own target; the next one starts while a scenario runs.
  const labs = labsAhead(3500);

  beforeEach(async () => {
    lab = await labs.take();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await terminateLeftovers();
    await Promise.all([...workers].map((w) => w.stop().catch(() => undefined)));
    workers.clear();
    await lab?.stop();
  });
  afterAll(async () => {
    await labs.close();
    await native?.close();
    mkdirSync(path.join(root, 'test-results'), { recursive: true });
    writeFileSync(path.join(root, 'test-results', 'cli-truth-timings.json'), `${JSON.stringify(timings, null, 1)}\n`);
    process.stdout.write(`cli-truth timings (ms): ${JSON.stringify(timings)}\n`);
  });

  const cliEnv = (taskQueue: string) => ({ TEMPORAL_ADDRESS: testTemporal().address, TURNOUT_TASK_QUEUE: taskQueue });

  /** A worker on `taskQueue` that the test can stop, and start again, at will. */
  async function startWorker(taskQueue: string): Promise<RunningWorker> {
    testLogs();
    native ??= await NativeConnection.connect({ address: testTemporal().address });
    const client = await testClient();
    const worker = await createTurnoutWorker({
      connection: native,
      namespace: testTemporal().namespace,
      taskQueue,
      activities: createActivities({ estatesDir, client, baseDir: lab.dir }),
      workflowBundle: { codePath: testTemporal().bundlePath },
      shutdownGraceTime: '2 seconds',
    });
    const running = runInBackground(worker);
    workers.add(running);
    return running;
  }

  async function startRollout(taskQueue: string, name: string): Promise<WorkflowHandleWithFirstExecutionRunId> {
    const client = await testClient();
    return track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `${name}-${Date.now()}`, args: [labRequest(lab.estate)] }));
  }

  function requestFile(): string {
    const file = path.join(tempDir('cli-truth'), 'req.json');
    writeFileSync(file, JSON.stringify(labRequest(lab.estate)));
    return file;
  }

  it('says "no worker polls" for every message command when nobody polls the task queue, exits 1, and sends nothing', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('cli-truth-idle');
    const handle = await startRollout(taskQueue, 'truth-idle');
    for (const args of messageCommands(handle.workflowId)) {
      const run = await timedCli(`no worker: ${args[0]}`, args, cliEnv(taskQueue));
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 1, stdout: '' });
      expect(run.stderr).toBe(
        `${args[0]} not sent: no worker polls task queue "${taskQueue}" (none in the last 90 s), so nothing would act on it. Nothing was sent; start a worker (\`turnout worker\`) and send it again.\n`,
      );
    }
    expect(await messagesInHistory(client, handle.workflowId)).toEqual([]);
    // `turnout status` cannot read it either, and says so rather than wait for ever.
    const shown = await timedCli('no worker: status', ['status', handle.workflowId], cliEnv(taskQueue));
    expect({ code: shown.code, stdout: shown.stdout }).toEqual({ code: 1, stdout: '' });
    expect(shown.stderr).toBe(`rollout ${handle.workflowId} is running, but its status cannot be read: no worker polls task queue "${taskQueue}" (none in the last 90 s)\n`);
    // An update the server had admitted would wait in memory, not in history, and reach the first
    // worker that polls; so let one poll, and see that nothing reaches the rollout.
    await startWorker(taskQueue);
    const waiting = await waitForState(handle, 'awaiting-approval');
    expect(waiting.approvals).toEqual([]);
    expect(waiting.events.map((e) => e.type)).not.toEqual(expect.arrayContaining(['approval-received']));
    for (const type of ['approval-received', 'rollback-requested', 'pause-requested', 'resumed', 'message-refused']) {
      expect(waiting.events.filter((e) => e.type === type)).toEqual([]);
    }
    expect(await messagesInHistory(client, handle.workflowId)).toEqual([]);
  });

  it('exits 3 with the workflow\'s reason for a refused message, and never says "accepted"', async () => {
    const taskQueue = uniqueTaskQueue('cli-truth-refused');
    await startWorker(taskQueue);
    const handle = await startRollout(taskQueue, 'truth-refused');
    await waitForState(handle, 'awaiting-approval');
    const env = cliEnv(taskQueue);

    const wrongPhase = await timedCli('refused: approve', ['approve', handle.workflowId, '--by', 'alice', '--phase', 'cell-X'], env);
    expect(wrongPhase).toEqual({ code: 3, stdout: '', stderr: 'approve refused: cell-X is not awaiting approval; cell-Y is\n' });
    const resume = await runCli(['resume', handle.workflowId, '--by', 'dave', '--json'], env);
    expect(resume).toEqual({ code: 3, stdout: '', stderr: 'resume refused: not paused (state: awaiting-approval)\n' });
    // Only a rollback can be left as is.
    const leave = await runCli(['leave-as-is', handle.workflowId, '--by', 'erin', '--reason', 'no'], env);
    expect({ code: leave.code, stdout: leave.stdout }).toEqual({ code: 3, stdout: '' });
    expect(leave.stderr).toBe('leave-as-is refused: only a rollback can be left as is; this rollout is awaiting-approval\n');
    expect(leave.stderr).not.toContain('accepted');

    const after = await handle.query(statusQuery);
    expect(after).toMatchObject({ state: 'awaiting-approval', approvals: [] });
    expect(await messagesInHistory(await testClient(), handle.workflowId)).toEqual([]);
  });

  it('applies the same approve once when two terminals send it at the same instant, and refuses it when repeated after', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('cli-truth-twice');
    await startWorker(taskQueue);
    const handle = await startRollout(taskQueue, 'truth-twice');
    const gate = await waitForState(handle, 'awaiting-approval');
    const args = ['approve', handle.workflowId, '--by', 'alice', '--comment', 'X looks good', '--json'];
    const t0 = Date.now();
    const both = await Promise.all([spawnCli(args, cliEnv(taskQueue)), spawnCli(args, cliEnv(taskQueue))]);
    timings['twice: both approves (two processes)'] = Date.now() - t0;
    // Each either sent the same act (the server's one outcome) or read the status after the other
    // had been applied (refused: the gate is gone). Never two approvals.
    for (const run of both) {
      if (run.code === 0) {
        expect(run.stderr).toBe('');
        expect((JSON.parse(run.stdout) as RolloutStatus).approvals).toEqual([{ phase: 'cell-Y', by: 'alice', at: expect.any(String), comment: 'X looks good' }]);
      } else {
        expect(run).toEqual({ code: 3, stdout: '', stderr: expect.stringMatching(/^approve refused: nothing is awaiting approval/) });
      }
    }
    expect(both.map((r) => r.code)).toContain(0);
    const updateId = `approvePhase:gate=cell-Y@${gate.pendingApproval?.since}:by=alice`;
    expect(await messagesInHistory(client, handle.workflowId)).toEqual([`accepted approvePhase ${updateId}`]);

    const again = await runCli(args, cliEnv(taskQueue));
    expect(again.code).toBe(3);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^approve refused: (nothing is awaiting approval|rollout \S+ has ended)/);
    const after = await handle.query(statusQuery);
    expect(after.approvals).toHaveLength(1);
    expect(after.events.filter((e) => e.type === 'approval-received')).toHaveLength(1);
    expect(await messagesInHistory(client, handle.workflowId)).toEqual([`accepted approvePhase ${updateId}`]);
  });

  it('gives two sends of the same approve one update ID, which the server applies once, even when both read the gate before either lands', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('cli-truth-dedupe');
    await startWorker(taskQueue);
    const handle = await startRollout(taskQueue, 'truth-dedupe');
    const gate = await waitForState(handle, 'awaiting-approval');
    // Hold each send until both have read the status: the two then send the same act at once.
    // (With random IDs both would pass the validator, and the approval would be received twice.)
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((r) => (release = r));
    const proto = WorkflowClient.prototype as unknown as StartUpdateHandler;
    const send = proto._startUpdateHandler;
    jest.spyOn(proto, '_startUpdateHandler').mockImplementation(async function (this: WorkflowClient, ...args: unknown[]) {
      if (++arrived === 2) release();
      await bothRead;
      return send.apply(this, args);
    });
    const [one, two] = await Promise.all([
      deliverMessage(client, handle.workflowId, approveMessage({ by: 'alice', comment: 'from terminal 1' })),
      deliverMessage(client, handle.workflowId, approveMessage({ by: 'alice', comment: 'from terminal 2' })),
    ]);
    jest.restoreAllMocks();
    expect(arrived).toBe(2);
    expect([one.inEffect, two.inEffect]).toEqual([true, true]);
    expect(one.status?.approvals).toHaveLength(1);
    expect(two.status?.approvals).toEqual(one.status?.approvals);
    const after = await handle.query(statusQuery);
    expect(after.events.filter((e) => e.type === 'approval-received')).toHaveLength(1);
    const updateId = `approvePhase:gate=cell-Y@${gate.pendingApproval?.since}:by=alice`;
    expect(await messagesInHistory(client, handle.workflowId)).toEqual([`accepted approvePhase ${updateId}`]);
  });

  it('says an approve was not accepted in time when the worker dies after the status read; a returning worker applies it once, and the retry does not apply it again', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('cli-truth-died');
    const first = await startWorker(taskQueue);
    const handle = await startRollout(taskQueue, 'truth-died');
    const gate = await waitForState(handle, 'awaiting-approval');
    // The worker dies between the CLI's status read and its update: the worker still counts as
    // polling (its last poll is seconds old), but nothing takes the update.
    const proto = WorkflowClient.prototype as unknown as StartUpdateHandler;
    const send = proto._startUpdateHandler;
    jest.spyOn(proto, '_startUpdateHandler').mockImplementationOnce(async function (this: WorkflowClient, ...args: unknown[]) {
      await first.stop();
      return send.apply(this, args);
    });
    const args = ['approve', handle.workflowId, '--by', 'alice', '--comment', 'first try'];
    const lost = await timedCli('died: approve not accepted', args, cliEnv(taskQueue));
    jest.restoreAllMocks();
    expect({ code: lost.code, stdout: lost.stdout }).toEqual({ code: 1, stdout: '' });
    expect(lost.stderr).toBe(
      `approve not confirmed: a worker polls task queue "${taskQueue}", but rollout ${handle.workflowId} did not accept the approve within 10 s. ` +
        `It may still be applied once a worker takes it: check with \`turnout status ${handle.workflowId}\` before you send it again.\n`,
    );

    // What the message says to check cannot be read without a worker, and says so.
    const shown = await timedCli('died: status', ['status', handle.workflowId], cliEnv(taskQueue));
    expect({ code: shown.code, stdout: shown.stdout }).toEqual({ code: 1, stdout: '' });
    expect(shown.stderr).toBe(`rollout ${handle.workflowId} is running (last recorded state: awaiting-approval), but its status cannot be read: a worker polls task queue "${taskQueue}" but did not answer within 10 s\n`);

    // The server kept the update; the next worker to poll applies it, once.
    await startWorker(taskQueue);
    const t0 = Date.now();
    const applied = await waitForStatus(handle, (s) => s.approvals.length > 0, 'the approval sent before the worker died');
    timings['died: until a new worker applied it'] = Date.now() - t0;
    expect(applied.approvals).toEqual([{ phase: 'cell-Y', by: 'alice', at: expect.any(String), comment: 'first try' }]);

    // The person retries, reworded. Depending on timing it is the same act (deduplicated) or finds
    // the gate gone (refused); never a second approval.
    const retry = await runCli(['approve', handle.workflowId, '--by', 'alice', '--comment', 'second try'], cliEnv(taskQueue));
    expect([0, 3]).toContain(retry.code);
    expect((await handle.query(statusQuery)).approvals).toEqual(applied.approvals);
    const updateId = `approvePhase:gate=cell-Y@${gate.pendingApproval?.since}:by=alice`;
    expect(await messagesInHistory(client, handle.workflowId)).toEqual([`accepted approvePhase ${updateId}`]);
  });

  it('says a pause was accepted, without waiting for its step boundary, and a repeated pause is the same one', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('cli-truth-pause');
    await startWorker(taskQueue);
    const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `truth-pause-${Date.now()}`, args: [labRequest(lab.estate, { burnInSeconds: 120 })] }));
    await waitForStatus(handle, (s) => s.currentStep === 'X.burn-in', 'the burn-in of cell X');
    const args = ['pause', handle.workflowId, '--by', 'dave', '--reason', 'lunch'];
    const pause = await timedCli('pause: accepted, not in effect', args, cliEnv(taskQueue));
    expect(pause).toEqual({ code: 0, stderr: '', stdout: `pause accepted; ${handle.workflowId} is running (it pauses at the next step boundary)\n` });
    // The same command again, still before the boundary: the server hands back the same update.
    const again = await timedCli('pause: repeated', args, cliEnv(taskQueue));
    expect(again).toEqual(pause);
    const s = await handle.query(statusQuery);
    expect(s.events.filter((e) => e.type === 'pause-requested')).toEqual([expect.objectContaining({ by: 'dave', message: 'lunch' })]);
    expect(await messagesInHistory(client, handle.workflowId)).toEqual(['accepted pauseRollout pauseRollout:after=start:by=dave']);
  });

  it('two `turnout start` of one target at the same instant: exactly one says "started", the other exits 3 naming it', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('cli-truth-race');
    await startWorker(taskQueue);
    const file = requestFile();
    const ids = [`race-a-${Date.now()}`, `race-b-${Date.now()}`];
    const t0 = Date.now();
    const runs = await Promise.all(ids.map((id) => spawnCli(['start', file, '--id', id], cliEnv(taskQueue))));
    timings['race: both starts (two processes)'] = Date.now() - t0;
    for (const id of ids) track(client.workflow.getHandle(id));
    const target = `userHitCount@${lab.estate.name}`;
    const winners = ids.filter((_, i) => runs[i]?.code === 0);
    expect(winners).toHaveLength(1);
    const winner = winners[0] as string;
    const loserRun = runs[ids.indexOf(winner) === 0 ? 1 : 0] as CliRun;
    const winnerRun = runs[ids.indexOf(winner)] as CliRun;
    expect(winnerRun.stdout).toMatch(new RegExp(`^started multiCellRollout ${winner} for ${target}\\n`));
    expect({ code: loserRun.code, stdout: loserRun.stdout }).toEqual({ code: 3, stdout: '' });
    expect(loserRun.stderr).toContain(`a rollout of ${target} is already running: ${winner};`);
    // The loser lost either at the CLI's look-ahead or, when both passed it, to the lease.
    timings['race: the loser lost at'] = loserRun.stderr.includes('nothing was started') ? 'the look-ahead' : 'the lease (TargetBusy)';
    expect(await runningOwner(client, target)).toBe(winner);
  });

  it('judges the lease: claimed by the holder, TargetBusy for a rollout started past the CLI, and no worker for an unpolled queue', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('cli-truth-lease');
    await startWorker(taskQueue);
    const target = `userHitCount@${lab.estate.name}`;
    // `turnout start` to a queue nobody polls: created, not started, and it says so; it holds nothing.
    const idle = uniqueTaskQueue('cli-truth-nobody');
    const id = `lease-idle-${Date.now()}`;
    const run = await timedCli('start: no worker', ['start', requestFile(), '--id', id], cliEnv(idle));
    track(client.workflow.getHandle(id));
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
    expect(run.stderr).toContain(`rollout ${id} was started, but no worker polls task queue "${idle}" yet (none in the last 90 s): it has not claimed ${target} or done anything.`);
    expect((await client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
    expect(await runningOwner(client, target)).toBeUndefined();

    const holder = await startRollout(taskQueue, 'lease-holder');
    const claimed = await awaitLeaseOutcome(client, { workflowId: holder.workflowId, runId: holder.firstExecutionRunId, target, taskQueue });
    expect(claimed).toEqual({ kind: 'claimed' });
    // Started through the API, so no look-ahead refused it: its workflow fails with TargetBusy.
    const second = await startRollout(taskQueue, 'lease-second');
    const t0 = Date.now();
    const busy = await awaitLeaseOutcome(client, { workflowId: second.workflowId, runId: second.firstExecutionRunId, target, taskQueue });
    timings['lease: until TargetBusy'] = Date.now() - t0;
    expect(busy).toEqual({ kind: 'busy', owner: holder.workflowId, message: `a rollout of ${target} is already running: ${holder.workflowId}; nothing was touched` });

    expect(await runningOwner(client, target)).toBe(holder.workflowId);

    // Rolled back before the CLI looked, a rollout still claimed its target: it fails (RolledBack), but it ran.
    await holder.signal('rollback', { by: 'test', reason: 'done with the lease' });
    expect((await rolloutOutcome(holder)).state).toBe('rolled-back');
    expect(await awaitLeaseOutcome(client, { workflowId: holder.workflowId, runId: holder.firstExecutionRunId, target, taskQueue })).toEqual({ kind: 'claimed' });
  });
});
