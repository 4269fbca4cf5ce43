/**
 * `turnout dev`: everything on this machine. The embedded Temporal dev server (SQLite under
 * `.turnout/`, so workflows survive a restart), a worker in this process and, with `--lab`, the
 * lab estate. Ctrl-C stops the worker, then the lab, then the server, and leaves nothing running.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createActivities } from '../../../activities';
import { readEstatePath } from '../../estates/estate-files';
import { JsonInputError } from '../../input/read-json';
import { createLogger } from '../../logging';
import { formatProblems, type Estate } from '../../model';
import { packageRoot } from '../../paths';
import { LabAlreadyRunningError, LabPortConflictError, readLabInfo, recordLabInProcess, startLab, takenPorts, type LabHandle } from '../../lab/lab';
import { ensureHaproxy } from '../../lab/haproxy';
import { labPaths } from '../../lab/paths';
import { isAlive } from '../../lab/process-utils';
import { connectClient, connectWorker } from '../../temporal/connection';
import { assertPortFree, devServerDefaults, startDevServer, type DevServer } from '../../temporal/dev-server';
import { watchForShutdown } from '../../temporal/shutdown';
import { ensureTemporalBinary } from '../../temporal/temporal-binary';
import { createTurnoutWorker, installRuntimeLogging, runInBackground, shutdownRuntime, type RunningWorker } from '../../temporal/worker';
import { CliError, ExitCode } from '../exit-codes';
import { asCliError, loadCliConfig } from '../temporal-client';
import { removeDevState, writeDevState } from '../dev-state';
import { formatLabUrls } from '../lab-urls';
import type { Config } from '../../config';

/** Options of `turnout dev`, as commander parses them. */
export interface DevOptions {
  lab?: boolean;
  estate?: string;
  port: number;
  uiPort: number;
}


/** Where `turnout dev` keeps its state, relative to the working directory. */
export const devStateDir = '.turnout';
const defaultLabEstate = path.join('estates', 'lab.json');

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

function parsePort(flag: string): (value: string) => number {
  return (value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`${flag}: expected a port between 1 and 65535, got "${value}"`, ExitCode.invalidInput);
    return port;
  };
}


/** `--estate F`, else ./estates/lab.json, else the one shipped with turnout. */
function labEstateFile(option: string | undefined): string {
  if (option) return path.resolve(option);
  const local = path.resolve(defaultLabEstate);
  return existsSync(local) ? local : path.join(packageRoot(), defaultLabEstate);
}

async function readLabEstate(file: string): Promise<Estate> {
  try {
    const estate = await readEstatePath(file);
    if (!estate.ok) throw new CliError(`${file}: invalid estate\n${formatProblems(estate.problems).replace(/^/gm, '  ')}`, ExitCode.invalidInput);
    return estate.value;
  } catch (err) {
    if (err instanceof JsonInputError) throw new CliError(err.message, ExitCode.invalidInput);
    throw err;
  }
}

