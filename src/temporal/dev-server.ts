/**
 * The embedded Temporal dev server: `temporal server start-dev` with SQLite persistence, the Web UI
 * and turnout's search attributes, bound to loopback only.
 *
 * The server runs in its own process group so that Ctrl-C in a terminal reaches turnout first
 * (which stops its worker before the server) and so that stopping it never leaves a process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { rolloutSearchAttributeNames } from '../../workflows/search-attributes';
import { ensureTemporalBinary, type LineLog } from './temporal-binary';

/** Loopback only: the dev server has no authentication. */
export const devServerHost = '127.0.0.1';

/** Defaults of `turnout dev`, matching the Temporal CLI's own. */
export const devServerDefaults = {
  port: 7233,
  uiPortOffset: 1000,
  namespace: 'default',
  readyTimeoutMs: 120_000,
  stopGraceMs: 10_000,
} as const;

/** Options for {@link startDevServer}. */
export interface DevServerOptions {
  /** The `temporal` binary; found (or built) with `ensureTemporalBinary` when absent. */
  binary?: string;
  /** gRPC port (7233). */
  port?: number;
  /** Web UI port (gRPC port + 1000). */
  uiPort?: number;
  /** SQLite file, such as `.turnout/temporal.db`. Without it, workflows are lost when the server stops. */
  dbFile?: string;
  /** Namespace to create besides `default`. */
  namespace?: string;
  /** No Web UI. */
  headless?: boolean;
  /** Receives the server's own output, line by line, and progress messages. */
  log?: LineLog;
  /** How long to wait for the server to answer before giving up. */
  readyTimeoutMs?: number;
}

