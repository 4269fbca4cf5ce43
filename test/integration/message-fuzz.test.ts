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
import type { z } from 'zod';
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

// ---------------------------------------------------------------------------------------------
// The messages under test: whatever messages.ts defines, so a new message is fuzzed without edits here.

type MessageName = (typeof messageNames)[keyof typeof messageNames];
type InputName = Exclude<MessageName, typeof messageNames.status | typeof messageNames.plan>;
type Kind = 'signal' | 'update' | 'query';

const definitions = (Object.values(messages) as unknown[]).filter(
  (v): v is { type: Kind; name: string } => typeof v === 'object' && v !== null && 'type' in v && 'name' in v && ['signal', 'update', 'query'].includes((v as { type: unknown }).type as string),
);
const kindOf = new Map(definitions.map((d) => [d.name, d.type]));

// ---------------------------------------------------------------------------------------------
// Input shapes: a valid input and its fields, from which the hostile ones are generated.

type FieldKind = 'who' | 'name' | 'text' | 'reason' | 'count' | 'servers' | 'instant';
interface Field {
  path: (string | number)[];
  kind: FieldKind;
  required: boolean;
}
interface Shape {
  schema: z.ZodType;
  valid(): Record<string, unknown>;
  fields: Field[];
}

const who: Field = { path: ['by'], kind: 'who', required: true };
const shapes = {
  approve: {
    schema: messages.approveInputSchema,
    valid: () => ({ by: 'fuzz-approver', phase: 'cell-Y', comment: 'looks good' }),
    fields: [who, { path: ['phase'], kind: 'name', required: false }, { path: ['comment'], kind: 'text', required: false }],
  },
  rollback: { schema: messages.rollbackInputSchema, valid: () => ({ by: 'fuzz-roller', reason: 'fuzzing' }), fields: [who, { path: ['reason'], kind: 'reason', required: true }] },
  pause: { schema: messages.pauseInputSchema, valid: () => ({ by: 'fuzz-pauser', reason: 'fuzzing' }), fields: [who, { path: ['reason'], kind: 'text', required: false }] },
  resume: { schema: messages.resumeInputSchema, valid: () => ({ by: 'fuzz-resumer' }), fields: [who] },
  leaveAsIs: { schema: messages.leaveAsIsInputSchema, valid: () => ({ by: 'fuzz-leaver', reason: 'fuzzing' }), fields: [who, { path: ['reason'], kind: 'reason', required: true }] },
  drainProgress: {
    schema: messages.drainProgressSchema,
    valid: () => ({
      stepId: 'X.drain',
      servers: [
        { name: 'ServerX1', sessions: 1 },
        { name: 'ServerX2', sessions: null, problem: 'could not read' },
      ],
      deadline: '2030-01-01T00:00:00.000Z',
    }),
    fields: [
      { path: ['stepId'], kind: 'name', required: true },
      { path: ['servers'], kind: 'servers', required: true },
      { path: ['deadline'], kind: 'instant', required: true },
      { path: ['servers', 0, 'name'], kind: 'name', required: true },
      { path: ['servers', 0, 'sessions'], kind: 'count', required: true },
      { path: ['servers', 1, 'problem'], kind: 'text', required: false },
    ],
  },
} satisfies Record<string, Shape>;
type ShapeName = keyof typeof shapes;

/** Which input each signal and update takes; typed, so a message added to messageNames must be listed. */
const shapeOf: Record<InputName, ShapeName> = {
  approve: 'approve',
  approvePhase: 'approve',
  rollback: 'rollback',
  requestRollback: 'rollback',
  pause: 'pause',
  pauseRollout: 'pause',
  resume: 'resume',
  resumeRollout: 'resume',
  leaveAsIs: 'leaveAsIs',
  leaveRolloutAsIs: 'leaveAsIs',
  drainProgress: 'drainProgress',
};
const inputNames = Object.keys(shapeOf) as InputName[];

// ---------------------------------------------------------------------------------------------
// The corpus.

