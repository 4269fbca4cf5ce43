/**
 * Small process, file and socket helpers shared by the lab's processes and its supervisor.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { dirname } from 'node:path';

/**
 * Writes a file through a temp file and a rename, so readers never see half of it. `mode` (such as
 * 0o600 for a secret) applies from the temp file's creation on, so the content is never readable wider.
 */
export function writeFileAtomic(path: string, content: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true, ...(mode === undefined ? {} : { mode: 0o700 }) });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, content, mode === undefined ? undefined : { mode });
  renameSync(temp, path);
}

/**
 * The state letter and start time (clock ticks since boot) of a process, from /proc: `gone` when
 * /proc has no such process, `unknown` where /proc cannot be read at all.
 */
function procStat(pid: number): { state: string; startTime: string } | 'gone' | 'unknown' {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/stat') ? 'gone' : 'unknown';
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it start past the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

/**
 * Whether a process with this pid exists and has not exited. A zombie counts as exited: an
 * orphaned lab process (an app server whose dmgr was killed) is reparented to init, and an init
 * that does not reap (as in some VMs and containers) leaves it a zombie forever, holding no port.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (stat === 'unknown') return true;
  if (stat === 'gone') return false;
  if (stat.state !== 'Z' && stat.state !== 'X') return true;
  // A multi-threaded process (node) shows its main thread as a zombie while the other threads
  // still exit, and its sockets stay open until the last one has: it has exited only then.
  try {
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

/**
 * When the process started (clock ticks since boot, from /proc), or undefined where it cannot be
 * read. With the pid it names one process, even after the pid is reused.
 */
export function processStartTime(pid: number): string | undefined {
  const stat = procStat(pid);
  return typeof stat === 'string' ? undefined : stat.startTime;
}

/** Whether `pid` is still the process that had `startTime` (undefined: any process with that pid). */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  return isAlive(pid) && (startTime === undefined || processStartTime(pid) === startTime);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Exits this process when `parentPid` goes away, so a crashed supervisor never leaves lab
 * processes behind. `onOrphaned` runs first (to stop grandchildren) and may be async.
 */
export function exitWhenParentDies(parentPid: number, onOrphaned: () => Promise<void> | void = () => undefined): void {
  watchProcess(() => isAlive(parentPid) && process.ppid === parentPid, onOrphaned);
}

/**
 * Exits this process when the process `pid` (not necessarily its parent) goes away. App servers
 * guard on the lab this way rather than on the dmgr that started them: like WebSphere's servers
 * under their node agents, they outlive a deployment manager that dies. The pid is pinned to the
 * process's start time, so a reused pid does not keep them alive.
 */
export function exitWhenProcessDies(pid: number, onGone: () => Promise<void> | void = () => undefined): void {
  const startTime = processStartTime(pid);
  watchProcess(() => isSameProcess(pid, startTime), onGone);
}

function watchProcess(stillThere: () => boolean, onGone: () => Promise<void> | void): void {
  const timer = setInterval(() => {
    if (stillThere()) return;
    clearInterval(timer);
    void Promise.resolve()
      .then(onGone)
      .finally(() => process.exit(0));
  }, 500);
  timer.unref();
}

/** Polls `check` until it returns true or `timeoutMs` passes; throws `message` on timeout. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, message: string, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(message);
    await sleep(intervalMs);
  }
}

/** Waits until `pid` has exited; SIGKILLs it after `graceMs`. */
export async function waitForExit(pid: number, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(25);
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  while (isAlive(pid)) await sleep(25);
}

/** Whether something accepts TCP connections on host:port. */
export function isListening(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether this process could bind host:port right now. */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

// The lab and the drivers talk JSON over HTTP the same way; the drivers own the one client.
export { requestJson, type JsonResponse } from '../drivers/http-json';

/** Reads a request body as text (lab bodies are small). */
export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Answers with a JSON body. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Parses `--key value` pairs of a lab child's command line. */
export function parseArgs(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key?.startsWith('--') && value !== undefined) {
      out[key.slice(2)] = value;
      i++;
    }
  }
  return out;
}

/** Returns the named argument or exits with a usage message. */
export function requireArg(args: Record<string, string>, key: string): string {
  const value = args[key];
  if (value === undefined) {
    process.stderr.write(`missing --${key}\n`);
    process.exit(2);
  }
  return value;
}

/**
 * Runs a lab process's entry point. A failure is one line on stderr and exit code 1: these
 * processes are read by people in log files, not by debuggers.
 */
export function runLabMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

/** Stops a lab process on SIGTERM or SIGINT: closes its HTTP servers, runs `cleanup`, and exits. */
export function stopOnSignals(servers: readonly http.Server[], cleanup: () => Promise<void> | void = () => undefined): void {
  const stop = async () => {
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
    await cleanup();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

/**
 * Stops a lab process on SIGTERM or SIGINT, and when its parent dies: closes its HTTP servers,
 * runs `cleanup`, and exits.
 */
export function stopOnSignalsAndOrphaning(servers: readonly http.Server[], parentPid: string | undefined, cleanup: () => Promise<void> | void = () => undefined): void {
  stopOnSignals(servers, cleanup);
  if (parentPid) exitWhenParentDies(Number(parentPid), cleanup);
}

/** Starts `server` listening on host:port; rejects if the port cannot be taken. */
export function listenOn(server: http.Server, host: string, port: number): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
