/**
 * Runs one asadmin subcommand (GlassFish / Payara Server's admin CLI) against a domain admin server.
 *
 * The admin password comes only from an environment variable or a file named by the estate; it
 * reaches asadmin through a private password file (0600, in a 0700 temp folder, deleted after the
 * run), never on the command line, so `ps`, logs and errors never show it. Each call starts a client
 * JVM (0.5–2 s): callers that poll use the REST client beside this file instead.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Where the domain admin server is and who asks it. */
export interface AsadminTarget {
  /** The asadmin command line, such as `['/opt/payara6/bin/asadmin']`. */
  command: readonly string[];
  host: string;
  /** The DAS admin port (4848 by default in Payara). */
  port: number;
  user: string;
  /** The environment variable holding the admin password; absent means the empty password. */
  passwordEnv?: string;
  /** A file holding the admin password (its first line); read at each call. */
  passwordFile?: string;
}

/** How one call runs. */
export interface AsadminRunOptions {
  env?: NodeJS.ProcessEnv;
  /** Kill asadmin after this long; 10 minutes by default (a deployment-group start waits for every instance). */
  timeoutMs?: number;
}

/** A failed asadmin call: its own message, and its exit code when it exited. */
export class AsadminError extends Error {
  constructor(
    message: string,
    /** The subcommand and its arguments, as run (no secret is ever among them). */
    readonly args: readonly string[],
    readonly output: string,
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = 'AsadminError';
  }
}

const defaultTimeoutMs = 10 * 60_000;

/** The admin password of `target` (from its file or variable; empty when neither is named). Never log it. */
export async function passwordOf(target: Pick<AsadminTarget, 'passwordEnv' | 'passwordFile'>, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (target.passwordFile) return (await readFile(target.passwordFile, 'utf8')).split('\n')[0] ?? '';
  if (!target.passwordEnv) return '';
  const value = env[target.passwordEnv];
  if (value === undefined) throw new AsadminError(`the asadmin password variable ${target.passwordEnv} is not set`, [], '');
  return value;
}

function scrub(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}

/**
 * The environment an asadmin client runs in: its JVM lives for a second or two, so the C1 compiler
 * alone and the serial collector (`AS_EXTRA_JAVA_OPTS`, which the asadmin script passes to java)
 * halve its CPU (1.6 s to 0.9 s measured on 2 cores). The caller's own options come after, and win.
 */
export function asadminClientEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, AS_EXTRA_JAVA_OPTS: ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', env.AS_EXTRA_JAVA_OPTS].filter(Boolean).join(' ') };
}

/**
 * Runs `asadmin --terse <args>` and returns its standard output, trimmed. Throws {@link AsadminError}
 * on a non-zero exit or a timeout, with asadmin's own message (password scrubbed).
 */
export async function runAsadmin(target: AsadminTarget, args: readonly string[], opts: AsadminRunOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const password = await passwordOf(target, env);
  const dir = await mkdtemp(path.join(tmpdir(), 'turnout-asadmin-'));
  const file = path.join(dir, 'password');
  try {
    await writeFile(file, `AS_ADMIN_PASSWORD=${password}\n`, { mode: 0o600 });
    const [bin, ...pre] = target.command;
    if (!bin) throw new AsadminError('the asadmin command line is empty', args, '');
    const argv = [...pre, '--host', target.host, '--port', String(target.port), '--user', target.user, '--passwordfile', file, '--interactive=false', '--terse', ...args];
    return await new Promise<string>((resolve, reject) => {
      execFile(bin, argv, { env: asadminClientEnv(env), timeout: opts.timeoutMs ?? defaultTimeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const output = scrub(`${stdout}${stderr}`, password).trim();
        if (!err) return resolve(scrub(stdout, password).trim());
        const code = typeof err.code === 'number' ? err.code : undefined;
        const why = err.killed ? `timed out after ${opts.timeoutMs ?? defaultTimeoutMs} ms` : output.split('\n').filter(Boolean).slice(-3).join(' ') || err.message;
        reject(new AsadminError(`asadmin ${args[0] ?? ''} failed: ${scrub(why, password)}`, args, output, code));
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