/** What the rollout must do with an input: record a refusal, or (progress for a drain not under way) drop it quietly. */
type Outcome = 'refused' | 'quiet';
interface Hostile {
  label: string;
  /** The signal's or update's arguments; [] sends no input at all. */
  args: unknown[];
  /** Payloads sent as they are, bypassing the client's converter. */
  raw?: boolean;
  /** Valid per the schema, and refused (or dropped) because of the state it arrives in. */
  misdirected?: boolean;
  outcome: Outcome;
}

/** Deterministic PRNG (mulberry32). */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
/** An object with `key` as an own property, as JSON.parse makes it even for `__proto__`. */
function withOwnKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const body = JSON.stringify(obj).slice(1, -1);
  return JSON.parse(`{${body}${body ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(value)}}`) as Record<string, unknown>;
}
function nested(depth: number, leaf: unknown = 'bottom'): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}
function parentOf(root: unknown, p: (string | number)[]): Record<string | number, unknown> | undefined {
  let node = root;
  for (const key of p.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>) : undefined;
}
function setAt(root: unknown, p: (string | number)[], value: unknown): void {
  const parent = parentOf(root, p);
  if (parent) parent[p[p.length - 1] as string | number] = value;
}
function deleteAt(root: unknown, p: (string | number)[]): void {
  const parent = parentOf(root, p);
  if (parent) delete parent[p[p.length - 1] as string | number];
}
const fieldLabel = (f: Field) => f.path.join('.');
/** A value for a label, its invisible characters spelled out. */
const shown = (v: unknown) => (JSON.stringify(v) ?? String(v)).replace(new RegExp(messages.unsafeInName.source, 'gu'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const controlChars = ['\u0000', '\u0007', '\n', '\r', '\u001b[31m', '\u007f', '\t', '\u0085', '\u009b', '\u2028', '\u2029', '\u202e', '\u2066', '\u200f'];
const nameLike = (f: Field) => f.kind === 'who' || f.kind === 'name';
const isString = (k: FieldKind) => k !== 'count' && k !== 'servers';
/** Longest valid value per kind (messages.ts), so one past it is refused. */
const limitOf = (k: FieldKind) => (k === 'who' || k === 'name' ? messages.maxNameLength : messages.maxTextLength);

/** Values of the wrong type for a field of `kind`: never null for a count (null means unknown, which is valid). */
function wrongValues(kind: FieldKind): unknown[] {
  switch (kind) {
    case 'count':
      return [-1, '3', 1.5, true, [], {}];
    case 'servers':
      return ['x', [null], null, 42, {}, { name: 'ServerX1', sessions: 0 }, [1], ['ServerX1']];
    case 'instant':
      return ['tomorrow', 42, null, '2030-01-01', ''];
    default:
      return [null, 42, ['x'], true, [], {}, { by: 'x' }];
  }
}

/**
 * Hand-picked hostile inputs for one message shape: every class the fault probe named and more.
 * Each field gets two wrong types (more come from the mutations), one character too many, and,
 * for names, control characters and blanks; `by` and the first free text also get their 10,000
 * and 100 KB versions.
 */
function handPicked(shape: Shape): Hostile[] {
  const valid = shape.valid();
  const out: Hostile[] = [];
  const add = (label: string, ...args: unknown[]) => out.push({ label, args, outcome: 'refused' });
  // What the Temporal UI's Send a Signal sends with empty Data, and other whole-input junk.
  add('no input');
  add('null', null);
  for (const v of ['', 'approve', 1e308, true, [], [valid]]) add(`whole input ${JSON.stringify(v)}`, v);
  add('bytes', new Uint8Array([0, 1, 2, 255]));
  add('a malformed first argument, a valid second', null, valid);
  add('nested 500 levels deep', nested(500));
  add('a field nested 300 levels deep', { ...valid, [fieldLabel(shape.fields[0] as Field)]: nested(300) });
  add('an unknown key nested 500 levels deep', { ...valid, extra: nested(500) });
  add('a 100 KB string', 'x'.repeat(100_000));
  // Prototype keys as own keys, the way the workflow's JSON decoding makes them.
  add('valid input under an own __proto__ key', JSON.parse(`{"__proto__":${JSON.stringify(valid)}}`));
  add('valid input plus an own __proto__ key', withOwnKey(valid, '__proto__', { isAdmin: true, by: 'mallory' }));
  add('valid input plus constructor.prototype', withOwnKey(valid, 'constructor', { prototype: { by: 'mallory' } }));
  add('valid input plus prototype', withOwnKey(valid, 'prototype', valid));
  // Extra keys (besides the nested one above): a near-miss of a real one, a thousand, one with a 10,000-character name.
  add('a key that differs only in case', withOwnKey(valid, 'BY', 'mallory'));
  add('1,000 unknown keys', Object.fromEntries([...Object.entries(valid), ...Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])]));
  add('an unknown key 10,000 characters long', withOwnKey(valid, 'k'.repeat(10_000), 1));
  const firstText = shape.fields.find((f) => f.kind === 'text' || f.kind === 'reason');
  shape.fields.forEach((f, i) => {
    const at = fieldLabel(f);
    const set = (label: string, v: unknown) => {
      const input = clone(valid);
      setAt(input, f.path, v);
      add(`${at} ${label}`, input);
    };
    const wrong = wrongValues(f.kind);
    for (const v of [wrong[i % wrong.length], wrong[(i + 3) % wrong.length]]) set(`= ${JSON.stringify(v)}`, v);
    if (isString(f.kind)) set('one character too long', 'o'.repeat(limitOf(f.kind) + 1));
    if (f === who) set('10,000 characters long', 'b'.repeat(10_000));
    if (f === firstText) set('100 KB long', 'h'.repeat(100_000));
    if (nameLike(f)) {
      // C0, C1 (U+0085 next line, U+009B the 8-bit CSI), line separators and bidi overrides all forge or hide text.
      for (const c of f === who ? ['\u0000', '\n', '\u001b[31m', '\u0085', '\u202e'] : [['\r\n', '\u2028', '\u009b'][i % 3] as string]) set(`with control character ${shown(c)}`, `ali${c}ce`);
      set('blank', i % 2 ? '' : ' \t ');
    }
    if (f.kind === 'reason') set('blank', '   ');
    if (f.required) {
      const input = clone(valid);
      deleteAt(input, f.path);
      add(`${at} missing`, input);
    }
  });
  if (shape === shapes.drainProgress) {
    add('the fault probe\'s servers: "x"', { stepId: 'cell-Y.approval', servers: 'x' });
    add('10,001 servers', { ...valid, servers: Array.from({ length: 10_001 }, (_, i) => ({ name: `S${i}`, sessions: 0 })) });
  }
  return out;
}

