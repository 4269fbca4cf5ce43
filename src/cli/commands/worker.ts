/**
 * `turnout worker`: a worker for production, against the cluster in TEMPORAL_ADDRESS (with TLS or
 * an API key from the environment). Runs until SIGINT or SIGTERM, then drains and exits.
 */
import type { NativeConnection } from '@temporalio/worker';
import type { Command } from 'commander';
import { createActivities } from '../../../activities';
import { ConfigError, type Config } from '../../config';
import type { Client } from '@temporalio/client';
import { asCliError, isAuthorizationRefusal, loadCliConfig, refusalAsCliError } from '../temporal-client';
import { createLogger, type Logger } from '../../logging';
import { connectClient, connectWorker, describeConnectError } from '../../temporal/connection';
import { watchForShutdown } from '../../temporal/shutdown';
import { createTurnoutWorker, installRuntimeLogging, runInBackground, shutdownRuntime } from '../../temporal/worker';
import { CliError, ExitCode } from '../exit-codes';

/** Connects the worker's client; a refused token is one line (exit 3), an unreachable server a failure. */
async function connectCliClient(config: Config): Promise<Client> {
  try {
    return await connectClient(config.temporal);
  } catch (err) {
    throw refusalAsCliError(err, config) ?? describeConnectError(config.temporal, err);
  }
}

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

/**
 * Asks the server whether this worker's token may answer tasks, before minutes of bundling and
 * polling: the SDK retries a refused poll quietly forever, so a worker with a reader token (or none)
 * would look alive and do nothing. The probe answers a query task that does not exist; the server's
 * authorizer judges the call before its handler rejects the token, and a refusal is one line, exit 3.
 */
export async function assertMayServeTasks(client: Client, config: Config): Promise<void> {
  try {
    await client.workflowService.respondQueryTaskCompleted({ namespace: config.temporal.namespace, taskToken: Buffer.from('turnout-worker-permission-probe') });
  } catch (err) {
    if (!isAuthorizationRefusal(err)) return;
    const who = config.temporal.apiKey ? 'its token does not allow a worker here (polling needs write or worker permission on the namespace)' : 'it has no token: set TURNOUT_API_KEY or TURNOUT_API_KEY_FILE';
    throw new CliError(`turnout worker: Temporal at ${config.temporal.address} (namespace ${config.temporal.namespace}) refused this worker: ${who}.`, ExitCode.conflict);
  }
}

async function serve(config: Config, logger: Logger): Promise<void> {
  // The drain activity reports live session counts to its workflow through this client.
  const client = await connectCliClient(config);
  await assertMayServeTasks(client, config).catch(async (err: unknown) => {
    await client.connection.close();
    throw err;
  });
  const connection = await connectCliWorker(config);
  const watch = watchForShutdown(() => process.exit(ExitCode.failure));
  try {
    const worker = await createTurnoutWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.taskQueue,
      activities: createActivities({ estatesDir: config.estatesDir, blobsDir: config.blobsDir, client }),
      ...workflowBundleFromEnv(),
    });
    const running = runInBackground(worker);
    logger.info({ address: config.temporal.address, namespace: config.temporal.namespace, taskQueue: config.taskQueue, estatesDir: config.estatesDir, blobsDir: config.blobsDir }, 'turnout worker started');
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
