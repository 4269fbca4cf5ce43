/**
 * Rollouts on simulated estates, for the scale and concurrent benches: the request for a generated
 * estate, every gate approved as soon as it asks (the `approvePhase` update, as the CLI sends it),
 * and what a finished run's history weighs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SimWorld } from '../src/drivers/sim';
import { simIncomingCluster } from '../src/drivers/sim/sim-estate-generator';
import { simSmokeTestPath } from '../src/drivers/sim/sim-http-front';
import { isFinal, type Estate, type RolloutStatus } from '../src/model';
import { labRolloutRequest } from '../src/lab/lab-request';
import { approvePhaseUpdate, statusQuery } from '../workflows/messages';
import { activityGaps, CallTimer, nowMs, timeSmokeTest } from './driver-timing';
import { withSimBenchEnv, type SimBenchEnv } from './harness';
import { sleep } from './rollouts';
import { rolloutOutcome } from '../src/cli/rollout-outcome';

/** The procedures the simulation generates estates for. */
export const simProcedures = { multiCell: 'multiCellRollout', singleCell: 'singleCellRollout' } as const;
export type SimProcedure = (typeof simProcedures)[keyof typeof simProcedures];

/** A request on a generated estate: every gate manual, drains polled each second, no burn-in, one smoke request. */
export function simRequest(estate: Estate, procedure: SimProcedure, over: Record<string, unknown> = {}): Record<string, unknown> {
  return labRolloutRequest(estate, {
    procedure,
    drain: { pollIntervalSeconds: 1, maxWaitSeconds: 600, sessionThreshold: 0, onTimeout: 'fail' },
    burnInSeconds: 0,
    smokeTest: { path: simSmokeTestPath(estate.name), requests: 1, timeoutSeconds: 30 },
    startedBy: 'bench',
    ...(procedure === simProcedures.singleCell ? { strategy: { incomingCluster: simIncomingCluster, firstGroupSize: 1, groupSize: 5 } } : {}),
    ...over,
  });
}

/**
 * Approves each gate the rollout waits at until it ends; resolves to its final status. Each time a
 * gate was seen waiting goes into `gateSeen` (epoch ms), so the wait can be told from engine time.
 * Throws once `limitMs` has passed: a workflow whose task keeps failing never ends on its own.
 */
export async function approveUntilEnd(handle: WorkflowHandle, gateSeen: number[] = [], everyMs = 50, limitMs = 20 * 60_000): Promise<RolloutStatus> {
  const deadline = Date.now() + limitMs;
  for (let i = 0; ; i++) {
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} still running after ${limitMs} ms (a workflow task failing over and over answers no query)`);
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (status && isFinal(status.state)) return await rolloutOutcome(handle);
    // A workflow that failed answers no query: its result says why.
    if (!status && i % 20 === 19 && (await handle.describe()).status.name !== 'RUNNING') return await rolloutOutcome(handle);
    const gate = status?.pendingApproval;
    if (gate) gateSeen.push(nowMs());
    if (gate) await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'bench', phase: gate.gate ?? gate.phase }] }).catch(() => undefined);
    else await sleep(everyMs);
  }
}

/** The largest payload of a history, and where it was. */
export interface LargestPayload {
  bytes: number;
  /** The event type and the attribute path of the payload. */
  where: string;
  /** The activity type or signal name around it, when there is one. */
  name?: string;
}

/** What a workflow run's history weighs. */
export interface HistoryWeight {
  events: number;
  /** The history encoded as Temporal stores it (protobuf). */
  bytes: number;
  largestPayload: LargestPayload;
  /** Payload bytes per event type, largest first. */
  payloadBytesByEventType: Record<string, number>;
}

type Event = temporal.api.history.v1.IHistoryEvent;

function isPayload(value: unknown): value is temporal.api.common.v1.IPayload {
  return typeof value === 'object' && value !== null && 'data' in value && (value as { data: unknown }).data instanceof Uint8Array;
}

function payloadBytes(p: temporal.api.common.v1.IPayload): number {
  const meta = Object.entries(p.metadata ?? {}).reduce((sum, [k, v]) => sum + k.length + (v?.length ?? 0), 0);
  return (p.data?.length ?? 0) + meta;
}

/** Every payload under `value`, with its attribute path. */
function* payloadsIn(value: unknown, path: string): Generator<{ path: string; bytes: number }> {
  if (isPayload(value)) {
    yield { path, bytes: payloadBytes(value) };
    return;
  }
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
  for (const [key, child] of Object.entries(value)) yield* payloadsIn(child, path ? `${path}.${key}` : key);
}

function attributesOf(event: Event): [string, Record<string, unknown>] | undefined {
  const entry = Object.entries(event).find(([k, v]) => k.endsWith('EventAttributes') && v);
  return entry as [string, Record<string, unknown>] | undefined;
}

function nameOf(attributes: Record<string, unknown>): string | undefined {
  const activity = (attributes.activityType as { name?: string } | undefined)?.name;
  return activity ?? (attributes.signalName as string | undefined) ?? (attributes.name as string | undefined);
}

/** Weighs the history of the workflow's latest run. */
export async function weighHistory(client: Client, workflowId: string): Promise<HistoryWeight> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  let largest: LargestPayload = { bytes: 0, where: 'none' };
  const byType: Record<string, number> = {};
  const scheduledNames = new Map<string, string>();
  for (const event of events) {
    const found = attributesOf(event);
    if (!found) continue;
    const [key, attributes] = found;
    const type = key.replace(/EventAttributes$/, '');
    const name = nameOf(attributes) ?? scheduledNames.get(String(attributes.scheduledEventId ?? ''));
    if (type === 'activityTaskScheduled' && name) scheduledNames.set(String(event.eventId), name);
    for (const p of payloadsIn(attributes, type)) {
      byType[type] = (byType[type] ?? 0) + p.bytes;
      if (p.bytes > largest.bytes) largest = { bytes: p.bytes, where: p.path, ...(name ? { name } : {}) };
    }
  }
  const bytes = temporal.api.history.v1.History.encode(history).finish().length;
  const sorted = Object.fromEntries(Object.entries(byType).sort(([, a], [, b]) => b - a));
  return { events: events.length, bytes, largestPayload: largest, payloadBytesByEventType: sorted };
}

/** Samples the process's resident memory while a run goes on; `stop()` gives the peak, in MiB. */
export function sampleRss(everyMs = 100): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20);
    },
  };
}

/**
 * Runs `body` on a fresh simulated bench environment whose every driver call (and smoke test) is
 * timed by one `CallTimer`; the simulation's folder goes afterwards.
 */
export function runSimBench(log: (line: string) => void, body: (env: SimBenchEnv, timer: CallTimer) => Promise<void>): void {
  const timer = new CallTimer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'turnout-sim-'));
  const world = new SimWorld(dir);
  void withSimBenchEnv({ world, log, wrapDrivers: (d) => timer.wrapDrivers(d), wrapActivities: timeSmokeTest(timer) }, (env) => body(env, timer)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/**
 * Engine gaps between one workflow's steps (see `gapsBetweenActivities`), leaving out those during
 * which a gate was seen waiting: that time is the bench's approval, not the engine's.
 */
export function engineGaps(timer: CallTimer, workflowId: string, gateSeen: readonly number[]): number[] {
  return activityGaps(timer.callsOf(workflowId))
    .filter((gap) => !gateSeen.some((t) => t >= gap.start && t <= gap.end))
    .map((gap) => gap.end - gap.start);
}
