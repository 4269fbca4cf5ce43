/**
 * `turnout stack up|down|status`: the production topology on this machine, from real parts
 * (src/stack/stack.ts): PostgreSQL, the Temporal server with the JWT authorizer, the UI server and
 * two `turnout worker` processes. `up` runs until Ctrl-C, or in the background with `--detach`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { isAlive, sleep, waitForExit, writeFileAtomic } from '../../lab/process-utils';
import { packageRoot } from '../../paths';
import { tokenRoles } from '../../stack/jwt';
import { startStack, type Stack } from '../../stack/stack';
import { watchForShutdown } from '../../temporal/shutdown';
import { CliError, ExitCode } from '../exit-codes';

/** Where the stack keeps its state by default, relative to the working directory. */
export const defaultStackDir = path.join('.turnout', 'stack');
const stateFileName = 'stack.json';

/** What `stack up` records for `stack down` and `stack status`. */
export interface StackState {
  pid: number;
  startedAt: string;
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string | undefined;
  tokenFiles: Record<string, string>;
}

interface UpOptions {
  dir: string;
  port: number;
  uiPort: number;
  workers: number;
  ui: boolean;
  detach?: boolean;
}

function intOption(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${flag}: expected a whole number from ${min} to ${max}, got "${value}"`, ExitCode.invalidInput);
    return n;
  };
}

function readState(dir: string): StackState | undefined {
  const file = path.join(dir, stateFileName);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as StackState;
  return isAlive(state.pid) ? state : undefined;
}

function banner(state: StackState): string {
  return [
    `turnout stack is running (pid ${state.pid})`,
    `  Temporal gRPC     ${state.address}  (namespace ${state.namespace}; JWT required)`,
    `  Temporal Web UI   ${state.uiUrl ?? '(none)'}  (read-only)`,
    `  Task queue        ${state.taskQueue}`,
    `  Tokens            ${Object.entries(state.tokenFiles).map(([role, f]) => `${role}: ${f}`).join('\n                    ')}`,
    'Use it from a shell with:',
    `  export TEMPORAL_ADDRESS=${state.address} TEMPORAL_NAMESPACE=${state.namespace} TEMPORAL_TLS=false TURNOUT_API_KEY_FILE=${state.tokenFiles[tokenRoles.writer]}`,
  ].join('\n');
}

async function up(opts: UpOptions): Promise<void> {
  const dir = path.resolve(opts.dir);
  const running = readState(dir);
  if (running) throw new CliError(`a stack already runs from ${dir} (pid ${running.pid}); stop it with \`turnout stack down\``, ExitCode.conflict);
  if (opts.detach) return detach(opts, dir);
  let stack: Stack | undefined;
  const watch = watchForShutdown(() => process.exit(ExitCode.failure));
  try {
    stack = await startStack({ dir, frontendPort: opts.port, uiPort: opts.uiPort, workers: opts.workers, ui: opts.ui, log: (line) => process.stderr.write(`${line}\n`) });
    const state: StackState = { pid: process.pid, startedAt: new Date().toISOString(), address: stack.address, namespace: stack.namespace, taskQueue: stack.taskQueue, uiUrl: stack.uiUrl, tokenFiles: stack.tokenFiles };
    writeFileAtomic(path.join(dir, stateFileName), `${JSON.stringify(state, null, 2)}\n`);
    process.stdout.write(`${banner(state)}\nStarted in ${(stack.timings.totalMs / 1000).toFixed(1)} s. Press Ctrl-C to stop.\n`);
    await watch.signalled;
    process.stderr.write('Stopping: workers, UI, Temporal server, PostgreSQL...\n');
  } catch (err) {
    throw new CliError(`turnout stack: ${err instanceof Error ? err.message : String(err)}`, ExitCode.failure);
  } finally {
    watch.dispose();
    await stack?.stop();
    rmSync(path.join(dir, stateFileName), { force: true });
  }
}

/** Starts `stack up` in the background and returns once it has written its state. */
async function detach(opts: UpOptions, dir: string): Promise<void> {
  const log = path.join(dir, 'stack.log');
  mkdirSync(dir, { recursive: true });
  const fd = openSync(log, 'a');
  const args = [path.join(packageRoot(), 'bin', 'turnout.js'), 'stack', 'up', '--dir', dir, '--port', String(opts.port), '--ui-port', String(opts.uiPort), '--workers', String(opts.workers), ...(opts.ui ? [] : ['--no-ui'])];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: process.env });
  child.unref();
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const state = readState(dir);
    if (state && state.pid === child.pid) {
      process.stdout.write(`${banner(state)}\nLog: ${log}. Stop it with \`turnout stack down --dir ${opts.dir}\`.\n`);
      return;
    }
    if (!child.pid || !isAlive(child.pid) || Date.now() > deadline) throw new CliError(`turnout stack: the stack did not start; see ${log}:\n${readFileSync(log, 'utf8').trim().split('\n').slice(-8).join('\n')}`, ExitCode.failure);
    await sleep(250);
  }
}

async function down(opts: { dir: string }): Promise<void> {
  const dir = path.resolve(opts.dir);
  const state = readState(dir);
  if (!state) {
    process.stdout.write(`no stack runs from ${dir}\n`);
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  await waitForExit(state.pid, 60_000);
  process.stdout.write(`stopped the stack (pid ${state.pid}); its data stays in ${dir}\n`);
}

function status(opts: { dir: string }): void {
  const state = readState(path.resolve(opts.dir));
  process.stdout.write(state ? `${banner(state)}\n` : `no stack runs from ${path.resolve(opts.dir)}\n`);
  if (!state) process.exitCode = ExitCode.conflict;
}

/** Registers `turnout stack`. */
export function register(program: Command): void {
  const stack = program.command('stack').description('The production topology on this machine: PostgreSQL, the Temporal server with JWT authorization, its UI and two workers.');
  stack
    .command('up')
    .description('Start the stack (builds the Temporal server and UI server with Go the first time).')
    .option('--dir <path>', 'state folder (PostgreSQL data, signing key, tokens, logs)', defaultStackDir)
    .option('--port <port>', 'the Temporal frontend gRPC port', intOption('--port', 1, 65535), 7233)
    .option('--ui-port <port>', 'the Temporal UI port', intOption('--ui-port', 1, 65535), 8233)
    .option('--workers <n>', 'turnout worker processes', intOption('--workers', 0, 8), 2)
    .option('--no-ui', 'no Temporal UI server')
    .option('--detach', 'run in the background; `turnout stack down` stops it')
    .action((opts: UpOptions) => up(opts));
  stack
    .command('down')
    .description('Stop the stack started with `stack up --detach` (its data stays).')
    .option('--dir <path>', 'state folder', defaultStackDir)
    .action((opts: { dir: string }) => down(opts));
  stack
    .command('status')
    .description('Say whether the stack runs, with its addresses and token files.')
    .option('--dir <path>', 'state folder', defaultStackDir)
    .action((opts: { dir: string }) => status(opts));
}
