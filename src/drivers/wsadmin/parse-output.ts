/**
 * Reading what wsadmin printed while it ran one of turnout's scripts (see `jython.ts`). Pure.
 *
 * wsadmin mixes its own banner and informational messages (`WASX7209I: Connected to process
 * "dmgr" ...`, `ADMA5013I: Application ... installed successfully.`) with what the script prints.
 * turnout's scripts print exactly one `TURNOUT-RESULT <json>` line, or one `TURNOUT-ERROR <json
 * string>` line when the cell is not as expected. Failures wsadmin reports itself arrive as IBM
 * messages of severity E (`WASX7017E: Exception received while running file ...`) and, for a
 * failed call, a Jython traceback whose last line names the exception.
 */

/** Prefix of the one line carrying a script's result. */
export const resultPrefix = 'TURNOUT-RESULT ';
/** Prefix of the line a script prints when it refuses to go on. */
export const errorPrefix = 'TURNOUT-ERROR ';

/** An IBM message line: a component prefix, four digits, the severity, a colon (`WASX7017E:`). */
const ibmMessage = /^([A-Z]{4,5}\d{4})([IWE]):\s?(.*)$/;
/** Jython 2.1 writes "innermost last", 2.7 "most recent call last". */
const tracebackStart = /^Traceback \((innermost|most recent call) last\):/;

/** What a wsadmin run came to. */
export type WsadminOutcome =
  | {
      ok: true;
      /** The parsed JSON of the result line. */
      value: unknown;
      /** wsadmin's informational and warning lines, for logs. */
      messages: string[];
    }
  | {
      ok: false;
      /** One or two lines saying what went wrong: the first error code and its message. */
      error: string;
      /** The first IBM error code seen, such as `WASX7017E`, when there was one. */
      code?: string;
      /** Every line that bears on the failure, in order. */
      lines: string[];
    };

function splitLines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trimEnd());
}

/** The exception line that ends a traceback: the first unindented line after `Traceback (...)`. */
function tracebackException(lines: readonly string[]): string | undefined {
  const start = lines.findIndex((l) => tracebackStart.test(l));
  if (start < 0) return undefined;
  return lines.slice(start + 1).find((l) => l.length > 0 && !/^\s/.test(l)) ?? lines[start];
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function scriptRefusal(lines: readonly string[]): string | undefined {
  const line = lines.find((l) => l.startsWith(errorPrefix));
  if (line === undefined) return undefined;
  const parsed = parseJson(line.slice(errorPrefix.length));
  return parsed.ok && typeof parsed.value === 'string' ? parsed.value : line.slice(errorPrefix.length);
}

function failure(error: string, lines: string[], code?: string): WsadminOutcome {
  return { ok: false, error, lines, ...(code ? { code } : {}) };
}

/** When nothing more specific explains a failure, the last lines wsadmin printed are the best clue. */
function withTail(error: string, lines: readonly string[]): WsadminOutcome {
  const tail = lines.filter((l) => l.length > 0).slice(-5);
  return failure([error, ...tail].join('\n'), tail);
}

/**
 * Reads one wsadmin run: its stdout, stderr and exit code. A refusal by the script, an IBM error
 * message, a traceback, a non-zero exit, or a missing or unreadable result line is a failure.
 */
export function parseWsadminOutput(stdout: string, stderr = '', exitCode = 0): WsadminOutcome {
  const lines = [...splitLines(stdout), ...splitLines(stderr)];
  const refusal = scriptRefusal(lines);
  if (refusal !== undefined) return failure(refusal, [refusal]);

  const errors = lines.filter((l) => ibmMessage.exec(l)?.[2] === 'E');
  const exception = tracebackException(lines);
  if (errors.length > 0 || exception !== undefined) {
    const first = errors[0];
    const useful = [...new Set([first, exception].filter((l): l is string => l !== undefined))];
    const match = first === undefined ? null : ibmMessage.exec(first);
    return failure(useful.join('\n'), [...errors, ...(exception === undefined ? [] : [exception])], match ? `${match[1]}${match[2]}` : undefined);
  }
  if (exitCode !== 0) return withTail(`wsadmin exited with code ${exitCode}`, lines);

  const results = lines.filter((l) => l.startsWith(resultPrefix));
  if (results.length !== 1) return withTail(results.length === 0 ? 'the script printed no TURNOUT-RESULT line' : `the script printed ${results.length} TURNOUT-RESULT lines`, lines);
  const parsed = parseJson((results[0] as string).slice(resultPrefix.length));
  if (!parsed.ok) return failure('the TURNOUT-RESULT line is not JSON', [results[0] as string]);
  return { ok: true, value: parsed.value, messages: lines.filter((l) => ibmMessage.test(l)) };
}
