/**
 * `npm run bench -- rollback`: time from the `rollback` signal to routing restored at HAProxy, read
 * back over its admin socket (DESIGN, "Targets": p99 under 250 ms).
 *
 * Main scenario: sessions pinned to cell X keep its drain from ending, so every rollout waits in
 * `X.drain` (X at `drain` in HAProxy) until the bench rolls it back; restored = X `ready` again,
 * the routing exactly as before. Second scenario, taken after: a rollback while the rollout awaits
 * approval of cell Y, when X holds N+1; restored = X held at `drain`, Y as before.
 */
import { performance } from 'node:perf_hooks';
import type { WorkflowHandle } from '@temporalio/client';
import { sameRouting, type SprayerDriver, type SprayerSnapshot } from '../src/drivers/sprayer/sprayer';
import { rollbackSignal } from '../workflows/messages';
import { CallTimer, nowMs } from './driver-timing';
import { withBenchEnv, type BenchEnv } from './harness';
import { machineInfo, progress, publish } from './report';
import { benchRequest, expectEnd, sleep, waitForStatus, waitForTargetFree } from './rollouts';
import { openPinnedSessions, type PinnedSessions } from './sessions';
import { round, summarize } from './stats';

const name = 'rollback';
const log = progress(name);
const targetP99Ms = 250;
/** How often the bench reads HAProxy back while it waits for the restore. */
const pollEveryMs = 2;
const restoreLimitMs = 30_000;
/** Times the activities' driver calls: the restore's own read-back is a second, unperturbed witness. */
const timer = new CallTimer();

