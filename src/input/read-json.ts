/**
 * Reading JSON input from files. Broken JSON is reported with its line and column, the way an
 * editor would show it, instead of a parser's stack trace.
 */
import { readFile } from 'node:fs/promises';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';

/** A JSON file that could not be read or parsed. The message is meant for the person at the terminal. */
export class JsonInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonInputError';
  }
}

/** Line and column (both 1-based) of a character offset in text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column };
}

/** Parses strict JSON (no comments, no trailing commas); throws JsonInputError naming line and column. */
export function parseJson(text: string, source: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first) {
    const { line, column } = lineAndColumn(text, first.offset);
    throw new JsonInputError(`${source}:${line}:${column}: invalid JSON (${describe(printParseErrorCode(first.error))})`);
  }
  return value;
}

function describe(code: string): string {
  // jsonc-parser names its errors in PascalCase (ValueExpected); people read words.
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** Reads and parses a JSON file; a missing or unreadable file is a JsonInputError too. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new JsonInputError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(err)})`);
  }
  return parseJson(text, file);
}
