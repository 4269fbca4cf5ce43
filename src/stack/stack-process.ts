/**
 * A long-running process of the stack (the Temporal server, the UI server): its own process group,
 * its output appended to a log file, and a kill that can be a crash (SIGKILL) or a clean stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { isAlive, waitForExit } from '../lab/process-utils';

/** A process that can be killed and started again with the same command line. */
export interface StackProcess {
  name: string;
  pid(): number | undefined;
  /** Starts the process (again); resolves once it is spawned, not once it answers. */
  start(): void;
  /** SIGKILL to its process group, as a crash would; resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of its log, to explain a failed start. */
  tail(lines?: number): string;
}

/** Describes a process; nothing runs until `start`. */
export function stackProcess(opts: { name: string; command: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string; logFile: string }): StackProcess {
  let child: ChildProcess | undefined;
  const signal = (sig: NodeJS.Signals): void => {
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // Gone already.
    }
  };
  const gone = async (graceMs: number): Promise<void> => {
    if (child?.pid) await waitForExit(child.pid, graceMs);
  };
  return {
    name: opts.name,
    pid: () => (child?.pid && isAlive(child.pid) ? child.pid : undefined),
    start() {
      const fd = openSync(opts.logFile, 'a');
      try {
        child = spawn(opts.command, opts.args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', fd, fd] });
        child.unref();
      } finally {
        closeSync(fd);
      }
    },
    async kill() {
      signal('SIGKILL');
      await gone(5_000);
    },
    async stop(graceMs = 10_000) {
      signal('SIGTERM');
      // Past the grace period the process itself is SIGKILLed; anything it left in its group goes too.
      await gone(graceMs);
      signal('SIGKILL');
    },
    tail(lines = 20) {
      try {
        return readFileSync(opts.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
}
