/**
 * What every benchmark runs on: ONE Temporal dev server (SQLite in a temp folder, ports in
 * 15000-16999), the workflows bundled once, an in-process worker with the real activities, and
 * the multi-cell lab (real app servers, web tier, HAProxy) with shifted ports. `stop()` takes it
 * all down in reverse order, so no process is left behind. `startSimBenchEnv` runs the same
 * without the lab: every driver is simulated (src/drivers/sim), so no lab process is needed.
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
import type { SimWorld } from '../src/drivers/sim';
import { startSimHttpFront } from '../src/drivers/sim/sim-http-front';
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

/** Where the worker's activities find their drivers and relative paths. */
interface WorkerEnv {
  address: string;
  namespace: string;
  labDir: string;
  client: Client;
  /** The drivers of an estate before `wrapDrivers`; the real ones, relative to `labDir`, by default. */
  drivers?: (estate: Estate) => Drivers;
}

async function startWorker(opts: Pick<BenchEnvOptions, 'log' | 'wrapDrivers' | 'wrapActivities'>, env: WorkerEnv, cleanups: Cleanups): Promise<string> {
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
    drivers: (estate) => wrap(env.drivers ? env.drivers(estate) : driversFor(estate, { baseDir: env.labDir })),
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

/** A bench folder, the cleanups that remove it (or keep it after a failure) and `stop`. */
function benchScaffold(opts: Pick<BenchEnvOptions, 'log'>): { dir: string; cleanups: Cleanups; stop: (keepFiles?: boolean) => Promise<void> } {
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
  return { dir, cleanups, stop };
}

/** Starts the dev server, the lab and a worker; on any failure, stops what had started. */
export async function startBenchEnv(opts: BenchEnvOptions): Promise<BenchEnv> {
  const { dir, cleanups, stop } = benchScaffold(opts);
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

/** Options of {@link startSimBenchEnv}: the lab's do not apply. */
export type SimBenchEnvOptions = Omit<BenchEnvOptions, 'sessionIdleSeconds' | 'labFile' | 'labOffset'> & {
  /** The simulated estates the activities drive, by estate name; filled by the bench once `frontPorts` are known. */
  world: SimWorld;
  /** How many ports the sim HTTP front takes: at least the HTTP servers of the largest estate (default 8). */
  frontPorts?: number;
};

/** A running bench environment on simulated estates. */
export interface SimBenchEnv {
  client: Client;
  taskQueue: string;
  world: SimWorld;
  /** The sim HTTP front's ports: the generated HTTP servers' test listeners (the smoke test goes there). */
  frontPorts: number[];
  stop(keepFiles?: boolean): Promise<void>;
}

/** Starts the dev server, the sim HTTP front and a worker whose drivers are all simulated. */
export async function startSimBenchEnv(opts: SimBenchEnvOptions): Promise<SimBenchEnv> {
  const { dir, cleanups, stop } = benchScaffold(opts);
  try {
    const temporal = await startTemporal(dir, cleanups, opts.log);
    const front = await startSimHttpFront(opts.world, opts.frontPorts ?? 8, opts.log);
    cleanups.add('the sim HTTP front', () => front.close());
    // Large estates make histories whose pages exceed gRPC's default 4 MB: the bench must still read them.
    const channelArgs = { 'grpc.max_receive_message_length': 256 * 2 ** 20 };
    const client = new Client({ connection: await Connection.connect({ address: temporal.address, channelArgs }), namespace: temporal.namespace });
    cleanups.add('the client connection', () => client.connection.close());
    const taskQueue = await startWorker(opts, { ...temporal, labDir: dir, client, drivers: (estate) => opts.world.driversFor(estate) }, cleanups);
    return { client, taskQueue, world: opts.world, frontPorts: front.ports, stop: (keepFiles = false) => stop(keepFiles) };
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
  return runInEnv(opts, await startBenchEnv(opts), body);
}

/** {@link withBenchEnv} on simulated estates. */
export async function withSimBenchEnv<T>(opts: SimBenchEnvOptions, body: (env: SimBenchEnv) => Promise<T>): Promise<T | undefined> {
  return runInEnv(opts, await startSimBenchEnv(opts), body);
}

async function runInEnv<E extends { stop(keepFiles?: boolean): Promise<void> }, T>(opts: Pick<BenchEnvOptions, 'log'>, env: E, body: (env: E) => Promise<T>): Promise<T | undefined> {
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
