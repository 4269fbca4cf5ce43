/**
 * `npm run bench -- rollback`: time from the `rollback` signal to routing restored at HAProxy, read
 * back over its admin socket (issue 14's budget: p99 under 50 ms from every state, on the lab under
 * 50 req/s), split by the state the rollback was sent from.
 *
 * - `draining`: sessions pinned to cell X keep its drain from ending, so the rollout waits in
 *   `X.drain` (X at `drain` in HAProxy); restored = X `ready` again, the routing exactly as before.
 * - `burn-in`: X holds N+1 and takes new sessions during its burn-in (a timer); restored = X held
 *   at `drain`, Y as before.
 * - `awaiting-approval`: the approval of cell Y, X holding N+1; restored as for `burn-in`.
 * - `mid-step`: the signal goes out while X's install is in the app server's hands (a local
 *   activity); restored as for `burn-in`. X is at `drain` already then, so a sample ends only at
 *   the first read that shows the restored routing after the rollback's restore call began.
 *
 * Every sample also says where its time went, from the worker's driver timings and the workflow's
 * history: signal to the workflow task that took it, that task to the restore call, the call itself
 * (HAProxy's set and its read back), and the events the server wrote in between.
 */
import { performance } from 'node:perf_hooks';
import type { WorkflowHandle } from '@temporalio/client';
import { sameRouting, type SprayerDriver, type SprayerSnapshot } from '../src/drivers/sprayer/sprayer';
import { runLoad } from '../src/lab/load';
import type { Estate } from '../src/model';
import { rollbackSignal } from '../workflows/messages';
import { CallTimer, nowMs } from './driver-timing';
import { withBenchEnv, type BenchEnv } from './harness';
import { machineInfo, progress, publish } from './report';
import { rollbackPath, type RollbackPath } from './rollback-history';
import { benchRequest, expectEnd, sleep, waitForStatus, waitForTargetFree } from './rollouts';
import { openPinnedSessions, type PinnedSessions } from './sessions';
import { round, summarize } from './stats';

const name = 'rollback';
const log = progress(name);
/** Issue 14's budget, from every state. */
const targetP99Ms = 50;
/** How often the bench reads HAProxy back while it waits for the restore. */
const pollEveryMs = 2;
const restoreLimitMs = 30_000;
/** Times the activities' driver calls: the restore's own read-back is a second, unperturbed witness. */
const timer = new CallTimer();

/** The states a rollback is sent from, in the order the bench takes them (X's install ends the pinned sessions). */
const states = ['draining', 'mid-step', 'burn-in', 'awaiting-approval'] as const;
type State = (typeof states)[number];

