/**
 * Connections to Temporal from the configuration: the embedded dev server (plain gRPC on loopback)
 * or a production cluster (TLS, mTLS, API key).
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, envVars, type Config, type TlsConfig } from '../config';

/** The part of the configuration a connection needs. */
export type TemporalConfig = Config['temporal'];

function readPem(variable: string, file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(variable, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Turns file-based TLS settings into the SDK's TLS options; unreadable files name their variable. */
export function toSdkTls(tls: TlsConfig | undefined): TLSConfig | undefined {
  if (!tls) return undefined;
  const crt = readPem(envVars.tlsCert, tls.certPath);
  const key = readPem(envVars.tlsKey, tls.keyPath);
  return {
    serverNameOverride: tls.serverName,
    serverRootCACertificate: readPem(envVars.tlsCa, tls.caPath),
    clientCertPair: crt && key ? { crt, key } : undefined,
  };
}

/** Connection options shared by the client and the worker connection. */
export function connectionOptions(config: TemporalConfig): { address: string; tls?: TLSConfig | false; apiKey?: string } {
  const tls = toSdkTls(config.tls);
  return {
    address: config.address,
    // The SDK turns TLS on for an API key unless told otherwise; config allows that only on loopback.
    ...(tls ? { tls } : config.plaintext ? { tls: false as const } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  };
}

/** A client for starting and signalling workflows. Close it with `client.connection.close()`. */
export async function connectClient(config: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({ connection, namespace: config.namespace });
}

/** The native connection a worker polls through. Close it when the worker has stopped. */
export function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}

/**
 * Says where the server was expected when it does not answer, instead of a gRPC stack trace.
 * The original error stays as `cause` for TURNOUT_DEBUG.
 */
export function describeConnectError(config: TemporalConfig, err: unknown): Error {
  const raw = err instanceof Error ? err.message : String(err);
  // The native transport's errors are Rust debug dumps; the common cases deserve plain words.
  const detail = /connection refused/i.test(raw) ? 'connection refused (is the server running?)' : /timed? ?out|deadline/i.test(raw) ? 'timed out' : raw;
  return new Error(`cannot reach Temporal at ${config.address} (namespace ${config.namespace}): ${detail}`, { cause: err });
}
