/**
 * Turning zod issues into messages a release engineer can act on: each names the field by its
 * JSON path (`$.cells[0].servers[2].port`) and says what is wrong with it.
 */
import type { z } from 'zod';

/** A single problem with an input, located by JSON path. */
export interface InputProblem {
  /** JSON path of the field, such as `$.drain.maxWaitSeconds`. */
  path: string;
  message: string;
}

/** Formats a zod path (keys and indexes) as a JSON path rooted at `$`. */
export function toJsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    const text = String(key);
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(text) ? `${out}.${text}` : `${out}[${JSON.stringify(text)}]`;
  }, '$');
}

/** Lists every problem of a failed zod parse, with paths under `prefix` (a path of the outer document). */
export function problemsOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): InputProblem[] {
  return error.issues.flatMap((issue) => {
    const at = [...prefix, ...issue.path];
    // An unknown key is the key's own mistake (often a typo): point at it, not at its parent.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: toJsonPath([...at, key]), message: 'unknown field' }));
    return [{ path: toJsonPath(at), message: issue.message }];
  });
}

/** One line per problem, `$.path: message`, for terminals and workflow failure messages. */
export function formatProblems(problems: readonly InputProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
