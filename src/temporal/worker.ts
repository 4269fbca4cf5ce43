/**
 * The turnout worker, and the bridge that sends every SDK log line (Rust core, workflow `log`,
 * activity `log`, the worker's lifecycle) into pino.
 */
import path from 'node:path';
import type { LogLevel as SdkLogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Duration } from '@temporalio/common/lib/time';
import { makeTelemetryFilterString, NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';

const sdkToPino = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const satisfies Record<SdkLogLevel, string>;

/**
 * The Runtime is a process-wide singleton installed once, but tests and `turnout dev` may want to
 * point it at another pino logger later; so the SDK gets this stable forwarder and the target moves.
 */
class PinoForwarder implements SdkLogger {
  constructor(public target: Logger) {}

  log(level: SdkLogLevel, message: string, meta?: LogMetadata): void {
    this.target[sdkToPino[level]](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

let forwarder: PinoForwarder | undefined;
let runtime: Runtime | undefined;

/** Core's own logs are chatty at INFO; only a pino level of debug or trace lets them through below WARN. */
function coreLevel(logger: Logger): SdkLogLevel {
  if (logger.level === 'trace') return 'TRACE';
  if (logger.level === 'debug') return 'DEBUG';
  return 'WARN';
}

/**
 * Installs the SDK Runtime with a logger that forwards to `logger`; calling it again only moves the
 * forwarding to the new logger. Call it before the first `NativeConnection` or `Worker`, which
 * would otherwise install a default Runtime that prints to stderr.
 *
 * The Runtime installs no signal handlers: the CLI stops its workers itself, in order.
 */
export function installRuntimeLogging(logger: Logger): void {
  if (forwarder) {
    forwarder.target = logger;
    return;
  }
  forwarder = new PinoForwarder(logger);
  runtime = Runtime.install({
    logger: forwarder,
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: coreLevel(logger), other: 'ERROR' }), forward: {} } },
  });
}

/**
 * Shuts the Runtime down, flushing buffered log lines. The Runtime stops by itself when its last
 * connection closes, but not when none was ever opened (a command that failed early), and its
 * native side would then keep the process alive.
 */
export async function shutdownRuntime(): Promise<void> {
  const installed = runtime;
  runtime = undefined;
  forwarder = undefined;
  // Runtime.shutdown is marked internal, but it is the only way to release a Runtime that never connected.
  await installed?.shutdown();
}

/** The compiled (or, under jest, source) workflows entry, for bundling at worker start. */
export function defaultWorkflowsPath(): string {
  return require.resolve(path.join(__dirname, '..', '..', 'workflows'));
}

/** Options for {@link createTurnoutWorker}. */
export interface TurnoutWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The activity functions, usually from `createActivities(deps)`. */
  activities: object;
  /** A prebuilt bundle (tests bundle once per run); without it the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Workflows entry to bundle when no bundle is given; {@link defaultWorkflowsPath} by default. */
  workflowsPath?: string;
  /** Longest wait for running activities when the worker shuts down. */
  shutdownGraceTime?: Duration;
}

/** Creates (but does not run) a worker for turnout's workflows and the given activities. */
export function createTurnoutWorker(opts: TurnoutWorkerOptions): Promise<Worker> {
  const workflows = opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: opts.workflowsPath ?? defaultWorkflowsPath() };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    shutdownGraceTime: opts.shutdownGraceTime ?? '10 seconds',
    ...workflows,
  });
}

/** A worker running in the background of this process. */
export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped; rejects if it failed. */
  done: Promise<void>;
  /** Asks the worker to stop and waits until it has. */
  stop(): Promise<void>;
}

/** Runs `worker` in the background; `stop()` shuts it down and waits for it. */
export function runInBackground(worker: Worker): RunningWorker {
  const done = worker.run();
  // A failure is reported through `done` or `stop()`; do not also crash the process as unhandled.
  done.catch(() => undefined);
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
