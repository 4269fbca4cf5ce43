/**
 * What the rollout integration tests share: a fresh multi-cell lab per scenario, session-aware load
 * through HAProxy, polling a rollout's status, and recording its history for the replay test.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Estate, RolloutState, RolloutStatus } from '../../src/model';
import { startLab, type LabHandle } from '../../src/lab/lab';
import { labRolloutRequest } from '../../src/lab/lab-request';
import { waitForStatus } from '../../src/lab/wait-for-status';
import { statusQuery } from '../../workflows/messages';
import { runLoad, type LoadReport } from '../../src/lab/load';
import { createHaproxySprayer } from '../../src/drivers/sprayer/haproxy-sprayer';
import type { SprayerSnapshot } from '../../src/drivers/sprayer/sprayer';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import type { AppServerState } from '../../src/drivers/app-server/app-server';
import { labEstateForTest } from './lab-estate';
import { tempDir } from './temp-dir';

/** A running lab for one scenario. */
export interface ScenarioLab {
  estate: Estate;
  lab: LabHandle;
  dir: string;
  routing(): Promise<SprayerSnapshot>;
  servers(): Promise<AppServerState[]>;
  stop(): Promise<void>;
}

/**
 * Starts the multi-cell lab (ports shifted by `offset`) with short session idle times, so drains are
 * quick; `tweak` may shorten more of the estate's waits before the lab starts.
 */
export async function startScenarioLab(offset: number, file = 'lab-multi-cell.json', tweak?: (estate: Estate) => void): Promise<ScenarioLab> {
  const dir = tempDir('rollout');
  const estate = labEstateForTest(offset, dir, file);
  estate.lab = { ...estate.lab!, sessionIdleSeconds: 3 };
  tweak?.(estate);
  // Each scenario is its own target, so a rollout a failed scenario left behind cannot block the next.
  estate.name = `${estate.name}-${offset}`;
  const lab = await startLab(estate, { baseDir: dir });
  // Made on first use: an estate behind load balancers has no sprayer.
  const admin = createLabAppServer(estate);
  return { estate, lab, dir, routing: () => createHaproxySprayer(estate, { baseDir: dir }).snapshot(), servers: () => admin.servers(), stop: () => lab.stop() };
}

/** Session-aware load through the sprayer, running until stopped. */
export interface RunningLoad {
  stop(): Promise<LoadReport>;
}

const running = new Set<AbortController>();

/** Stops every load still running (a failed test never reached its own stop). */
export function stopAllLoad(): void {
  for (const abort of running) abort.abort();
  running.clear();
}

/**
 * Starts load at `rate` req/s through the estate's sprayer: its listener only, so it serves an
 * estate whose sprayer routes to cells (through a web tier) and one that routes to members alike.
 */
export function startLoad(estate: Estate, rate = 50, port = estate.sprayer?.listen.port ?? estate.loadBalancers?.balancers[0]?.listen.port): RunningLoad {
  const abort = new AbortController();
  running.add(abort);
  const done = runLoad({
    target: `http://127.0.0.1:${port}${estate.lab?.contextRoot ?? '/user'}/hit`,
    rate,
    durationSeconds: 900,
    requestsPerSession: [4, 10],
    thinkTimeMs: 250,
    signal: abort.signal,
  });
  return {
    async stop() {
      abort.abort();
      running.delete(abort);
      return done;
    },
  };
}

/** A load report's figures, as the tests print them for the record. */
export function loadFigures(report: LoadReport) {
  return {
    requests: report.requests,
    failed: report.failed,
    sessions: report.sessions,
    lostSessions: report.lostSessions,
    versionFlips: report.versionFlips,
    mixedEditionSeconds: report.mixedEditionSeconds,
    versions: report.versions,
    newSessionsByVersion: report.newSessionsByVersion,
    ...(report.lostSamples.length > 0 ? { lostSamples: report.lostSamples } : {}),
  };
}

/** What {@link expectCleanLoad} checks beyond its defaults. */
export interface CleanLoadExpectations {
  /**
   * The mixed-edition seconds the rollout may show: 0 for a procedure where both editions never
   * take new sessions at once (an atomic edition rollout). Left out, they are not checked: other
   * procedures let both editions take new sessions for a while.
   */
  mixedEditionSeconds?: number;
}

/** Clean load: no failed request, no lost session, no version flip, and enough traffic to mean it. */
export function expectCleanLoad(report: LoadReport, also: CleanLoadExpectations = {}): void {
  const seen = { failed: report.failed, lostSessions: report.lostSessions, lostSamples: report.lostSamples, versionFlips: report.versionFlips, failures: report.failures };
  const clean = { failed: 0, lostSessions: 0, lostSamples: [], versionFlips: 0, failures: [] };
  if (also.mixedEditionSeconds === undefined) expect(seen).toEqual(clean);
  else expect({ ...seen, mixedEditionSeconds: report.mixedEditionSeconds }).toEqual({ ...clean, mixedEditionSeconds: also.mixedEditionSeconds });
  expect(report.requests).toBeGreaterThan(100);
}

