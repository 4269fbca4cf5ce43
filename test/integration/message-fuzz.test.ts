/**
 * DESIGN, "Rollback" guarantees: no message, however malformed, fails a workflow task. Proved by a
 * generated fuzz rather than by examples: every signal and update that `messages.ts` defines, crossed
 * with a corpus of hostile inputs (hand-picked classes plus seeded random mutations of valid inputs),
 * sent one at a time to a running multiCellRollout on the lab under session-aware load, in three
 * states: draining (cell X), awaiting approval (the cell-Y gate) and a paused rollback. After each
 * input: the input was processed, history holds no WorkflowTaskFailed, the status query answers with
 * the state unchanged and bounded, and a signal was recorded as refused (an update was rejected).
 * At the end a valid rollback still restores the routing, with clean load.
 *
 * FUZZ_SEED=<n> replays a run's random mutations; the seed is printed.
 */
import { Client, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { RawValue, rawValueTypeInfo, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import path from 'node:path';
import { createActivities } from '../../activities';
import type { Estate, RolloutStatus } from '../../src/model';
import * as messages from '../../workflows/messages';
import { messageNames, pauseRolloutUpdate, requestRollbackUpdate, resumeSignal, statusQuery } from '../../workflows/messages';
import { labRequest, recordHistory, routingOf, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForState, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { testClient, testTemporal, withTestWorker } from '../support/temporal';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');
/** Other sessions run tests concurrently on other offsets; this file owns this one. */
const labOffset = -6000;
const seed = Number(process.env.FUZZ_SEED ?? 20250611);
/** The fuzz sends from its own identity, so its signals are told apart from the drain activity's progress. */
const fuzzIdentity = 'message-fuzz';

// DESIGN, Targets: no payload over 256 KB. The status is the query's payload.
const maxStatusBytes = 256 * 1024;
// A refusal quotes at most 600 characters of problems (message-input.ts) and a reason at most 1,000.
const maxEventMessage = 1100;
import { corpusFor, definitions, inputNames, prng, shapeOf, shapes, shown, type FuzzCase, type FuzzState } from '../support/message-corpus';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';


const EventType = temporal.api.enums.v1.EventType;
interface SeenEvent {
  id: number;
  type: temporal.api.enums.v1.EventType;
  signalName?: string;
  identity?: string;
  failure?: string;
}

class HistoryFollower {
  readonly events: SeenEvent[] = [];
  private wake: (() => void)[] = [];
  private ended: Error | undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly workflowId: string,
  ) {
    this.done = this.follow().catch((err: unknown) => {
      this.ended = err as Error;
      this.notify();
    });
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }

  private async follow(): Promise<void> {
    let nextPageToken: Uint8Array | undefined;
    for (;;) {
      const res = await this.client.workflowService.getWorkflowExecutionHistory({
        namespace: testTemporal().namespace,
        execution: { workflowId: this.workflowId },
        nextPageToken,
        waitNewEvent: true,
        maximumPageSize: 1000,
      });
      for (const e of res.history?.events ?? []) {
        const signaled = e.workflowExecutionSignaledEventAttributes;
        const failed = e.workflowTaskFailedEventAttributes;
        this.events.push({
          id: Number(e.eventId),
          type: e.eventType ?? EventType.EVENT_TYPE_UNSPECIFIED,
          ...(signaled ? { signalName: signaled.signalName ?? '', identity: signaled.identity ?? '' } : {}),
          ...(failed ? { failure: `${EventType[e.eventType ?? 0]}: ${failed.failure?.message ?? ''} (cause ${failed.cause})` } : {}),
        });
      }
      this.notify();
      if (!res.nextPageToken?.length) {
        this.ended = new Error('the workflow closed');
        this.notify();
        return;
      }
      nextPageToken = res.nextPageToken;
    }
  }

  private lastSignal = 0;

  /**
   * Waits until the next signal `identity` sent has been processed: events that arrive during a
   * workflow task are recorded after it, so a task completed after the signal's event has seen it.
   */
  async processed(identity: string, name: string, what: string): Promise<void> {
    const signaled = await this.next(this.lastSignal, (e) => e.type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && e.identity === identity, `the signal event of ${what}`);
    this.lastSignal = signaled.id;
    if (signaled.signalName !== name) throw new Error(`${what}: the next signal from ${identity} in history is ${signaled.signalName} (event ${signaled.id})`);
    await this.next(signaled.id, (e) => e.type === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, `a workflow task after ${what}`);
  }

  /** Workflow task failures so far: the one thing no message may cause. */
  taskFailures(): string[] {
    return this.events.filter((e) => e.type === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).map((e) => e.failure ?? 'workflow task failed');
  }

  /** The first event after `afterId` that `match` accepts; fails as soon as a workflow task fails. */
  async next(afterId: number, match: (e: SeenEvent) => boolean, what: string): Promise<SeenEvent> {
    for (;;) {
      const failures = this.taskFailures();
      if (failures.length > 0) throw new Error(`waiting for ${what}, a workflow task failed: ${failures.join('; ')}`);
      const found = this.events.find((e) => e.id > afterId && match(e));
      if (found) return found;
      if (this.ended) throw new Error(`waiting for ${what}: ${this.ended.message}`);
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A session the test holds on one cell, so that cell's drain waits for as long as the fuzz needs.

interface HeldSession {
  release(): Promise<void>;
}

async function holdSessionOn(estate: Estate, cell: string): Promise<HeldSession> {
  const base = `http://127.0.0.1:${estate.sprayer?.listen.port}/user`;
  const clones = new Set(estate.cells.find((c) => c.name === cell)?.clusters.flatMap((k) => k.servers.map((s) => s.cloneId)));
  // New sessions spread over both cells; a handful of tries finds one on `cell`.
  for (let attempt = 0; attempt < 100; attempt++) {
    const res = await fetch(`${base}/hit`);
    await res.arrayBuffer();
    const cookie = /JSESSIONID=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (!cookie) throw new Error(`the sprayer answered ${res.status} without a session cookie`);
    const headers = { cookie: `JSESSIONID=${cookie}` };
    if (!clones.has(cookie.split(':')[1] ?? '')) {
      await (await fetch(`${base}/logout`, { headers })).arrayBuffer();
      continue;
    }
    // Touched well within the lab's 3 s idle timeout, the session lives until released.
    const keepAlive = setInterval(() => void fetch(`${base}/hit`, { headers }).then((r) => r.arrayBuffer()).catch(() => undefined), 700);
    return {
      async release() {
        clearInterval(keepAlive);
        await (await fetch(`${base}/logout`, { headers })).arrayBuffer();
      },
    };
  }
  throw new Error(`no new session landed on cell ${cell} in 100 tries`);
}

// ---------------------------------------------------------------------------------------------
// Sending the corpus and checking after each input.

/** A signal or update definition whose `count` arguments are payloads sent as they are, past the client's converter. */
function rawDefinition<D>(name: string, kind: 'signal' | 'update', count: number): D {
  return { type: kind, name, typeInfo: { inputTypes: Array.from({ length: count }, () => rawValueTypeInfo) } } as D;
}

interface StateCheck {
  state: FuzzState;
  /** The status the rollout must keep while the corpus arrives. */
  holds(s: RolloutStatus): boolean;
  description: string;
}

interface FuzzTally {
  signals: number;
  refused: number;
  quiet: number;
  updates: number;
}

function boundedStatusProblems(status: RolloutStatus): string[] {
  const problems: string[] = [];
  const size = Buffer.byteLength(JSON.stringify(status));
  if (size > maxStatusBytes) problems.push(`status is ${size} bytes`);
  for (const e of status.events) {
    if (e.message.length > maxEventMessage) problems.push(`event ${e.type} message is ${e.message.length} characters`);
    if (e.by.length > messages.maxNameLength) problems.push(`event ${e.type} by is ${e.by.length} characters`);
    if (messages.unsafeInName.test(e.by)) problems.push(`event ${e.type} by has control characters: ${shown(e.by)}`);
  }
  return problems;
}

/** Sends `corpus` one input at a time, checking the rollout after each; resolves to the seconds it took. */
async function sendCorpus(fuzz: WorkflowHandle, follower: HistoryFollower, corpus: FuzzCase[], check: StateCheck, tally: FuzzTally): Promise<number> {
  const started = Date.now();
  let before = await fuzz.query(statusQuery);
  const lastEvent = (s: RolloutStatus) => JSON.stringify(s.events[s.events.length - 1]);
  for (const c of corpus) {
    const what = `${c.kind} ${c.name} with ${c.label} (${check.state})`;
    let rejection = '';
    if (c.kind === 'signal') {
      if (c.raw) await fuzz.signal(rawDefinition<SignalDefinition<RawValue[]>>(c.name, 'signal', c.args.length), ...(c.args as RawValue[]));
      else await fuzz.signal<unknown[]>(c.name, ...c.args);
      await follower.processed(fuzzIdentity, c.name, what);
      tally.signals++;
    } else {
      const def = c.raw ? rawDefinition<UpdateDefinition<unknown, unknown[]>>(c.name, 'update', c.args.length) : c.name;
      const err = await fuzz.executeUpdate<unknown, [unknown, ...unknown[]]>(def as string, { args: c.args as [unknown, ...unknown[]] }).then(
        (status: unknown) => new Error(`accepted, answering ${JSON.stringify(status).slice(0, 300)}`),
        (e: unknown) => e as Error,
      );
      if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`${what}: expected a rejection (WorkflowUpdateFailedError), got ${err.name}: ${err.message}`);
      rejection = err.cause?.message ?? '';
      tally.updates++;
    }
    const failures = follower.taskFailures();
    if (failures.length > 0) throw new Error(`${what}: a workflow task failed: ${failures.join('; ')}`);
    const after = await fuzz.query(statusQuery);
    const problems = boundedStatusProblems(after);
    if (!check.holds(after)) problems.push(`the rollout left ${check.description}: state ${after.state}, step ${after.currentStep}`);
    if (rejection.length > maxEventMessage) problems.push(`the rejection says ${rejection.length} characters`);
    const changed = lastEvent(after) !== lastEvent(before);
    if (c.kind === 'update') {
      // A validator refuses without a trace in history or the status.
      if (changed) problems.push(`a rejected update left a trace: ${lastEvent(after)}`);
    } else if (c.outcome === 'refused') {
      if (!changed || after.events[after.events.length - 1]?.type !== 'message-refused') problems.push(`no refusal recorded; last event: ${lastEvent(after)}`);
      tally.refused++;
    } else {
      if (changed) problems.push(`expected it dropped quietly; last event: ${lastEvent(after)}`);
      tally.quiet++;
    }
    if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}`);
    before = after;
  }
  return (Date.now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------

describe('message fuzz: no input fails a workflow task', () => {
  let lab: ScenarioLab | undefined;
  let held: HeldSession | undefined;

  afterEach(async () => {
    await held?.release().catch(() => undefined);
    stopAllLoad();
    await terminateLeftovers();
    await lab?.stop();
  });

  it('sends every signal and update a generated hostile corpus in three states, and a rollback still restores the routing', async () => {
    // The definitions are the source of truth: every name in messageNames is defined, and fuzzed unless it is a query.
    expect(new Set(definitions.map((d) => d.name))).toEqual(new Set(Object.values(messageNames)));
    expect(definitions.filter((d) => d.type === 'query').map((d) => d.name).sort()).toEqual([messageNames.plan, messageNames.status].sort());
    expect(new Set(inputNames)).toEqual(new Set(definitions.filter((d) => d.type !== 'query').map((d) => d.name)));

    const rng = prng(seed);
    const corpora: Record<FuzzState, FuzzCase[]> = {
      draining: corpusFor('draining', rng),
      'awaiting-approval': corpusFor('awaiting-approval', rng),
      'rollback-paused': corpusFor('rollback-paused', rng),
    };
    // The generator's own check: what it calls malformed, the schema refuses; what it calls misdirected, the schema takes.
    for (const c of Object.values(corpora).flat().filter((h) => !h.raw)) {
      const ok = shapes[shapeOf[c.name]].schema.safeParse(c.args[0]).success;
      if (ok !== (c.misdirected === true)) throw new Error(`corpus: ${c.name} with ${c.label} is ${ok ? 'valid' : 'invalid'} per its schema`);
    }
    const total = Object.values(corpora).reduce((n, c) => n + c.length, 0);
    process.stdout.write(`message fuzz: seed ${seed} (FUZZ_SEED=${seed} to replay); ${total} inputs: ${Object.entries(corpora).map(([s, c]) => `${s} ${c.length}`).join(', ')}\n`);

    lab = await startScenarioLab(labOffset);
    const estate = lab.estate;
    const load = startLoad(estate, 40);
    const before = await lab.routing();
    held = await holdSessionOn(estate, 'X');
    const client = await testClient();
    const fuzzClient = new Client({ connection: client.connection, namespace: testTemporal().namespace, identity: fuzzIdentity });
    const tally: FuzzTally = { signals: 0, refused: 0, quiet: 0, updates: 0 };
    const seconds: Partial<Record<FuzzState, number>> = {};

    const { final, follower } = await withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir }), async ({ taskQueue }) => {
      // Every phase approved by hand, so the rollout waits at the cell-Y gate; a long maximum wait, so
      // the drain of cell X lasts as long as the held session does.
      const request = labRequest(estate, {
        approvals: { phases: ['*'], timeoutSeconds: 3600, onTimeout: 'wait' },
        drain: { pollIntervalSeconds: 1, maxWaitSeconds: 1800, sessionThreshold: 0, onTimeout: 'fail' },
      });
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `fuzz-${Date.now()}`, args: [request] }));
      const fuzz = fuzzClient.workflow.getHandle(handle.workflowId);
      const follower = new HistoryFollower(client, handle.workflowId);

      // 1. Draining cell X, held there by the test's session.
      await waitForStatus(handle, (s) => s.state === 'draining' && s.currentStep === 'X.drain' && s.drain !== undefined, 'the drain of cell X');
      seconds.draining = await sendCorpus(fuzz, follower, corpora.draining, { state: 'draining', holds: (s) => s.state === 'draining' && s.currentStep === 'X.drain', description: 'the drain of cell X' }, tally);
      await held?.release();
      held = undefined;

      // 2. Awaiting approval at the cell-Y gate.
      const gate = await waitForState(handle, 'awaiting-approval');
      expect(gate.pendingApproval?.gate).toBe('cell-Y');
      seconds['awaiting-approval'] = await sendCorpus(fuzz, follower, corpora['awaiting-approval'], { state: 'awaiting-approval', holds: (s) => s.state === 'awaiting-approval' && s.pendingApproval?.gate === 'cell-Y', description: 'the cell-Y gate' }, tally);

      // 3. A rollback asked for with valid input, paused at its next step boundary (routing already restored).
      const rolling = await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'carol', reason: 'fuzz done' }] });
      expect(rolling.state).toBe('rolling-back');
      const paused = await handle.executeUpdate(pauseRolloutUpdate, { args: [{ by: 'carol', reason: 'hold the rollback for the fuzz' }] });
      expect(paused.state).toBe('paused');
      seconds['rollback-paused'] = await sendCorpus(fuzz, follower, corpora['rollback-paused'], { state: 'rollback-paused', holds: (s) => s.state === 'paused' && s.rollback !== undefined, description: 'the paused rollback' }, tally);
      // A valid signal still acts after the flood: resume, through the same handler the corpus went to.
      await handle.signal(resumeSignal, { by: 'carol' });

      const final = await rolloutOutcome(handle);
      await follower.done;
      await recordHistory(client, handle.workflowId, 'multi-cell-message-fuzz');
      return { final, follower };
    });
    const report = await load.stop();
    process.stdout.write(
      `message fuzz: ${tally.signals + tally.updates} inputs (${Object.entries(seconds).map(([s, t]) => `${s} ${t.toFixed(1)} s`).join(', ')}): ` +
        `${tally.signals} signals (${tally.refused} refused, ${tally.quiet} dropped quietly), ${tally.updates} updates rejected; history ${follower.events.length} events; ` +
        `status ${Buffer.byteLength(JSON.stringify(final))} bytes; load ${JSON.stringify({ requests: report.requests, failed: report.failed, sessions: report.sessions, lostSessions: report.lostSessions, versionFlips: report.versionFlips })}\n`,
    );

    expect(tally.signals + tally.updates).toBe(total);
    expect(follower.taskFailures()).toEqual([]);
    expect(final.state).toBe('rolled-back');
    expect(final.reason).toBe('fuzz done');
    expect(final.events).toContainEqual(expect.objectContaining({ by: 'carol', type: 'resumed' }));
    expect(boundedStatusProblems(final)).toEqual([]);
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    expect((await lab.servers()).map((s) => s.version)).toEqual(['1.0', '1.0', '1.0', '1.0', '1.0', '1.0']);
    expect({ failed: report.failed, lostSessions: report.lostSessions, versionFlips: report.versionFlips, failures: report.failures }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0, failures: [] });
    expect(report.requests).toBeGreaterThan(100);
  }, 600_000);
});