/** Mutations of a valid input that each break it, and never repair what an earlier one broke. */
function mutate(shape: Shape, rng: Rng): { label: string; input: unknown } {
  let input: unknown = clone(shape.valid());
  const steps: string[] = [];
  const count = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < count; i++) {
    const f = pick(rng, shape.fields);
    const at = fieldLabel(f);
    switch (pick(rng, ['wrong-type', 'drop', 'unknown-key', 'too-long', 'control', 'blank', 'wrap', 'replace'] as const)) {
      case 'wrong-type': {
        const v = pick(rng, wrongValues(f.kind));
        setAt(input, f.path, v);
        steps.push(`${at}=${JSON.stringify(v)}`);
        break;
      }
      case 'drop': {
        const req = pick(rng, shape.fields.filter((g) => g.required));
        deleteAt(input, req.path);
        steps.push(`drop ${fieldLabel(req)}`);
        break;
      }
      case 'unknown-key': {
        const key = pick(rng, ['__proto__', 'constructor', 'prototype', 'BY', 'by ', 'toString', `k${Math.floor(rng() * 1e6)}`]);
        const target = shape === shapes.drainProgress && rng() < 0.5 ? parentOf(input, ['servers', 0, 'x']) : input;
        if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
          const replaced = withOwnKey(target as Record<string, unknown>, key, pick(rng, [1, 'x', null, { by: 'mallory' }]));
          if (target === input) input = replaced;
          else setAt(input, ['servers', 0], replaced);
        } else {
          input = { input, [key]: 1 };
        }
        steps.push(`+key ${key}`);
        break;
      }
      case 'too-long': {
        const strings = shape.fields.filter((g) => isString(g.kind));
        const g = pick(rng, strings);
        setAt(input, g.path, 'L'.repeat(limitOf(g.kind) + 1 + Math.floor(rng() * 5000)));
        steps.push(`${fieldLabel(g)} too long`);
        break;
      }
      case 'control': {
        const g = pick(rng, shape.fields.filter(nameLike));
        const c = pick(rng, controlChars);
        setAt(input, g.path, `fu${c}zz`);
        steps.push(`${fieldLabel(g)} with ${shown(c)}`);
        break;
      }
      case 'blank': {
        const g = pick(rng, shape.fields.filter(nameLike));
        setAt(input, g.path, pick(rng, ['', ' ', '\t \t']));
        steps.push(`${fieldLabel(g)} blank`);
        break;
      }
      case 'wrap':
        input = rng() < 0.5 ? [input] : { input };
        steps.push('wrapped');
        break;
      case 'replace':
        input = pick(rng, [null, 0, '', 'x', true, [], nested(50)]);
        steps.push(`replaced by ${JSON.stringify(input).slice(0, 20)}`);
        break;
    }
  }
  return { label: `mutation: ${steps.join(', ')}`, input };
}

