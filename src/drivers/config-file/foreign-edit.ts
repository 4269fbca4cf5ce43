/**
 * Someone else's change to a file turnout manages (plugin-cfg.xml, loadbalancer.xml), as lines:
 * the one block where the file found differs from the file turnout wrote, a short readable diff of
 * it for a person, and the same block applied again on top of a later file turnout writes (what an
 * approval of the change keeps). Pure, and linear in the file's size: large files (10,000 servers)
 * are compared by their common start and end, never line against line.
 */

/** Lines of context kept on each side of the changed block: enough to find it again in a later file. */
const contextLines = 2;

/**
 * One changed block: `removed` (turnout's lines) became `added` (the other writer's), between the
 * context lines `above` and `below` (fewer at the start or end of the file).
 */
export interface FileEdit {
  above: string[];
  removed: string[];
  added: string[];
  below: string[];
}

/** An accepted change that no longer fits the file turnout writes next. */
export class FileEditConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileEditConflict';
  }
}

/** How much of a diff a status may carry. */
export interface DiffLimits {
  maxLines: number;
  maxChars: number;
  /** Longer lines are cut (one XML element of a large file can be long). */
  maxLineChars: number;
}

/** Bounds of a diff in the status and Current details: a screenful, never the whole file. */
export const defaultDiffLimits: DiffLimits = { maxLines: 30, maxChars: 3000, maxLineChars: 160 };

const splitLines = (text: string): string[] => text.split('\n');

/** The common start and end of two line lists (the end never overlapping the start). */
function commonEnds(a: readonly string[], b: readonly string[]): { prefix: number; suffix: number } {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return { prefix, suffix };
}

/** The changed block and the line (0-based) where its context starts in `expected`. */
function blockOf(expected: string, found: string): { edit: FileEdit; from: number } | undefined {
  if (expected === found) return undefined;
  const a = splitLines(expected);
  const b = splitLines(found);
  const { prefix, suffix } = commonEnds(a, b);
  const from = Math.max(0, prefix - contextLines);
  const edit = {
    above: a.slice(from, prefix),
    removed: a.slice(prefix, a.length - suffix),
    added: b.slice(prefix, b.length - suffix),
    below: a.slice(a.length - suffix, a.length - suffix + contextLines),
  };
  return { edit, from };
}

/** The block where `found` differs from `expected`; undefined when they are the same text. */
export function editBetween(expected: string, found: string): FileEdit | undefined {
  return blockOf(expected, found)?.edit;
}

function sameAt(lines: readonly string[], at: number, want: readonly string[]): boolean {
  if (at < 0 || at + want.length > lines.length) return false;
  return want.every((l, i) => lines[at + i] === l);
}

/** Where `block` sits between the edit's context lines in `lines`. */
function placesOf(lines: readonly string[], edit: FileEdit, block: readonly string[]): number[] {
  const places: number[] = [];
  for (let at = 0; at + block.length <= lines.length; at++) {
    // Context shorter than asked for means the block was at the file's start or end.
    if (edit.above.length < contextLines && at !== edit.above.length) continue;
    if (!sameAt(lines, at - edit.above.length, edit.above) || !sameAt(lines, at, block) || !sameAt(lines, at + block.length, edit.below)) continue;
    if (edit.below.length < contextLines && at + block.length + edit.below.length !== lines.length) continue;
    places.push(at);
  }
  return places;
}

/**
 * `text` with each edit applied in turn: its block replaced where it sits, exactly once, between
 * its context lines. An edit already in the text is left as it is (so applying is idempotent).
 * Throws FileEditConflict when an edit's block is not there, or is there more than once.
 */
export function applyEdits(text: string, edits: readonly FileEdit[]): string {
  let lines = splitLines(text);
  for (const [i, edit] of edits.entries()) {
    const places = placesOf(lines, edit, edit.removed);
    if (places.length === 1) {
      const at = places[0] as number;
      lines = [...lines.slice(0, at), ...edit.added, ...lines.slice(at + edit.removed.length)];
      continue;
    }
    if (places.length === 0 && placesOf(lines, edit, edit.added).length === 1) continue;
    const where = edit.removed[0] ?? edit.above.at(-1) ?? edit.below[0] ?? '';
    throw new FileEditConflict(`accepted change ${i + 1} (at ${JSON.stringify(cut(where.trim(), 80))}) ${places.length === 0 ? 'no longer fits' : 'fits in more than one place in'} the file turnout writes now`);
  }
  return lines.join('\n');
}

function cut(line: string, max: number): string {
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * A short unified-style diff from `expected` to `found` (null: the file is missing), bounded by
 * `limits`: a person reads it in the status and Current details, and history never carries a whole
 * large file through it.
 */
export function renderFileDiff(expected: string, found: string | null, limits: DiffLimits = defaultDiffLimits): string {
  if (found === null) return 'the file is missing';
  const block = blockOf(expected, found);
  if (!block) return 'no difference';
  const { edit, from } = block;
  const all = [
    `@@ line ${from + 1} @@`,
    ...edit.above.map((l) => ` ${l}`),
    ...edit.removed.map((l) => `-${l}`),
    ...edit.added.map((l) => `+${l}`),
    ...edit.below.map((l) => ` ${l}`),
  ].map((l) => cut(l, limits.maxLineChars));
  const shown: string[] = [];
  let chars = 0;
  for (const l of all) {
    if (shown.length >= limits.maxLines || chars + l.length + 1 > limits.maxChars) break;
    shown.push(l);
    chars += l.length + 1;
  }
  const left = all.length - shown.length;
  return left > 0 ? [...shown, `… ${left} more line(s) not shown (${edit.removed.length} removed, ${edit.added.length} added in all)`].join('\n') : shown.join('\n');
}