function countFromEnv(variable: string, fallback: number): number {
  const value = Number(process.env[variable] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${variable} must be a whole number, got ${process.env[variable]}`);
  return value;
}

/** One measurement: when routing was restored, bounded by the reads around the change, and where the time went. */
interface Sample {
  /** Signal sent -> first read after the restore call began that showed the restored routing (an upper bound). */
  ms: number;
  /** Signal sent -> start of the last read that did not show it yet (a lower bound). */
  lowerMs: number;
  /** How long the server took to accept the signal. */
  signalMs: number;
  reads: number;
  /** Signal sent -> the workflow task that took the signal started (history). */
  toTaskMs: number;
  /** That task started -> the restore's sprayer call began on the worker. */
  taskToRestoreMs: number;
  /** The restore's sprayer call: HAProxy's set and its own read back. */
  restoreCallMs: number;
  /** Signal sent -> the restore's sprayer call returned. */
  driverRestoreMs: number;
  /** Workflow tasks completed between the signal and the restore. */
  workflowTasks: number;
  /** History events from the signal to the restore. */
  events: string;
}

interface Poll {
  ms: number;
  lowerMs: number;
  signalMs: number;
  reads: number;
  sentAt: number;
}

/** When each workflow's restore call began (the first after its signal). */
const restoreStarts = new Map<string, number>();
/** Called when a workflow's driver call of a given kind begins. */
const startListeners: ((call: { workflowId: string | undefined; what: string; start: number }) => void)[] = [
  (c) => {
    if (c.what === 'sprayer.restore' && c.workflowId && !restoreStarts.has(c.workflowId)) restoreStarts.set(c.workflowId, c.start);
  },
];
timer.onStart = (call) => startListeners.forEach((l) => l(call));

/** Resolves when `workflowId`'s activity begins a driver call named `what`. */
function callStarts(workflowId: string, what: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (c: { workflowId: string | undefined; what: string }): void => {
      if (c.workflowId !== workflowId || c.what !== what) return;
      startListeners.splice(startListeners.indexOf(listener), 1);
      resolve();
    };
    startListeners.push(listener);
  });
}

/**
 * Sends the rollback signal and reads HAProxy back every {@link pollEveryMs} until it shows
 * `restored` after the workflow's restore call began.
 */
async function timeRollback(handle: WorkflowHandle, sprayer: SprayerDriver, restored: SprayerSnapshot): Promise<Poll> {
  const sentAt = nowMs();
  restoreStarts.delete(handle.workflowId);
  const t0 = performance.now();
  const signalled = handle.signal(rollbackSignal, { by: 'bench', reason: 'rollback benchmark' }).then(() => performance.now() - t0);
  let lastMissStart = t0;
  for (let reads = 1; ; reads++) {
    const readStart = performance.now();
    const began = restoreStarts.has(handle.workflowId);
    const snapshot = await sprayer.snapshot();
    const readEnd = performance.now();
    if (began && sameRouting(snapshot, restored)) return { ms: readEnd - t0, lowerMs: lastMissStart - t0, signalMs: await signalled, reads, sentAt };
    lastMissStart = readStart;
    if (readEnd - t0 > restoreLimitMs) throw new Error(`routing not restored ${restoreLimitMs} ms after the rollback signal: ${JSON.stringify(snapshot.servers)}`);
    await sleep(pollEveryMs);
  }
}

function cellStates(snapshot: SprayerSnapshot, cell: string): string[] {
  return snapshot.servers.filter((s) => s.cell === cell).map((s) => s.state);
}

/** `before` with every server of `cell` at `drain`: the restore target of a cell holding N+1. */
function heldAtDrain(before: SprayerSnapshot, cell: string): SprayerSnapshot {
  return { ...before, servers: before.servers.map((s) => (s.cell === cell && s.state === 'ready' ? { ...s, state: 'drain' as const } : s)) };
}

/** Where the sample's time went, from the driver timings and the history. */
function split(poll: Poll, path: RollbackPath | undefined, restore: { start: number; end: number } | undefined): Omit<Sample, keyof Omit<Poll, 'sentAt'>> {
  const nan = Number.NaN;
  return {
    toTaskMs: path ? path.taskStartedAt - poll.sentAt : nan,
    taskToRestoreMs: path && restore ? restore.start - path.taskStartedAt : nan,
    restoreCallMs: restore ? restore.end - restore.start : nan,
    driverRestoreMs: restore ? restore.end - poll.sentAt : nan,
    workflowTasks: path?.workflowTasks ?? nan,
    events: path?.events.join(' > ') ?? '?',
  };
}

/** Waits for the rollback to end, checks the routing, and adds where the time went. */
async function finish(env: BenchEnv, handle: WorkflowHandle, expected: SprayerSnapshot, poll: Poll): Promise<Sample> {
  await expectEnd(handle, 'rolled-back');
  const after = await env.sprayer.snapshot();
  if (!sameRouting(after, expected)) throw new Error(`${handle.workflowId} rolled back but the routing differs from before: ${JSON.stringify(after.servers)}`);
  await waitForTargetFree(env.client, 'userHitCount', env.estate);
  // The first restore after the signal; the repair's own restore of a held cell comes later.
  const restore = timer.callsOf(handle.workflowId, 'sprayer.restore').find((c) => c.start >= poll.sentAt);
  const path = rollbackPath((await handle.fetchHistory()).events ?? []);
  const { sentAt: _sentAt, ...measured } = poll;
  return { ...measured, ...split(poll, path, restore) };
}

/** Drain settings that let X's drain pass the pinned sessions. */
const passingDrain = { drain: { pollIntervalSeconds: 1, maxWaitSeconds: 3600, sessionThreshold: 1000, onTimeout: 'fail' } };

async function start(env: BenchEnv, state: State, i: number, over: Record<string, unknown> = {}): Promise<WorkflowHandle> {
  return env.client.workflow.start('multiCellRollout', { taskQueue: env.taskQueue, workflowId: `bench-rollback-${state}-${i}-${Date.now()}`, args: [benchRequest(env.estate, over)] });
}

/** One rollback from `X.drain`: the rollout waits there on the pinned sessions. */
async function drainingSample(env: BenchEnv, sessions: PinnedSessions, before: SprayerSnapshot, i: number): Promise<Sample> {
  await sessions.touch();
  const handle = await start(env, 'draining', i);
  await waitForStatus(handle, (s) => s.state === 'draining' && s.currentStep === 'X.drain', 'the drain of cell X');
  const held = await env.sprayer.snapshot();
  if (!cellStates(held, 'X').every((s) => s === 'drain')) throw new Error(`rollout in X.drain but HAProxy shows X ${cellStates(held, 'X').join(',')}`);
  return finish(env, handle, before, await timeRollback(handle, env.sprayer, before));
}

/** One rollback sent while the app server installs N+1 on X. */
async function midStepSample(env: BenchEnv, before: SprayerSnapshot, i: number): Promise<Sample> {
  const handle = await start(env, 'mid-step', i, passingDrain);
  await callStarts(handle.workflowId, 'appServer.install');
  return finish(env, handle, before, await timeRollback(handle, env.sprayer, heldAtDrain(before, 'X')));
}

/** One rollback during X's burn-in, X holding N+1 and taking new sessions. */
async function burnInSample(env: BenchEnv, before: SprayerSnapshot, i: number): Promise<Sample> {
  const handle = await start(env, 'burn-in', i, { ...passingDrain, burnInSeconds: 3600 });
  await waitForStatus(handle, (s) => s.currentStep === 'X.burn-in', 'the burn-in of cell X', 50);
  return finish(env, handle, before, await timeRollback(handle, env.sprayer, heldAtDrain(before, 'X')));
}

/** One rollback at the approval gate of cell Y. */
async function approvalSample(env: BenchEnv, before: SprayerSnapshot, i: number): Promise<Sample> {
  const handle = await start(env, 'awaiting-approval', i, passingDrain);
  await waitForStatus(handle, (s) => s.state === 'awaiting-approval' && s.pendingApproval?.phase === 'cell-Y', 'the approval of cell Y', 50);
  return finish(env, handle, before, await timeRollback(handle, env.sprayer, heldAtDrain(before, 'X')));
}

/** The most frequent value of `values`, with its count. */
function mostFrequent(values: string[]): { value: string; of: number; count: number } {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const [value, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['?', 0];
  return { value, of: values.length, count };
}

function describe(samples: Sample[]) {
  const ms = summarize(samples.map((s) => s.ms));
  const p50 = (pick: (s: Sample) => number) => summarize(samples.map(pick)).p50;
  return {
    target: { p99BelowMs: targetP99Ms, p99Ms: ms.p99, met: ms.p99 < targetP99Ms },
    ms,
    lowerBoundMs: summarize(samples.map((s) => s.lowerMs)),
    driverRestoreReturnedMs: summarize(samples.map((s) => s.driverRestoreMs)),
    signalAcceptedMs: summarize(samples.map((s) => s.signalMs)),
    whereP50Ms: { signalToWorkflowTask: p50((s) => s.toTaskMs), workflowTaskToRestoreCall: p50((s) => s.taskToRestoreMs), restoreCall: p50((s) => s.restoreCallMs), readBackAfterRestoreCall: p50((s) => s.ms - s.driverRestoreMs) },
    workflowTasksBeforeRestore: summarize(samples.map((s) => s.workflowTasks)),
    historyPath: mostFrequent(samples.map((s) => s.events)),
    readsPerSample: summarize(samples.map((s) => s.reads)),
    samplesMs: samples.map((s) => round(s.ms, 1)),
  };
}

/** Session-aware load through the sprayer for the whole bench, as the budget asks. */
function startLoad(estate: Estate, rate: number): { stop(): Promise<unknown> } {
  const abort = new AbortController();
  if (rate === 0) return { stop: async () => undefined };
  const port = estate.sprayer?.listen.port;
  const done = runLoad({ target: `http://127.0.0.1:${port}${estate.lab?.contextRoot ?? '/user'}/hit`, rate, durationSeconds: 7200, requestsPerSession: [4, 10], thinkTimeMs: 250, signal: abort.signal });
  return { stop: () => (abort.abort(), done) };
}

async function samplesOf(state: State, count: number, take: (i: number) => Promise<Sample>): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    out.push(await take(i));
    log(`${state} ${i + 1}/${count}: ${round(out[i]?.ms ?? 0, 1)} ms`);
  }
  return out;
}