/** Payloads no client converter would make: undecodable JSON, an encoding the workflow does not know, none at all. */
function rawPayloads(): Hostile[] {
  const p = (encoding: string | undefined, data: string | Uint8Array | undefined): { metadata: Record<string, Uint8Array>; data?: Uint8Array } => ({
    metadata: encoding === undefined ? {} : { encoding: Buffer.from(encoding) },
    ...(data === undefined ? {} : { data: typeof data === 'string' ? Buffer.from(data) : data }),
  });
  const cases: [string, ReturnType<typeof p>][] = [
    ['raw: json/plain that is not JSON', p('json/plain', '{"by": "mallory", ')],
    ['raw: json/plain with no data', p('json/plain', undefined)],
    ['raw: binary/protobuf, as a Go or Java client may send', p('binary/protobuf', new Uint8Array([8, 1, 18, 3, 97, 98, 99]))],
    ['raw: no encoding at all', p(undefined, '{"by":"mallory"}')],
  ];
  const raw = cases.map(([label, payload]): Hostile => ({ label, args: [RawValue.fromPayload(payload)], raw: true, outcome: 'refused' }));
  // A second argument nobody reads must not fail the task either: the first is null, so the input is refused.
  raw.push({ label: 'raw: null, then a second argument that is not JSON', args: [RawValue.fromPayload(p('json/plain', 'null')), RawValue.fromPayload(p('json/plain', '{oops'))], raw: true, outcome: 'refused' });
  return raw;
}

/** The states the corpus is sent in, and the valid inputs each must refuse (or drop) because of the state. */
type FuzzState = 'draining' | 'awaiting-approval' | 'rollback-paused';

/**
 * Valid inputs that the state refuses. Valid inputs that would act in a state (a valid pause while
 * draining, an approval of the gate that waits) are the rollout working, not a fuzz case.
 */
