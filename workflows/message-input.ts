/**
 * Reading message inputs that anyone can send: from the Temporal UI with an empty Data field, from a
 * script, from a hostile user. Nothing here trusts the input's shape, size or keys; what it returns
 * is bounded, so a refusal can never bloat the status or the audit trail.
 */
import { defaultPayloadConverter, RawValue, rawValueTypeInfo, type TypeInfo } from '@temporalio/common';
import { defineSignal, type SignalDefinition } from '@temporalio/workflow';
import type { z } from 'zod';
import { problemsOf } from '../src/model/issues';
import { maxNameLength, unsafeInName } from './messages';

const maxProblems = 5;
const maxProblemText = 600;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The problems of a refused input, by JSON path, bounded in count and length (paths come from the sender's keys). */
export function inputProblems(error: z.ZodError): string {
  const problems = problemsOf(error);
  const shown = problems.slice(0, maxProblems).map((p) => `${clip(p.path, 80)}: ${clip(p.message, 160)}`);
  const more = problems.length > maxProblems ? `; and ${problems.length - maxProblems} more` : '';
  return clip(`${shown.join('; ')}${more}`, maxProblemText);
}

/** Who sent a message, as far as its input says: a short printable name, or `unknown`. */
export function senderOf(input: unknown): string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'unknown';
  const by = Object.prototype.hasOwnProperty.call(input, 'by') ? (input as { by?: unknown }).by : undefined;
  if (typeof by !== 'string') return 'unknown';
  const printable = by.replace(new RegExp(unsafeInName.source, 'gu'), ' ').trim();
  return printable ? clip(printable, maxNameLength) : 'unknown';
}

/** An error's message, bounded, for an audit event. */
export function errorText(err: unknown): string {
  return clip(err instanceof Error ? err.message : String(err), maxProblemText);
}

/** A signal argument whose payload would not decode: handed on, so the handler refuses it like any bad input. */
export class UndecodableInput {
  constructor(readonly problem: string) {}
}

// The SDK decodes a signal's arguments before any handler runs, and a payload that will not decode
// (not JSON, an encoding this worker does not know, no data) would fail the workflow task on every
// retry. Asked for raw, each argument arrives as its payload, and is decoded here instead. The index
// is the argument's position, so every position is raw, however many arguments a sender sends.
const everyArgumentRaw: readonly TypeInfo[] = new Proxy([] as TypeInfo[], {
  get: (target, key) => (typeof key === 'string' && /^\d+$/.test(key) ? rawValueTypeInfo : Reflect.get(target, key)),
});

/**
 * The definition a workflow registers its handler with: the same name as `def`, its arguments
 * received as payloads. Clients keep using `def`. Pass each argument through {@link decodeArgument}.
 */
export function receivedRaw<A extends unknown[]>(def: SignalDefinition<A>): SignalDefinition<[unknown?]> {
  return defineSignal<[unknown?]>(def.name, { typeInfo: { inputTypes: everyArgumentRaw } });
}

/**
 * A signal argument received raw, decoded with the default payload converter (the one the worker
 * uses; a worker given its own converter must decode with that one here), or why it cannot be read.
 */
export function decodeArgument(arg: unknown): unknown {
  if (!(arg instanceof RawValue)) return arg;
  try {
    return defaultPayloadConverter.fromPayload(arg.payload);
  } catch (err) {
    return new UndecodableInput(`the input could not be decoded: ${errorText(err)}`);
  }
}

/** A message input read against its schema: the value, or its problems (bounded). */
export function readInput<T>(schema: z.ZodType<T>, input: unknown): { ok: true; value: T } | { ok: false; problems: string } {
  if (input instanceof UndecodableInput) return { ok: false, problems: input.problem };
  const r = schema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, problems: inputProblems(r.error) };
}