async function run(env: BenchEnv): Promise<void> {
  const counts: Record<State, number> = {
    draining: countFromEnv('BENCH_ROLLBACK_SAMPLES', 30),
    'mid-step': countFromEnv('BENCH_ROLLBACK_MID_STEP_SAMPLES', 8),
    'burn-in': countFromEnv('BENCH_ROLLBACK_BURN_IN_SAMPLES', 8),
    'awaiting-approval': countFromEnv('BENCH_ROLLBACK_APPROVAL_SAMPLES', 8),
  };
  const rate = countFromEnv('BENCH_ROLLBACK_RATE', 50);
  const sessions = await openPinnedSessions(env.estate, 'X', 4);
  const before = await env.sprayer.snapshot();
  log(`${sessions.cookies.length} sessions pinned to cell X; routing before: ${before.servers.map((s) => `${s.name}=${s.state}/${s.weight}`).join(' ')}; load ${rate} req/s`);
  const load = startLoad(env.estate, rate);
  const by = {} as Record<State, Sample[]>;
  try {
    by.draining = await samplesOf('draining', counts.draining, (i) => drainingSample(env, sessions, before, i));
    // After the drains: X's install restarts its servers, which ends the pinned sessions.
    by['mid-step'] = await samplesOf('mid-step', counts['mid-step'], (i) => midStepSample(env, before, i));
    by['burn-in'] = await samplesOf('burn-in', counts['burn-in'], (i) => burnInSample(env, before, i));
    by['awaiting-approval'] = await samplesOf('awaiting-approval', counts['awaiting-approval'], (i) => approvalSample(env, before, i));
  } finally {
    await load.stop();
  }
  const all = summarize(states.flatMap((s) => by[s].map((x) => x.ms)));
  publish(name, {
    benchmark: name,
    measures: 'ms from sending the rollback signal to the first HAProxy admin-socket read, after the restore call began, showing the restored routing',
    pollEveryMs,
    loadRequestsPerSecond: rate,
    fields: {
      ms: 'upper bound: the end of the first read showing the restored routing',
      lowerBoundMs: 'lower bound: the start of the last read still showing the old routing',
      driverRestoreReturnedMs: "when the restoreRouting activity's sprayer.restore() returned, having read HAProxy back itself",
      signalAcceptedMs: 'when the server acknowledged the signal',
      whereP50Ms: 'medians: signal sent -> workflow task started (history); -> restore call began (worker); the call; the bench read after it',
    },
    target: { p99BelowMs: targetP99Ms, over: 'every state', met: states.every((s) => describe(by[s]).target.met), allP99Ms: all.p99 },
    samples: all.count,
    all,
    byState: Object.fromEntries(states.map((s) => [s, describe(by[s])])),
    machine: machineInfo(),
    at: new Date().toISOString(),
  });
}

void withBenchEnv({ sessionIdleSeconds: 600, log, wrapDrivers: (d) => timer.wrapDrivers(d) }, run);