function misdirected(state: FuzzState, shape: ShapeName): Hostile[] {
  const refused = (label: string, input: unknown): Hostile => ({ label, args: [input], misdirected: true, outcome: 'refused' });
  const quiet = (label: string, input: unknown): Hostile => ({ label, args: [input], misdirected: true, outcome: 'quiet' });
  const progress = (stepId: string, names: string[], extra: Record<string, unknown> = {}) => ({ stepId, servers: names.map((name) => ({ name, sessions: 0, ...extra })), deadline: '2030-01-01T00:00:00.000Z' });
  const X = ['ServerX1', 'ServerX2', 'ServerX3'];
  const Y = ['ServerY1', 'ServerY2', 'ServerY3'];
  // A flood of one server's name: within the schema's 10,000 servers, about 1 MB.
  const flood = (stepId: string) => progress(stepId, Array.from({ length: 2000 }, () => 'ServerX1'), { problem: 'p'.repeat(500) });
  const wrongGates = ['cell-X', 'X.drain', 'Y.drain', 'cell-Z', 'CELL-Y'].map((phase) => refused(`approval of ${phase}`, { by: 'fuzz-approver', phase }));
  switch (state) {
    case 'draining':
      return {
        approve: [...wrongGates, refused('approval naming no phase, nothing awaiting', { by: 'fuzz-approver' })],
        rollback: [],
        pause: [],
        resume: [refused('resume, not paused', { by: 'fuzz-resumer' })],
        leaveAsIs: [refused('leave as is, not rolling back', { by: 'fuzz-leaver', reason: 'fuzzing' })],
        drainProgress: [
          quiet('progress for another step', progress('Y.drain', Y)),
          quiet('progress for a rollback step', progress('rollback.X.drain', X)),
          refused("progress naming a stranger's server", progress('X.drain', ['ServerY1'])),
          refused('progress naming an unknown server among the right ones', progress('X.drain', [...X, 'Intruder'])),
          refused('progress naming one server 2,000 times', flood('X.drain')),
        ],
      }[shape];
    case 'awaiting-approval':
      return {
        approve: wrongGates,
        rollback: [],
        pause: [],
        resume: [refused('resume, not paused', { by: 'fuzz-resumer' })],
        leaveAsIs: [refused('leave as is, not rolling back', { by: 'fuzz-leaver', reason: 'fuzzing' })],
        drainProgress: [quiet('late progress of the ended drain', progress('X.drain', X)), quiet('progress for the next drain', progress('Y.drain', Y)), quiet('a flood for the ended drain', flood('X.drain'))],
      }[shape];
    case 'rollback-paused':
      return {
        approve: [refused('approval of the gate a rollback cut short', { by: 'fuzz-approver', phase: 'cell-Y' }), refused('approval naming no phase', { by: 'fuzz-approver' })],
        rollback: [refused('a second rollback', { by: 'fuzz-roller', reason: 'again' })],
        pause: [refused('pause, already paused', { by: 'fuzz-pauser' })],
        resume: [],
        leaveAsIs: [],
        drainProgress: [quiet('progress for a rollback drain not under way', progress('rollback.X.drain', X)), quiet('a flood for it', flood('rollback.X.drain'))],
      }[shape];
  }
}

interface FuzzCase extends Hostile {
  name: InputName;
  kind: 'signal' | 'update';
}

/**
 * The corpus for one state. Draining and awaiting approval get every class for every message; the
 * paused rollback gets the rollback signal's (a malformed `rollback` still rolls back, the safe
 * action in rollout-run.ts, so its corpus goes to a rollout already rolling back), the inputs that
 * state must refuse, and fresh mutations.
 */
function corpusFor(state: FuzzState, rng: Rng): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (const name of inputNames) {
    if (name === messageNames.rollback && state !== 'rollback-paused') continue;
    const kind = kindOf.get(name) as 'signal' | 'update';
    const shape = shapes[shapeOf[name]];
    const full = state === 'rollback-paused' ? name === messageNames.rollback : name !== messageNames.rollback;
    const mutations = Array.from({ length: full ? 4 : 2 }, (): Hostile => {
      const m = mutate(shape, rng);
      return { label: m.label, args: [m.input], outcome: 'refused' };
    });
    const all = [...(full ? [...handPicked(shape), ...rawPayloads()] : []), ...mutations, ...misdirected(state, shapeOf[name])];
    out.push(...all.map((h) => ({ ...h, name, kind })));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Following history: one long-polling reader per rollout, so each check reads only new events.

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

      const final = (await handle.result()) as RolloutStatus;
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