function countFromEnv(variable: string, fallback: number): number {
  const value = Number(process.env[variable] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${variable} must be a whole number, got ${process.env[variable]}`);
  return value;
}

/** One measurement: when routing was restored, bounded by the reads around the change. */
interface Sample {
  /** Signal sent -> first read that showed the restored routing had returned (an upper bound). */
  ms: number;
  /** Signal sent -> start of the last read that did not show it yet (a lower bound). */
  lowerMs: number;
  /** How long the server took to accept the signal. */
  signalMs: number;
  reads: number;
  /** Signal sent -> the restore activity's sprayer driver returned (it reads HAProxy back itself). */
  driverRestoreMs: number;
}

type Poll = Omit<Sample, 'driverRestoreMs'> & { sentAt: number };

/** Sends the rollback signal and reads HAProxy back every {@link pollEveryMs} until it shows `restored`. */
async function timeRollback(handle: WorkflowHandle, sprayer: SprayerDriver, restored: SprayerSnapshot): Promise<Poll> {
  const sentAt = nowMs();
  const t0 = performance.now();
  const signalled = handle.signal(rollbackSignal, { by: 'bench', reason: 'rollback benchmark' }).then(() => performance.now() - t0);
  let lastMissStart = t0;
  for (let reads = 1; ; reads++) {
    const readStart = performance.now();
    const snapshot = await sprayer.snapshot();
    const readEnd = performance.now();
    if (sameRouting(snapshot, restored)) return { ms: readEnd - t0, lowerMs: lastMissStart - t0, signalMs: await signalled, reads, sentAt };
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

/** Waits for the rollback to end, checks the routing, and adds the driver's view of the restore. */
async function finish(env: BenchEnv, handle: WorkflowHandle, expected: SprayerSnapshot, poll: Poll): Promise<Sample> {
  await expectEnd(handle, 'rolled-back');
  const after = await env.sprayer.snapshot();
  if (!sameRouting(after, expected)) throw new Error(`${handle.workflowId} rolled back but the routing differs from before: ${JSON.stringify(after.servers)}`);
  await waitForTargetFree(env.client, 'userHitCount', env.estate);
  // The first restore after the signal; the repair's own restore of a held cell comes later.
  const restore = timer.callsOf(handle.workflowId, 'sprayer.restore').find((c) => c.start >= poll.sentAt);
  const { sentAt: _sentAt, ...sample } = poll;
  return { ...sample, driverRestoreMs: restore ? restore.end - poll.sentAt : Number.NaN };
}

/** One rollback from `X.drain`: the rollout waits there on the pinned sessions. */
async function drainingSample(env: BenchEnv, sessions: PinnedSessions, before: SprayerSnapshot, i: number): Promise<Sample> {
  await sessions.touch();
  const handle = await env.client.workflow.start('multiCellRollout', { taskQueue: env.taskQueue, workflowId: `bench-rollback-drain-${i}-${Date.now()}`, args: [benchRequest(env.estate)] });
  await waitForStatus(handle, (s) => s.state === 'draining' && s.currentStep === 'X.drain', 'the drain of cell X');
  const held = await env.sprayer.snapshot();
  if (!cellStates(held, 'X').every((s) => s === 'drain')) throw new Error(`rollout in X.drain but HAProxy shows X ${cellStates(held, 'X').join(',')}`);
  return finish(env, handle, before, await timeRollback(handle, env.sprayer, before));
}

/** One rollback at the approval gate of cell Y; a high session threshold lets X's drain pass the pinned sessions. */
async function approvalSample(env: BenchEnv, before: SprayerSnapshot, i: number): Promise<Sample> {
  const request = benchRequest(env.estate, { drain: { pollIntervalSeconds: 1, maxWaitSeconds: 3600, sessionThreshold: 1000, onTimeout: 'fail' } });
  const handle = await env.client.workflow.start('multiCellRollout', { taskQueue: env.taskQueue, workflowId: `bench-rollback-approval-${i}-${Date.now()}`, args: [request] });
  await waitForStatus(handle, (s) => s.state === 'awaiting-approval' && s.pendingApproval?.phase === 'cell-Y', 'the approval of cell Y', 50);
  return finish(env, handle, before, await timeRollback(handle, env.sprayer, heldAtDrain(before, 'X')));
}

function describe(samples: Sample[]) {
  return {
    ms: summarize(samples.map((s) => s.ms)),
    lowerBoundMs: summarize(samples.map((s) => s.lowerMs)),
    driverRestoreReturnedMs: summarize(samples.map((s) => s.driverRestoreMs)),
    signalAcceptedMs: summarize(samples.map((s) => s.signalMs)),
    readsPerSample: summarize(samples.map((s) => s.reads)),
    samplesMs: samples.map((s) => round(s.ms, 1)),
  };
}

async function run(env: BenchEnv): Promise<void> {
  const draining = countFromEnv('BENCH_ROLLBACK_SAMPLES', 30);
  const atApproval = countFromEnv('BENCH_ROLLBACK_APPROVAL_SAMPLES', 8);
  const sessions = await openPinnedSessions(env.estate, 'X', 4);
  const before = await env.sprayer.snapshot();
  log(`${sessions.cookies.length} sessions pinned to cell X; routing before: ${before.servers.map((s) => `${s.name}=${s.state}/${s.weight}`).join(' ')}`);
  const drainSamples: Sample[] = [];
  for (let i = 0; i < draining; i++) {
    drainSamples.push(await drainingSample(env, sessions, before, i));
    log(`X.drain ${i + 1}/${draining}: ${round(drainSamples[i]?.ms ?? 0, 1)} ms`);
  }
  // Last: the install on X restarts its servers, which ends the pinned sessions.
  const approvalSamples: Sample[] = [];
  for (let i = 0; i < atApproval; i++) {
    approvalSamples.push(await approvalSample(env, before, i));
    log(`cell-Y.approval ${i + 1}/${atApproval}: ${round(approvalSamples[i]?.ms ?? 0, 1)} ms`);
  }
  const all = summarize([...drainSamples, ...approvalSamples].map((s) => s.ms));
  publish(name, {
    benchmark: name,
    measures: 'ms from sending the rollback signal to the first HAProxy admin-socket read showing the restored routing',
    pollEveryMs,
    fields: {
      ms: 'upper bound: the end of the first read showing the restored routing',
      lowerBoundMs: 'lower bound: the start of the last read still showing the old routing',
      driverRestoreReturnedMs: 'when the restoreRouting activity\'s sprayer.restore() returned, having read HAProxy back itself',
      signalAcceptedMs: 'when the server acknowledged the signal',
    },
    target: { p99BelowMs: targetP99Ms, over: 'all samples', p99Ms: all.p99, met: all.p99 < targetP99Ms },
    samples: all.count,
    all,
    whileDraining: { scenario: 'rollback signal while the rollout waits in X.drain (X drain at HAProxy); restored = routing as before', ...describe(drainSamples) },
    whileAwaitingApproval: { scenario: 'rollback signal while awaiting approval of cell-Y (X holds N+1); restored = X held at drain, Y as before', ...describe(approvalSamples) },
    machine: machineInfo(),
    at: new Date().toISOString(),
  });
}

void withBenchEnv({ sessionIdleSeconds: 600, log, wrapDrivers: (d) => timer.wrapDrivers(d) }, run);
