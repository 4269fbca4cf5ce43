/**
 * The message fuzz's corpus (test/integration/message-fuzz.test.ts): every signal and update that
 * `workflows/messages.ts` defines, each with the shape of its input, and the hostile inputs sent to
 * each in each state: hand-picked classes, payloads that do not decode, seeded random mutations of a
 * valid input, and valid inputs the state must refuse.
 */
import { RawValue } from '@temporalio/common';
import type { z } from 'zod';
import * as messages from '../../workflows/messages';
import { messageNames } from '../../workflows/messages';
// ---------------------------------------------------------------------------------------------
// The messages under test: whatever messages.ts defines, so a new message is fuzzed without edits here.

type MessageName = (typeof messageNames)[keyof typeof messageNames];
type InputName = Exclude<MessageName, typeof messageNames.status | typeof messageNames.plan>;
type Kind = 'signal' | 'update' | 'query';

export const definitions = (Object.values(messages) as unknown[]).filter(
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
export const shapes = {
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
export const shapeOf: Record<InputName, ShapeName> = {
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
export const inputNames = Object.keys(shapeOf) as InputName[];

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
export function prng(s: number): () => number {
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
export const shown = (v: unknown) => (JSON.stringify(v) ?? String(v)).replace(new RegExp(messages.unsafeInName.source, 'gu'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

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
export type FuzzState = 'draining' | 'awaiting-approval' | 'rollback-paused';

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

export interface FuzzCase extends Hostile {
  name: InputName;
  kind: 'signal' | 'update';
}

/**
 * The corpus for one state. Draining and awaiting approval get every class for every message; the
 * paused rollback gets the rollback signal's (a malformed `rollback` still rolls back, the safe
 * action in rollout-run.ts, so its corpus goes to a rollout already rolling back), the inputs that
 * state must refuse, and fresh mutations.
 */
export function corpusFor(state: FuzzState, rng: Rng): FuzzCase[] {
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
