/**
 * Connecting the CLI to Temporal, with errors a person can act on: a bad variable is invalid input
 * (exit 2), an unreachable server a runtime failure (exit 1), a missing rollout exit 3.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ConfigError, loadConfig, type Config } from '../config';
import { connectClient, describeConnectError } from '../temporal/connection';
import { CliError, ExitCode } from './exit-codes';
import { uiBaseUrl } from './dev-state';

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
    throw refusalAsCliError(err, config) ?? new CliError(describeConnectError(config.temporal, err).message, ExitCode.failure);
  }
  try {
    return await fn(client, config);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`no rollout ${err.workflowId} in namespace ${config.temporal.namespace}`, ExitCode.conflict);
    throw refusalAsCliError(err, config) ?? err;
  } finally {
    await client.connection.close();
  }
}

/** gRPC status codes of an authorization refusal. */
const grpcStatus = { permissionDenied: 7, unauthenticated: 16 } as const;

/** The gRPC status code somewhere in an error's cause chain (the SDK wraps the transport's error). */
export function grpcCodeOf(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** True for a refusal by the server's authorizer (no token, a bad one, or too few permissions). */
export function isAuthorizationRefusal(err: unknown): boolean {
  const code = grpcCodeOf(err);
  return code === grpcStatus.permissionDenied || code === grpcStatus.unauthenticated;
}

/**
 * One line for a request the server's authorizer refused (exit 3): without a token, with a token
 * it did not accept, or with a token whose role may not do this (a reader starting a rollout).
 */
export function refusalAsCliError(err: unknown, config: Config): CliError | undefined {
  if (!isAuthorizationRefusal(err)) return undefined;
  const code = grpcCodeOf(err);
  const where = `Temporal at ${config.temporal.address} (namespace ${config.temporal.namespace})`;
  if (!config.temporal.apiKey) return new CliError(`turnout: ${where} refused the request: it needs a token. Set TURNOUT_API_KEY or TURNOUT_API_KEY_FILE.`, ExitCode.conflict);
  if (code === grpcStatus.unauthenticated) return new CliError(`turnout: ${where} did not accept the token (expired, or not signed by a key it trusts).`, ExitCode.conflict);
  return new CliError(`turnout: ${where} refused the request with this token: the token is not valid there, or its permissions do not allow this (starting, signalling and updating rollouts need write permission on the namespace).`, ExitCode.conflict);
}

/** The Web UI's page of a workflow: under TURNOUT_UI_URL, else the UI of the \`turnout dev\` at the configured address, else port 8233. */
export function uiLink(config: Config, workflowId: string): string {
  const base = uiBaseUrl(config.temporal.address);
  return `${base}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
