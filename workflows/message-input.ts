/**
 * Reading message inputs that anyone can send: from the Temporal UI with an empty Data field, from a
 * script, from a hostile user. Nothing here trusts the input's shape, size or keys; what it returns
 * is bounded, so a refusal can never bloat the status or the audit trail.
 */
import type { z } from 'zod';
import { problemsOf } from '../src/model/issues';
import { maxNameLength } from './messages';

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
  // eslint-disable-next-line no-control-regex
  const printable = by.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return printable ? clip(printable, maxNameLength) : 'unknown';
}

/** An error's message, bounded, for an audit event. */
export function errorText(err: unknown): string {
  return clip(err instanceof Error ? err.message : String(err), maxProblemText);
}
