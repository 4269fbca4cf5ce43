/**
 * Configuration from the environment, for the worker, the CLI and `turnout dev`.
 *
 * Everything comes from environment variables (or files they name), so that credentials never
 * sit in a request, an estate or the command line, where shells and process lists would keep them.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Names of the environment variables turnout reads. */
export const envVars = {
  address: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  taskQueue: 'TURNOUT_TASK_QUEUE',
  estates: 'TURNOUT_ESTATES',
  /** Where workers keep content too big for history (generated plugin-cfg.xml); shared by every worker of a task queue. */
  blobs: 'TURNOUT_BLOBS',
  logLevel: 'LOG_LEVEL',
  tls: 'TEMPORAL_TLS',
  tlsCert: 'TEMPORAL_TLS_CERT',
  tlsKey: 'TEMPORAL_TLS_KEY',
  tlsCa: 'TEMPORAL_TLS_CA',
  tlsServerName: 'TEMPORAL_TLS_SERVER_NAME',
  apiKey: 'TEMPORAL_API_KEY',
  apiKeyFile: 'TEMPORAL_API_KEY_FILE',
  /** turnout's own names for the token; the TEMPORAL_ ones above are the Temporal CLI's. */
  turnoutApiKey: 'TURNOUT_API_KEY',
  turnoutApiKeyFile: 'TURNOUT_API_KEY_FILE',
} as const;

/** Defaults that match the embedded dev server started by `turnout dev`. */
export const configDefaults = {
  address: '127.0.0.1:7233',
  namespace: 'default',
  taskQueue: 'turnout',
  logLevel: 'info',
} as const;

/** pino's levels, plus `silent`. */
export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof logLevelSchema>;

/** A configuration value that is wrong; `variable` names the environment variable to fix. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const hostPortSchema = nonEmpty.regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port, such as 127.0.0.1:7233').refine((value) => {
  const port = Number(value.slice(value.lastIndexOf(':') + 1));
  return port >= 1 && port <= 65535;
}, 'the port must be between 1 and 65535');

const booleanSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']))
  .transform((value) => ['1', 'true', 'yes', 'on'].includes(value));

/** TLS settings for a production cluster: paths to PEM files, read when connecting. */
export const tlsConfigSchema = z.object({
  certPath: z.string().optional(),
  keyPath: z.string().optional(),
  caPath: z.string().optional(),
  serverName: z.string().optional(),
});
export type TlsConfig = z.infer<typeof tlsConfigSchema>;

/** The parsed configuration. */
export const configSchema = z.object({
  temporal: z.object({
    address: z.string(),
    namespace: z.string(),
    /** Present when the connection uses TLS (mTLS, a private CA, or an API key's server TLS). */
    tls: tlsConfigSchema.optional(),
    /** A secret: never log it (the logger redacts `apiKey`). */
    apiKey: z.string().optional(),
    /**
     * TEMPORAL_TLS=false with an API key: the token goes in clear text, which is allowed only to a
     * loopback address (the native production stack). Without it, an API key implies TLS.
     */
    plaintext: z.boolean().optional(),
  }),
  taskQueue: z.string(),
  estatesDir: z.string(),
  blobsDir: z.string(),
  logLevel: logLevelSchema,
});
export type Config = z.infer<typeof configSchema>;

type Env = Record<string, string | undefined>;

/** Reads one variable through a schema; a bad value throws a ConfigError naming it. */
function read<T>(env: Env, variable: string, schema: z.ZodType<T>): T | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(variable, result.error.issues.map((issue) => issue.message).join('; '));
  return result.data;
}

function readTls(env: Env): TlsConfig | undefined {
  const certPath = read(env, envVars.tlsCert, nonEmpty);
  const keyPath = read(env, envVars.tlsKey, nonEmpty);
  const caPath = read(env, envVars.tlsCa, nonEmpty);
  const serverName = read(env, envVars.tlsServerName, nonEmpty);
  const enabled = read(env, envVars.tls, booleanSchema);
  // A client certificate without its key (or the reverse) cannot work; say which one is missing.
  if (certPath && !keyPath) throw new ConfigError(envVars.tlsKey, `must be set when ${envVars.tlsCert} is set`);
  if (keyPath && !certPath) throw new ConfigError(envVars.tlsCert, `must be set when ${envVars.tlsKey} is set`);
  if (enabled === false && (certPath || caPath || serverName)) {
    throw new ConfigError(envVars.tls, 'is false, but TLS certificate settings are present');
  }
  if (!enabled && !certPath && !caPath && !serverName) return undefined;
  return { certPath, keyPath, caPath, serverName };
}

function readApiKey(env: Env): string | undefined {
  const names = [envVars.turnoutApiKey, envVars.apiKey, envVars.turnoutApiKeyFile, envVars.apiKeyFile];
  const set = names.flatMap((variable) => {
    const value = read(env, variable, nonEmpty);
    return value === undefined ? [] : [{ variable, value }];
  });
  if (set.length > 1) throw new ConfigError(set[1]!.variable, `set only one of ${set.map((s) => s.variable).join(', ')}`);
  const [only] = set;
  if (!only || (only.variable !== envVars.turnoutApiKeyFile && only.variable !== envVars.apiKeyFile)) return only?.value;
  try {
    return nonEmpty.parse(readFileSync(only.value, 'utf8'));
  } catch (err) {
    throw new ConfigError(only.variable, `cannot read an API key from ${only.value}: ${describe(err)}`);
  }
}

/** Loopback hosts, the only ones a token may reach in clear text. */
const loopbackHost = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** True when TEMPORAL_TLS=false turns off the TLS an API key would otherwise imply; refused off loopback. */
function readPlaintext(env: Env, address: string, apiKey: string | undefined): boolean | undefined {
  if (!apiKey || read(env, envVars.tls, booleanSchema) !== false) return undefined;
  const host = address.slice(0, address.lastIndexOf(':'));
  if (!loopbackHost.test(host)) throw new ConfigError(envVars.tls, `is false, which would send the API key in clear text to ${host}; that is allowed only to a loopback address (127.0.0.1, localhost, [::1])`);
  return true;
}

function describe(err: unknown): string {
  if (err instanceof z.ZodError) return 'the file is empty';
  return err instanceof Error ? err.message : String(err);
}

/** `$XDG_STATE_HOME/turnout/blobs`, else `~/.local/state/turnout/blobs`: kept across reboots, unlike a temp folder. */
function defaultBlobsDir(env: Env): string {
  return path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'turnout', 'blobs');
}

/**
 * Loads the configuration from `env`. Throws a {@link ConfigError} naming the first bad variable.
 * `cwd` anchors the default estates directory (`<cwd>/estates`) and relative paths.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const estates = read(env, envVars.estates, nonEmpty);
  const address = read(env, envVars.address, hostPortSchema) ?? configDefaults.address;
  const apiKey = readApiKey(env);
  const plaintext = readPlaintext(env, address, apiKey);
  return {
    temporal: {
      address,
      namespace: read(env, envVars.namespace, nonEmpty.regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')) ?? configDefaults.namespace,
      tls: readTls(env),
      apiKey,
      ...(plaintext ? { plaintext } : {}),
    },
    taskQueue: read(env, envVars.taskQueue, nonEmpty) ?? configDefaults.taskQueue,
    estatesDir: path.resolve(cwd, estates ?? 'estates'),
    blobsDir: path.resolve(cwd, read(env, envVars.blobs, nonEmpty) ?? defaultBlobsDir(env)),
    logLevel: read(env, envVars.logLevel, z.string().trim().toLowerCase().pipe(logLevelSchema)) ?? configDefaults.logLevel,
  };
}
