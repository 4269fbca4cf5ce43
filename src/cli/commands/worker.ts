/**
 * `turnout worker`: a worker for production, against the cluster in TEMPORAL_ADDRESS (with TLS or
 * an API key from the environment). Runs until SIGINT or SIGTERM, then drains and exits.
 */
import type { NativeConnection } from '@temporalio/worker';
import type { Command } from 'commander';
import { createActivities } from '../../../activities';
import { ConfigError, type Config } from '../../config';
import { asCliError, loadCliConfig } from '../temporal-client';
import { createLogger, type Logger } from '../../logging';
import { connectClient, connectWorker, describeConnectError } from '../../temporal/connection';
import { watchForShutdown } from '../../temporal/shutdown';
import { createTurnoutWorker, installRuntimeLogging, runInBackground, shutdownRuntime } from '../../temporal/worker';
import { ExitCode } from '../exit-codes';

/** Connects the worker's connection; unreadable TLS files are invalid input, an unreachable server a failure. */
export async function connectCliWorker(config: Config): Promise<NativeConnection> {
  try {
    return await connectWorker(config.temporal);
  } catch (err) {
    throw err instanceof ConfigError ? asCliError(err) : describeConnectError(config.temporal, err);
  }
}

/**
 * TURNOUT_WORKFLOW_BUNDLE names a prebuilt workflow bundle (bundleWorkflowCode's output), so a
 * restarted worker polls at once instead of bundling again; tests use it.
 */
function workflowBundleFromEnv(): { workflowBundle?: { codePath: string } } {
  const codePath = process.env.TURNOUT_WORKFLOW_BUNDLE;
  return codePath ? { workflowBundle: { codePath } } : {};
}

async function runWorker(): Promise<void> {
  const config = loadCliConfig();
  const logger = createLogger(config);
  installRuntimeLogging(logger);
  try {
    await serve(config, logger);
  } finally {
    await shutdownRuntime();
  }
}

async function serve(config: Config, logger: Logger): Promise<void> {
  const connection = await connectCliWorker(config);
  // The drain activity reports live session counts to its workflow through this client.
  const client = await connectClient(config.temporal);
  const watch = watchForShutdown(() => process.exit(ExitCode.failure));
  try {
    const worker = await createTurnoutWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.taskQueue,
      activities: createActivities({ estatesDir: config.estatesDir, client }),
      ...workflowBundleFromEnv(),
    });
    const running = runInBackground(worker);
    logger.info({ address: config.temporal.address, namespace: config.temporal.namespace, taskQueue: config.taskQueue, estatesDir: config.estatesDir }, 'turnout worker started');
    const signal = await Promise.race([watch.signalled, running.done.then(() => undefined)]);
    if (signal) logger.info({ signal }, 'turnout worker stopping');
    await running.stop();
    logger.info('turnout worker stopped');
  } finally {
    watch.dispose();
    await client.connection.close();
    await connection.close();
  }
}

/** Registers `turnout worker`. */
export function register(program: Command): void {
  program
    .command('worker')
    .description('Run a worker against TEMPORAL_ADDRESS (production). Configuration comes from the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TURNOUT_TASK_QUEUE, TURNOUT_ESTATES, LOG_LEVEL, TEMPORAL_TLS_*, TEMPORAL_API_KEY.')
    .action(runWorker);
}