/** A rollback that restored routing first and finished every step it took. */
export function expectRoutingRestoredFirst(final: RolloutStatus): void {
  expect(final.state).toBe('rolled-back');
  const rollbackSteps = final.steps.filter((s) => s.id.startsWith('rollback.'));
  expect(rollbackSteps[0]?.id).toBe('rollback.routing');
  expect(rollbackSteps.filter((s) => s.status !== 'done')).toEqual([]);
}

/** A rollout request for the lab with short waits. */
export function labRequest(estate: Estate, over: Record<string, unknown> = {}): Record<string, unknown> {
  return labRolloutRequest(estate, {
    drain: { pollIntervalSeconds: 1, maxWaitSeconds: 120, sessionThreshold: 0, onTimeout: 'fail' },
    burnInSeconds: 2,
    smokeTest: { requests: 3, timeoutSeconds: 10 },
    startedBy: 'release-bot',
    ...over,
  });
}

export { waitForStatus } from '../../src/lab/wait-for-status';

const started = new Set<WorkflowHandle>();

/** Remembers a rollout so that {@link terminateLeftovers} can end it if its test fails. */
export function track<H extends WorkflowHandle>(handle: H): H {
  started.add(handle);
  return handle;
}

/**
 * The rollout's result, or, past `limitMs`, an error that says where it stood (its status) and
 * what `context` adds (a worker's output): a hang then names itself instead of timing the test out.
 */
export async function resultWithin(handle: WorkflowHandle, limitMs: number, context: () => string = () => ''): Promise<RolloutStatus> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      void handle
        .query(statusQuery)
        .then((s) => JSON.stringify({ state: s.state, currentStep: s.currentStep, events: s.events.slice(-8) }, null, 1), (err: unknown) => `no status: ${String(err)}`)
        .then((where) => reject(new Error(`rollout ${handle.workflowId} had no result after ${limitMs / 1000} s; it stood at ${where}\n${context()}`)));
    }, limitMs);
  });
  // The result may come while the status is being read: the late error then has no one to hear it.
  late.catch(() => undefined);
  try {
    return (await Promise.race([handle.result(), late])) as RolloutStatus;
  } finally {
    clearTimeout(timer);
  }
}

/** Terminates every tracked rollout still running (a failed test never reached its end). */
export async function terminateLeftovers(): Promise<void> {
  const handles = [...started];
  started.clear();
  await Promise.all(handles.map((h) => h.terminate('test cleanup').catch(() => undefined)));
}

/** Waits for a state. */
export function waitForState(handle: WorkflowHandle, state: RolloutState): Promise<RolloutStatus> {
  return waitForStatus(handle, (s) => s.state === state, `state ${state}`);
}

type History = temporal.api.history.v1.IHistory;
const historyType = temporal.api.history.v1.History;

// The SDK's historyToJSON does not work with the protobufjs these packages resolve to here; protobufjs's
// own object form round-trips exactly (longs as strings, enums by name, bytes as base64).
function historyToObject(history: History): unknown {
  return historyType.toObject(historyType.fromObject(history), { longs: String, enums: String, bytes: String });
}

/** Reads a history saved by {@link recordHistory}. */
export function historyFromObject(json: unknown): History {
  return historyType.fromObject(json as Record<string, unknown>);
}

/** Where integration tests leave the histories the replay test replays. */
export const historiesDir = path.resolve(__dirname, '..', '..', 'test-results', 'histories');

/** Saves a finished workflow's history as JSON for the replay test. */
export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  mkdirSync(historiesDir, { recursive: true });
  // Temp + rename: the replay test may read the folder while another worker still writes to it.
  const file = path.join(historiesDir, `${name}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(historyToObject(history)));
  renameSync(`${file}.tmp`, file);
}

/** Routing as compared by tests: server states and weights, and the affinity map. */
export function routingOf(s: SprayerSnapshot): unknown {
  return { servers: s.servers.map(({ name, state, weight }) => ({ name, state, weight })), affinity: s.affinity };
}

/** The one-line summaries the Temporal UI shows for a workflow's activities and timers, in history order. */
export async function summariesOf(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const data = e.userMetadata?.summary?.data;
    return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as string] : [];
  });
}

/**
 * The status a rollout ended with, read by query whether its workflow completed or failed (a
 * rolled-back rollout may end as a failed workflow, issue 16 item 3). Needs a worker running.
 */
export async function endStatus(handle: WorkflowHandle): Promise<RolloutStatus> {
  await handle.result().catch(() => undefined);
  return handle.query(statusQuery);
}
