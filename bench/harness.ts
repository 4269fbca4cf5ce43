/**
 * What every benchmark runs on: ONE Temporal dev server (SQLite in a temp folder, ports in
 * 15000-16999), the workflows bundled once, an in-process worker with the real activities, and
 * the multi-cell lab (real app servers, web tier, HAProxy) with shifted ports. `stop()` takes it
 * all down in reverse order, so no process is left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createActivities, type Activities } from '../activities';
import { driversFor, type Drivers } from '../src/drivers';
import { createHaproxySprayer } from '../src/drivers/sprayer/haproxy-sprayer';
import type { SprayerDriver } from '../src/drivers/sprayer/sprayer';
import { startLab } from '../src/lab/lab';
import { createLogger } from '../src/logging';
import type { Estate } from '../src/model';
import { devServerHost, startDevServer } from '../src/temporal/dev-server';
import { ensureTemporalBinary } from '../src/temporal/temporal-binary';
import { createTurnoutWorker, defaultWorkflowsPath, installRuntimeLogging, runInBackground, shutdownRuntime } from '../src/temporal/worker';
import { benchLabEstate, defaultBenchOffset } from './lab-estate';
import { packageRoot } from '../src/paths';

/** Where the bench's dev server may listen: clear of the lab offsets and of the ephemeral range. */
export const devServerPortRange = { from: 15000, to: 16999 } as const;

/** Options of {@link startBenchEnv}. */
export interface BenchEnvOptions {
  /** Lab session idle time: long keeps sessions alive for a whole bench, short lets drains end. */
  sessionIdleSeconds: number;
  /** The shipped estate the lab runs; lab-multi-cell.json by default. */
  labFile?: string;
  /** Lab port offset; TURNOUT_BENCH_LAB_OFFSET overrides the default. */
  labOffset?: number;
  /** Wraps the drivers the activities use (timing, for instance). */
  wrapDrivers?: (drivers: Drivers) => Drivers;
  /** Wraps the activity functions the worker registers. */
  wrapActivities?: (activities: Activities) => object;
  log: (line: string) => void;
}