/** A running dev server. */
export interface DevServer {
  /** gRPC address, `127.0.0.1:<port>`. */
  address: string;
  /** Web UI, `http://localhost:<uiPort>`, or undefined when headless. */
  uiUrl: string | undefined;
  namespace: string;
  /** Process id of the server (also its process group id). */
  pid: number;
  /** How long the server took to answer, in milliseconds. */
  readyMs: number;
  /** Stops the server: SIGTERM to its process group, SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** Lines of server output kept to explain a failed start. */
const outputTailLines = 40;
const pollMs = 100;

/** Starts `temporal server start-dev` and resolves once gRPC, the namespace, the search attributes and the UI all answer. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const log = opts.log ?? (() => undefined);
  const port = opts.port ?? devServerDefaults.port;
  const uiPort = opts.uiPort ?? port + devServerDefaults.uiPortOffset;
  const namespace = opts.namespace ?? devServerDefaults.namespace;
  const binary = opts.binary ?? (await ensureTemporalBinary({ log })).path;
  await assertPortFree(port, 'gRPC');
  if (!opts.headless) await assertPortFree(uiPort, 'Web UI');
  if (opts.dbFile) mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });

  const started = Date.now();
  const proc = spawnServer(binary, serverArgs({ ...opts, port, uiPort, namespace }));
  const tail = captureOutput(proc, log);
  const stop = stopper(proc);
  try {
    await waitUntilReady({ proc, port, uiPort: opts.headless ? undefined : uiPort, namespace, deadline: started + (opts.readyTimeoutMs ?? devServerDefaults.readyTimeoutMs) });
  } catch (err) {
    await stop();
    const output = tail.lines().join('\n');
    throw new Error(`${err instanceof Error ? err.message : String(err)}${output ? `\nserver output:\n${output}` : ''}`, { cause: err });
  }
  const readyMs = Date.now() - started;
  log(`Temporal dev server ready on ${devServerHost}:${port} in ${(readyMs / 1000).toFixed(1)} s`);
  return {
    address: `${devServerHost}:${port}`,
    uiUrl: opts.headless ? undefined : `http://localhost:${uiPort}`,
    namespace,
    pid: proc.pid ?? -1,
    readyMs,
    stop,
  };
}

/** The command line of `temporal server start-dev` for these options (exported for tests). */
export function serverArgs(opts: DevServerOptions & { port: number; uiPort: number; namespace: string }): string[] {
  const args = ['server', 'start-dev', '--ip', devServerHost, '--port', String(opts.port), '--log-level', 'warn', '--color', 'never'];
  if (opts.headless) args.push('--headless');
  else args.push('--ui-ip', devServerHost, '--ui-port', String(opts.uiPort));
  if (opts.dbFile) args.push('--db-filename', path.resolve(opts.dbFile));
  if (opts.namespace !== devServerDefaults.namespace) args.push('--namespace', opts.namespace);
  for (const name of Object.values(rolloutSearchAttributeNames)) args.push('--search-attribute', `${name}=Keyword`);
  return args;
}

function spawnServer(binary: string, args: string[]): ChildProcess {
  // The CLI's environment config (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE...) is meant for turnout's
  // own client; the server must not pick it up.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_')));
  return spawn(binary, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
}

function captureOutput(proc: ChildProcess, log: LineLog): { lines(): string[] } {
  const kept: string[] = [];
  const onLine = (line: string): void => {
    if (!line.trim()) return;
    kept.push(line);
    if (kept.length > outputTailLines) kept.shift();
    log(line);
  };
  for (const stream of [proc.stdout, proc.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      parts.forEach(onLine);
    });
  }
  return { lines: () => [...kept] };
}

function hasExited(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

/** Signals the server's whole process group; a group that is already gone is fine. */
function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function stopper(proc: ChildProcess): () => Promise<void> {
  // If turnout itself exits without stopping the server (an uncaught error), take it down anyway.
  const onExit = (): void => signalGroup(proc, 'SIGKILL');
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      const exited = new Promise<void>((resolve) => (hasExited(proc) ? resolve() : proc.once('exit', () => resolve())));
      signalGroup(proc, 'SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), delay(devServerDefaults.stopGraceMs).then(() => false)]);
      if (!graceful) signalGroup(proc, 'SIGKILL');
      await exited;
      // Anything the server started in its group goes too.
      signalGroup(proc, 'SIGKILL');
      process.removeListener('exit', onExit);
    })();
    return stopping;
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Fails early and clearly when another server (often an earlier `turnout dev`) holds the port. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: devServerHost, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
  if (!free) throw new Error(`${what} port ${port} on ${devServerHost} is already in use (is another \`turnout dev\` or Temporal server running?)`);
}

interface ReadyCheck {
  proc: ChildProcess;
  port: number;
  uiPort: number | undefined;
  namespace: string;
  deadline: number;
}

async function waitUntilReady(check: ReadyCheck): Promise<void> {
  // TCP first: a gRPC channel that fails to connect backs off for seconds, a socket probe does not.
  await poll(check, () => isListening(check.port), `gRPC port ${check.port}`);
  const connection = await poll(check, () => Connection.connect({ address: `${devServerHost}:${check.port}`, connectTimeout: 2_000 }), 'gRPC');
  try {
    await poll(check, () => searchAttributesRegistered(connection, check.namespace), `namespace ${check.namespace} and search attributes`);
  } finally {
    await connection.close();
  }
  const uiPort = check.uiPort;
  if (uiPort !== undefined) await poll(check, () => uiAnswers(uiPort), `Web UI on port ${uiPort}`);
}

/** Retries `attempt` until it yields a truthy value, the server exits, or the deadline passes. */
async function poll<T>(check: ReadyCheck, attempt: () => Promise<T>, what: string): Promise<NonNullable<T>> {
  let lastError: unknown;
  for (;;) {
    if (hasExited(check.proc)) throw new Error(`the Temporal dev server exited (code ${check.proc.exitCode ?? check.proc.signalCode}) before ${what} answered`);
    try {
      const result = await attempt();
      if (result) return result;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > check.deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`the Temporal dev server did not answer (${what}) in time${reason}`);
    }
    await delay(pollMs);
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: devServerHost, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
  });
}

async function searchAttributesRegistered(connection: Connection, namespace: string): Promise<boolean> {
  const response = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = response.customAttributes ?? {};
  return Object.values(rolloutSearchAttributeNames).every((name) => name in custom);
}

async function uiAnswers(uiPort: number): Promise<boolean> {
  const response = await fetch(`http://${devServerHost}:${uiPort}/`, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.ok;
}
