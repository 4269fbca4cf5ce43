/**
 * Runs one generated Jython script through the configured wsadmin.sh command line and returns the
 * script's JSON result (see `parse-output.ts`).
 *
 * The script goes to a private temp file (0600, in a 0700 folder) that is deleted afterwards. The
 * admin password comes only from the named environment variable and is passed as `-password`;
 * every command line turnout shows or logs has it replaced by `***`, and it is scrubbed from error
 * text. wsadmin itself offers no other way to take it than the command line or soap.client.props,
 * so on a shared host it is visible to `ps` while wsadmin runs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseWsadminOutput } from './parse-output';

/** How to run wsadmin. */
export interface WsadminRunOptions {
  /** The environment wsadmin runs in and the password variable is read from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** The environment variable holding the admin password (the estate's `appServer.passwordEnv`). */
  passwordEnv?: string;
  /** Kill wsadmin after this long; 15 minutes by default (a cluster start waits up to 10). */
  timeoutMs?: number;
  /** Where to log the (redacted) command line before running it. */
  logger?: { debug(obj: object, msg: string): void };
}

/** A successful run. */
export interface WsadminResult {
  /** The parsed JSON of the script's TURNOUT-RESULT line. */
  value: unknown;
  /** The command line that ran, password replaced by `***`. */
  commandLine: string;
  /** wsadmin's informational and warning lines. */
  messages: string[];
}

/** A failed run: wsadmin's own error, the script's refusal, a non-zero exit, or no result. */
export class WsadminError extends Error {
  constructor(
    message: string,
    /** The command line that ran, password replaced by `***`. */
    readonly commandLine: string,
    /** The lines that bear on the failure (password scrubbed). */
    readonly lines: readonly string[],
    /** The first IBM error code, such as `WASX7017E`, when wsadmin printed one. */
    readonly code?: string,
    /** wsadmin's exit code, when it exited. */
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = 'WsadminError';
  }
}

const defaultTimeoutMs = 15 * 60_000;
const masked = '***';

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line as text for logs and errors: the value after every `-password` is `***`. */
export function redactedCommandLine(argv: readonly string[]): string {
  return argv.map((arg, i) => (i > 0 && argv[i - 1] === '-password' ? masked : quote(arg))).join(' ');
}

function scrubber(secret: string | undefined): (text: string) => string {
  return secret ? (text) => text.split(secret).join(masked) : (text) => text;
}

function readPassword(env: NodeJS.ProcessEnv, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = env[name];
  if (!value) throw new WsadminError(`the wsadmin password variable ${name} is not set`, '', []);
  return value;
}

interface Exit {
  stdout: string;
  stderr: string;
  code: number;
  failure?: string;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr, code: 0 });
      const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
      if (typeof e.code === 'string') return resolve({ stdout, stderr, code: -1, failure: `cannot run ${file}: ${e.code}` });
      if (e.killed || (e.code === null && e.signal)) return resolve({ stdout, stderr, code: -1, failure: e.killed ? `wsadmin gave no answer within ${timeoutMs} ms and was stopped` : `wsadmin ended on ${e.signal}` });
      resolve({ stdout, stderr, code: typeof e.code === 'number' ? e.code : 1 });
    });
  });
}

/**
 * Runs `script` with `command -lang jython -f <temp file>` (no shell) and returns its result.
 * Throws {@link WsadminError} when wsadmin or the script failed; the message starts with the first
 * error code and its text and ends with the redacted command line.
 */
export async function runWsadmin(command: readonly string[], script: string, opts: WsadminRunOptions = {}): Promise<WsadminResult> {
  const [file, ...base] = command;
  if (file === undefined) throw new WsadminError('the wsadmin command line is empty', '', []);
  const env = { ...(opts.env ?? process.env) };
  const password = readPassword(env, opts.passwordEnv);
  // wsadmin gets the password as an argument; it does not need the variable too.
  if (opts.passwordEnv !== undefined) delete env[opts.passwordEnv];
  const scrub = scrubber(password);
  const dir = await mkdtemp(path.join(tmpdir(), 'turnout-wsadmin-'));
  try {
    const scriptFile = path.join(dir, 'script.py');
    await writeFile(scriptFile, script, { mode: 0o600, flag: 'wx' });
    const args = [...base, ...(password === undefined ? [] : ['-password', password]), '-lang', 'jython', '-f', scriptFile];
    const commandLine = redactedCommandLine([file, ...args]);
    opts.logger?.debug({ commandLine }, 'running wsadmin');
    const exit = await exec(file, args, env, opts.timeoutMs ?? defaultTimeoutMs);
    if (exit.failure) throw new WsadminError(`${exit.failure}\ncommand: ${commandLine}`, commandLine, [], undefined, exit.code);
    const outcome = parseWsadminOutput(scrub(exit.stdout), scrub(exit.stderr), exit.code);
    if (!outcome.ok) throw new WsadminError(`${outcome.error}\ncommand: ${commandLine}`, commandLine, outcome.lines, outcome.code, exit.code);
    return { value: outcome.value, commandLine, messages: outcome.messages };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
