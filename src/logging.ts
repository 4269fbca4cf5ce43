/**
 * The one pino logger of a turnout process. The Temporal Runtime forwards SDK core, workflow and
 * activity logs into it (see `src/temporal/worker.ts`), so every line ends up in one stream.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger } from 'pino';

/** What replaces a secret in log output. */
export const redactedValue = '[Redacted]';

/**
 * Keys whose values are secrets wherever they appear: passwords, API keys, tokens, private and
 * TLS keys, authorization headers. Matching by name, not by path, because secrets turn up nested
 * in SDK metadata and errors at paths nobody can list in advance.
 */
const secretKeyPattern = /pass(word|phrase|wd)?|secret|token|api[-_]?key|private[-_]?key|tls[-_]?key|client[-_]?key|^key$|authorization|credential|cookie|signature/i;

/** PEM private keys are secret whatever the field is called. */
const privateKeyPemPattern = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Deep enough for SDK metadata; deeper objects are logged as they are cut off. */
const maxDepth = 8;

/** True when a field with this name holds a secret. */
export function isSecretKey(key: string): boolean {
  return secretKeyPattern.test(key);
}

/** Returns a copy of `value` with every secret replaced by {@link redactedValue}. */
export function redactSecrets(value: unknown): unknown {
  return redactValue(value, 0, new WeakSet());
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return privateKeyPemPattern.test(value) ? redactedValue : value;
  if (value === null || typeof value !== 'object') return value;
  // Errors, buffers and dates carry no secret fields worth walking, and pino serializes them itself.
  if (value instanceof Error || value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (depth >= maxDepth || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretKey(key) ? redactedValue : redactValue(item, depth + 1, seen);
  }
  return out;
}

/** The settings the logger needs from the configuration. */
export interface LoggingConfig {
  logLevel: LogLevel;
}

/**
 * Creates the process logger: JSON lines on stdout (or `destination`), secrets redacted from every
 * field and child binding, including errors' own enumerable fields. Messages themselves are not
 * scanned: never interpolate a secret into one.
 */
export function createLogger(config: LoggingConfig, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'turnout',
    level: config.logLevel,
    formatters: {
      log: (object) => redactSecrets(object) as Record<string, unknown>,
      bindings: (bindings) => redactSecrets(bindings) as pino.Bindings,
    },
    serializers: { err: serializeError },
  };
  return redactChildBindings(destination ? pino(options, destination) : pino(options));
}

/** pino serializes a child's bindings once, without the `log` formatter, so redact them on the way in. */
function redactChildBindings(logger: Logger): Logger {
  const child = logger.child.bind(logger);
  logger.child = ((bindings: pino.Bindings, options?: pino.ChildLoggerOptions) =>
    redactChildBindings(child(redactSecrets(bindings) as pino.Bindings, options))) as unknown as Logger['child'];
  return logger;
}

function serializeError(err: unknown): unknown {
  return redactSecrets(pino.stdSerializers.err(err as Error));
}