function printBanner(server: DevServer, taskQueue: string, dbFile: string, lab: LabHandle | undefined): void {
  say('turnout dev is running');
  say(`  Temporal Web UI    ${server.uiUrl ?? '(headless)'}`);
  say(`  Temporal gRPC      ${server.address}  (namespace ${server.namespace})`);
  say(`  Task queue         ${taskQueue}`);
  say(`  Workflow history   ${dbFile}`);
  if (lab) {
    say('  Lab');
    say(formatLabUrls(lab.urls, '    '));
  }
  say('Press Ctrl-C to stop.');
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * What can be checked in a second, before the Temporal CLI is looked for (or built: minutes on a
 * cold machine): the server's ports, the lab's ports (or a lab already running) and HAProxy. Every
 * problem is named at once; ports taken exit 3, a missing HAProxy 1.
 */
async function preflight(opts: DevOptions, estate: Estate | undefined): Promise<void> {
  const taken: string[] = [];
  const missing: string[] = [];
  for (const [port, what] of [[opts.port, 'gRPC'], [opts.uiPort, 'Web UI']] as const) await assertPortFree(port, what).catch((err: unknown) => taken.push(message(err)));
  if (estate) {
    const running = readLabInfo(estate);
    const lab = running && isAlive(running.pid) ? new LabAlreadyRunningError(running.pid, labPaths(estate).dir, running.owner) : undefined;
    const ports = lab ? [] : await takenPorts(estate);
    if (lab) taken.push(lab.message);
    else if (ports.length) taken.push(new LabPortConflictError(ports).message);
    if (estate.sprayer) {
      try {
        ensureHaproxy(note);
      } catch (err) {
        missing.push(message(err));
      }
    }
  }
  const problems = [...taken, ...missing];
  if (problems.length) throw new CliError(`turnout dev: nothing was started:\n${problems.map((p) => `  ${p}`).join('\n')}`, taken.length ? ExitCode.conflict : ExitCode.failure);
}

/** Runs `turnout dev` until SIGINT or SIGTERM. */
export async function runDev(opts: DevOptions): Promise<void> {
  const config = loadCliConfig();
  // Human lines go to stdout; the JSON log stays on stderr and quiet unless LOG_LEVEL asks for more.
  const estate = opts.lab ? await readLabEstate(labEstateFile(opts.estate)) : undefined;
  await preflight(opts, estate);
  const logger = createLogger({ logLevel: process.env.LOG_LEVEL ? config.logLevel : 'warn' }, process.stderr);
  const stateDir = path.resolve(devStateDir);
  const dbFile = path.join(stateDir, 'temporal.db');

  // Installed right before the try, whose finally shuts it down: a Runtime left up keeps node alive.
  installRuntimeLogging(logger);
  const cleanups: Array<() => Promise<void>> = [];
  const watch = watchForShutdown(() => {
    note('Stopping at once.');
    // The server's exit hook kills its process group; lab processes exit when their parent does.
    process.exit(ExitCode.failure);
  });
  try {
    const binary = await ensureTemporalBinary({ log: note });
    note(`Starting the Temporal dev server (${binary.path})...`);
    const server = await startDevServer({ binary: binary.path, port: opts.port, uiPort: opts.uiPort, dbFile, namespace: config.temporal.namespace, log: (line) => logger.debug({ component: 'temporal-server' }, line) });
    cleanups.push(() => server.stop());
    // The lab starts before the worker, so that (stopping in reverse) the worker stops before the lab.
    const lab = estate ? await startLabFor(estate, cleanups) : undefined;
    recordDevState(server, cleanups);
    const worker = await startWorker(server, config, cleanups);
    printBanner(server, config.taskQueue, path.relative(process.cwd(), dbFile) || dbFile, lab);
    await Promise.race([watch.signalled, worker.done]);
    note('Stopping: worker, lab, Temporal dev server...');
  } catch (err) {
    throw asCliError(err);
  } finally {
    await runCleanups(cleanups);
    watch.dispose();
    await shutdownRuntime();
  }
  note('Stopped.');
}

/**
 * Tells other \`turnout\` commands where this dev server's UI is (\`turnout start\` prints its link),
 * and the in-process worker too (notification links), unless TURNOUT_UI_URL says otherwise.
 */
function recordDevState(server: DevServer, cleanups: Array<() => Promise<void>>): void {
  const file = writeDevState({ pid: process.pid, address: server.address, namespace: server.namespace, ...(server.uiUrl ? { uiUrl: server.uiUrl } : {}), startedAt: new Date().toISOString(), cwd: process.cwd() });
  cleanups.push(async () => removeDevState(file));
  if (!process.env.TURNOUT_UI_URL && server.uiUrl) process.env.TURNOUT_UI_URL = server.uiUrl;
}

async function startWorker(server: DevServer, config: Pick<Config, 'taskQueue' | 'estatesDir' | 'blobsDir'>, cleanups: Array<() => Promise<void>>): Promise<RunningWorker> {
  const { taskQueue, estatesDir, blobsDir } = config;
  const connection = await connectWorker({ address: server.address, namespace: server.namespace });
  cleanups.push(() => connection.close());
  // The drain activity reports live session counts to its workflow through this client.
  const client = await connectClient({ address: server.address, namespace: server.namespace });
  cleanups.push(() => client.connection.close());
  const worker = await createTurnoutWorker({ connection, namespace: server.namespace, taskQueue, activities: createActivities({ estatesDir, blobsDir, client }) });
  const running = runInBackground(worker);
  cleanups.push(() => running.stop());
  return running;
}

async function startLabFor(estate: Estate, cleanups: Array<() => Promise<void>>): Promise<LabHandle> {
  note('Starting the lab...');
  // Relative paths in estates (the lab dir, HAProxy's socket) resolve against the working directory,
  // as they do for the worker's activities and `turnout lab`.
  const lab = await startLab(estate, { log: note });
  cleanups.push(() => lab.stop());
  // Recorded as \`lab up\` records its own, so \`turnout lab status\` in another terminal sees this lab.
  const forget = recordLabInProcess(lab, 'turnout dev');
  cleanups.push(async () => forget());
  return lab;
}

/** Stops everything started, newest first, and keeps going past a part that fails to stop. */
async function runCleanups(cleanups: Array<() => Promise<void>>): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((err: unknown) => note(`while stopping: ${err instanceof Error ? err.message : String(err)}`));
  }
}

/** Registers `turnout dev`. */
export function register(program: Command): void {
  program
    .command('dev')
    .description('Start the embedded Temporal dev server (Web UI on http://localhost:8233 unless --ui-port, history kept in .turnout/), a worker and, with --lab, the lab estate.')
    .option('--lab', 'also start the lab estate')
    .option('--estate <file>', `estate file for the lab (default ${defaultLabEstate})`)
    .option('--port <port>', 'Temporal gRPC port', parsePort('--port'), devServerDefaults.port)
    .option('--ui-port <port>', 'Temporal Web UI port', parsePort('--ui-port'), devServerDefaults.port + devServerDefaults.uiPortOffset)
    .action((opts: DevOptions) => runDev(opts));
}
