/**
 * Building Go binaries with `go install module@version`, one build at a time per target folder.
 * The Temporal CLI (temporal-binary.ts) and the production stack's server, SQL tool and UI server
 * (src/stack/stack-binaries.ts) are all built this way.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';

/** Receives progress lines meant for a person. */
export type LineLog = (line: string) => void;

/** How long a second caller waits for another build to finish before giving up. */
const lockWaitMs = 30 * 60_000;
const lockPollMs = 1_000;
const progressEveryMs = 15_000;

/** A lock whose owner process is gone (killed mid-build) must not block every later caller. */
function lockIsStale(lockFile: string): boolean {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs `fn` holding `lockFile` (created exclusively, holding this pid). A second caller waits for the
 * first to finish, so that two processes never build into the same folder at once.
 */
export async function withBuildLock<T>(lockFile: string, label: string, log: LineLog, fn: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + lockWaitMs;
  let announced = false;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockIsStale(lockFile)) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (!announced) log(`Another process is building ${label} (lock ${lockFile}); waiting for it.`);
    announced = true;
    if (Date.now() > deadline) throw new Error(`gave up waiting for the ${label} build lock ${lockFile}`);
    await new Promise((resolve) => setTimeout(resolve, lockPollMs));
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}

/** What {@link goInstall} builds, and where. */
export interface GoInstallOptions {
  go: string;
  /** `module/path/cmd@version`. */
  target: string;
  /** Where the binary goes (GOBIN). */
  gobin: string;
  /** The full `go install` output is appended here. */
  logFile: string;
  /** For progress lines: "the Temporal CLI v1.5.1". */
  label: string;
  env: NodeJS.ProcessEnv;
  log: LineLog;
  cwd?: string;
}

/** Runs `go install target` into `gobin`; resolves with the build's wall time in milliseconds. */
export async function goInstall(opts: GoInstallOptions): Promise<number> {
  await mkdir(opts.gobin, { recursive: true });
  opts.log(`Building ${opts.label} with Go into ${opts.gobin} (minutes when Go's caches are cold; output in ${opts.logFile}).`);
  const out = await open(opts.logFile, 'a');
  const started = Date.now();
  try {
    await out.write(`\n# ${new Date().toISOString()} go install ${opts.target}\n`);
    const child = spawn(opts.go, ['install', opts.target], { cwd: opts.cwd ?? opts.gobin, env: { ...opts.env, GOBIN: opts.gobin }, stdio: ['ignore', out.fd, out.fd] });
    const timer = setInterval(() => opts.log(`  still building ${opts.label} (${Math.round((Date.now() - started) / 1000)} s)...`), progressEveryMs);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    }).finally(() => clearInterval(timer));
    if (code !== 0) throw new Error(`go install ${opts.target} failed (exit ${code}); see ${opts.logFile}`);
    const ms = Date.now() - started;
    opts.log(`Built ${opts.label} in ${Math.round(ms / 1000)} s.`);
    return ms;
  } finally {
    await out.close();
  }
}
