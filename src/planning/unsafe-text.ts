/**
 * Control characters in names, versions and IDs. A newline or NUL in a name splits a log or audit
 * line, hides a name in a terminal, or makes two names that read the same compare unequal (an
 * approver, a server in a routing command). Pure.
 */
import { toJsonPath, type InputProblem } from '../model';

/** C0 and C1 controls, DEL, the Unicode line and paragraph separators, and bidirectional overrides. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlCharacter = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Free text meant for people, where a line break does no harm. */
const freeTextKeys: ReadonlySet<string> = new Set(['description']);

function describe(text: string): string {
  const found = controlCharacter.exec(text)?.[0] ?? '';
  return `U+${(found.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Every string (and object key) under `value` that holds a control character, by JSON path under `prefix`. */
export function controlCharacterProblems(value: unknown, prefix: readonly PropertyKey[] = []): InputProblem[] {
  if (typeof value === 'string') {
    return controlCharacter.test(value) ? [{ path: toJsonPath(prefix), message: `holds a control character (${describe(value)}); names, versions and IDs must be printable` }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => controlCharacterProblems(item, [...prefix, i]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const at = [...prefix, key];
    const keyProblem = controlCharacter.test(key) ? [{ path: toJsonPath(at), message: `the key holds a control character (${describe(key)})` }] : [];
    return [...keyProblem, ...(freeTextKeys.has(key) ? [] : controlCharacterProblems(item, at))];
  });
}
