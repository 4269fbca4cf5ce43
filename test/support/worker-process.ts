/**
 * A real `turnout worker` process against the shared test dev server, for tests that kill it with
 * SIGKILL mid-rollout and start another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { testTemporal } from './temporal';

const root = path.resolve(__dirname, '..', '..');

/** A worker process and everything it printed. */
export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
}

/** Far beyond a worker's start on a loaded machine: reaching it means the worker is stuck, and says so. */
const startLimitMs = 90_000;

/** Starts `turnout worker` on `taskQueue` in `cwd`; resolves once it says it has started. */
export function startWorkerProcess(taskQueue: string, cwd: string): Promise<WorkerProcess> {
  const { address, namespace, bundlePath } = testTemporal();
  const child = spawn(process.execPath, [path.join(root, 'bin', 'turnout.js'), 'worker'], {
    cwd,
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TURNOUT_TASK_QUEUE: taskQueue, TURNOUT_ESTATES: path.join(root, 'estates'), TURNOUT_WORKFLOW_BUNDLE: bundlePath, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const check = setInterval(() => {
      if (out.includes('turnout worker started')) {
        clearInterval(check);
        resolve({ child, output: () => out });
      } else if (Date.now() - startedAt > startLimitMs) {
        clearInterval(check);
        child.kill('SIGKILL');
        reject(new Error(`worker on ${taskQueue} did not start in ${startLimitMs / 1000} s:\n${out}`));
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`worker exited with ${code} before starting:\n${out}`));
    });
  });
}

/** Kills the worker with SIGKILL; resolves once it has exited. */
export function kill9(worker: WorkerProcess): Promise<void> {
  return new Promise((resolve) => {
    worker.child.once('exit', () => resolve());
    worker.child.kill('SIGKILL');
  });
}
