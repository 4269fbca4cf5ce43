/**
 * Validation entry points shared by the CLI, the worker and the workflows.
 */
import type { z } from 'zod';
import { estateSchema, type Estate } from './estate';
import { problemsOf, type InputProblem } from './issues';
import { rolloutRequestSchema, type RolloutRequest } from './request';

/** The outcome of validating an input: the parsed value, or every problem found. */
export type Validated<T> = { ok: true; value: T } | { ok: false; problems: InputProblem[] };

function validate<S extends z.ZodType>(schema: S, input: unknown, prefix: readonly PropertyKey[]): Validated<z.infer<S>> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: problemsOf(result.error, prefix) };
}

/** Validates a RolloutRequest (with its estate inline or named). Paths start at the request's root. */
export function validateRequest(input: unknown): Validated<RolloutRequest> {
  return validate(rolloutRequestSchema, input, []);
}

/**
 * Validates an estate. `prefix` places its problems inside an outer document, for example
 * `['estate']` when the estate was named by a request and read from TURNOUT_ESTATES.
 */
export function validateEstate(input: unknown, prefix: readonly PropertyKey[] = []): Validated<Estate> {
  return validate(estateSchema, input, prefix);
}