/** A running bench environment. */
export interface BenchEnv {
  client: Client;
  taskQueue: string;
  estate: Estate;
  /** The lab's folder; the activities resolve paths against it. */
  labDir: string;
  /** The sprayer as the bench reads it back (its own connection to HAProxy's admin socket). */
  sprayer: SprayerDriver;
  /** Stops worker, connections, lab and dev server, in that order; `keepFiles` keeps the logs. Safe to call twice. */
  stop(keepFiles?: boolean): Promise<void>;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: devServerHost, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The first free port of the range from a random start, so parallel benches rarely race for one. */
export async function pickBenchPort(range = devServerPortRange): Promise<number> {
  const size = range.to - range.from + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = range.from + ((start + i) % size);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${range.from}-${range.to}`);
}

function labOffset(opts: BenchEnvOptions): number {
  const fromEnv = process.env.TURNOUT_BENCH_LAB_OFFSET;
  return fromEnv ? Number(fromEnv) : (opts.labOffset ?? defaultBenchOffset);
}

/** Runs cleanups last-in first-out, each once, reporting (not throwing) their failures. */
class Cleanups {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];

  constructor(private readonly log: (line: string) => void) {}

  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  async runAll(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (err) {
        this.log(`cleanup of ${step.what} failed: ${(err as Error).message}`);
      }
    }
  }
}

async function startTemporal(dir: string, cleanups: Cleanups, log: (line: string) => void): Promise<{ address: string; namespace: string }> {
  const binary = await ensureTemporalBinary({ log });
  const port = await pickBenchPort();
  // Headless: the UI would only be one more port to find.
  const server = await startDevServer({ binary: binary.path, port, headless: true, dbFile: path.join(dir, 'temporal.db') });
  cleanups.add('the dev server', () => server.stop());
  log(`dev server ${server.address} ready in ${(server.readyMs / 1000).toFixed(1)} s (pid ${server.pid})`);
  return { address: server.address, namespace: server.namespace };
}

async function startWorker(opts: BenchEnvOptions, env: { address: string; namespace: string; labDir: string; client: Client }, cleanups: Cleanups): Promise<string> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: defaultWorkflowsPath(), logger: new DefaultLogger('WARN') });
  opts.log(`workflows bundled in ${Date.now() - started} ms`);
  const connection = await NativeConnection.connect({ address: env.address });
  cleanups.add('the worker connection', () => connection.close());
  const wrap = opts.wrapDrivers ?? ((d: Drivers) => d);
  const activities = createActivities({
    estatesDir: path.join(packageRoot(), 'estates'),
    client: env.client,
    baseDir: env.labDir,
    drivers: (estate) => wrap(driversFor(estate, { baseDir: env.labDir })),
  });
  const taskQueue = `bench-${process.pid}-${Date.now()}`;
  const worker = await createTurnoutWorker({
    connection,
    namespace: env.namespace,
    taskQueue,
    activities: opts.wrapActivities ? opts.wrapActivities(activities) : activities,
    workflowBundle: { code },
    shutdownGraceTime: '2 seconds',
  });
  const running = runInBackground(worker);
  cleanups.add('the worker', () => running.stop());
  return taskQueue;
}

async function startBenchLab(opts: BenchEnvOptions, dir: string, cleanups: Cleanups): Promise<{ estate: Estate; labDir: string }> {
  const labDir = path.join(dir, 'lab');
  const estate = benchLabEstate({ offset: labOffset(opts), dir: labDir, sessionIdleSeconds: opts.sessionIdleSeconds, ...(opts.labFile ? { file: opts.labFile } : {}) });
  const started = Date.now();
  const lab = await startLab(estate, { baseDir: labDir });
  cleanups.add('the lab', () => lab.stop());
  opts.log(`lab up in ${Date.now() - started} ms (sprayer ${lab.urls.sprayer}, files in ${labDir})`);
  return { estate, labDir };
}

/** Starts the dev server, the lab and a worker; on any failure, stops what had started. */
export async function startBenchEnv(opts: BenchEnvOptions): Promise<BenchEnv> {
  const cleanups = new Cleanups(opts.log);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'turnout-bench-'));
  let keep = true;
  // Registered first so it runs last; a failed bench keeps its files (lab and server logs) for a look.
  cleanups.add('the bench folder', async () => (keep ? opts.log(`files kept in ${dir}`) : rmSync(dir, { recursive: true, force: true })));
  // The SDK's own log lines go to stderr with the progress, warnings and above only.
  installRuntimeLogging(createLogger({ logLevel: 'warn' }, pino.destination({ fd: 2, sync: true })));
  cleanups.add('the SDK runtime', () => shutdownRuntime());
  let stopping: Promise<void> | undefined;
  const stop = (keepFiles = true): Promise<void> => {
    keep &&= keepFiles;
    return (stopping ??= cleanups.runAll());
  };
  try {
    const temporal = await startTemporal(dir, cleanups, opts.log);
    const { estate, labDir } = await startBenchLab(opts, dir, cleanups);
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }), namespace: temporal.namespace });
    cleanups.add('the client connection', () => client.connection.close());
    const taskQueue = await startWorker(opts, { ...temporal, labDir, client }, cleanups);
    const sprayer = createHaproxySprayer(estate, { baseDir: labDir });
    return { client, taskQueue, estate, labDir, sprayer, stop: (keepFiles = false) => stop(keepFiles) };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Runs `body` in a fresh bench environment and always stops it, also on Ctrl-C; a failure sets a
 * non-zero exit code after everything has stopped.
 */
export async function withBenchEnv<T>(opts: BenchEnvOptions, body: (env: BenchEnv) => Promise<T>): Promise<T | undefined> {
  const env = await startBenchEnv(opts);
  const interrupted = (signal: NodeJS.Signals): void => {
    opts.log(`${signal}: stopping`);
    void env.stop(true).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let failed = false;
  try {
    return await body(env);
  } catch (err) {
    failed = true;
    opts.log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
    return undefined;
  } finally {
    await env.stop(failed);
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}
