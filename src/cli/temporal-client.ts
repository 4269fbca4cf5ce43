/**
 * Connecting the CLI to Temporal, with errors a person can act on: a bad variable is invalid input
 * (exit 2), an unreachable server a runtime failure (exit 1), a missing rollout exit 3.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ConfigError, loadConfig, type Config } from '../config';
import { connectClient, describeConnectError } from '../temporal/connection';
import { CliError, ExitCode } from './exit-codes';

/** A bad configuration value is invalid input (exit 2); other errors pass through. */
export function asCliError(err: unknown): unknown {
  return err instanceof ConfigError ? new CliError(`turnout: invalid configuration: ${err.message}`, ExitCode.invalidInput) : err;
}

/** Loads the configuration; a bad variable is invalid input (exit 2), named in the message. */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    throw asCliError(err);
  }
}

/** Runs `fn` with a connected client and closes the connection afterwards. */
export async function withClient<T>(fn: (client: Client, config: Config) => Promise<T>): Promise<T> {
  const config = loadCliConfig();
  let client: Client;
  try {
    client = await connectClient(config.temporal);
  } catch (err) {
    throw new CliError(describeConnectError(config.temporal, err).message, ExitCode.failure);
  }
  try {
    return await fn(client, config);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`no rollout ${err.workflowId} in namespace ${config.temporal.namespace}`, ExitCode.conflict);
    throw err;
  } finally {
    await client.connection.close();
  }
}

/** The Web UI's page of a workflow. */
export function uiLink(config: Config, workflowId: string): string {
  const base = (process.env.TURNOUT_UI_URL || 'http://localhost:8233').replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
