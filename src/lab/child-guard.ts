/**
 * Runs a program that cannot watch its parent (HAProxy) so that it still never outlives the lab.
 *
 * `node dist/src/lab/child-guard.js --parent-pid N -- program args...`
 *
 * SIGTERM, SIGINT and SIGUSR2 (HAProxy's reload signal in master-worker mode) are passed on to the
 * program; when the program exits the guard exits with its code; when the parent dies the guard
 * stops the program and exits.
 */
import { spawn } from 'node:child_process';
import { exitWhenParentDies, waitForExit } from './process-utils';

function main(): void {
  const argv = process.argv.slice(2);
  const split = argv.indexOf('--');
  const options = split < 0 ? [] : argv.slice(0, split);
  const [program, ...args] = split < 0 ? argv : argv.slice(split + 1);
  if (!program) {
    process.stderr.write('usage: child-guard --parent-pid N -- program args...\n');
    process.exit(2);
  }
  const child = spawn(program, args, { stdio: 'inherit' });
  child.on('error', (err) => {
    process.stderr.write(`child-guard: ${program}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGUSR2'] as const) process.on(signal, () => child.kill(signal));
  const parentIndex = options.indexOf('--parent-pid');
  const parentPid = parentIndex >= 0 ? Number(options[parentIndex + 1]) : undefined;
  if (parentPid) {
    exitWhenParentDies(parentPid, async () => {
      if (!child.pid) return;
      child.kill('SIGTERM');
      await waitForExit(child.pid, 3000);
    });
  }
}

if (require.main === module) main();
