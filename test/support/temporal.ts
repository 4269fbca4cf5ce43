/**
 * Helpers for integration tests that need Temporal: a client for the shared dev server, workers
 * on their own task queue, and the SDK's log output captured through the pino bridge.
 *
 * Import it at the top of a test file: it registers an `afterAll` that closes its connections.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createLogger, type Logger } from '../../src/logging';
import { createTurnoutWorker, installRuntimeLogging } from '../../src/temporal/worker';
import { testTemporalEnv } from './test-temporal-env';

/** Where the shared test server is, as global setup published it. */
export interface TestTemporal {
  address: string;
  namespace: string;
  uiUrl: string | undefined;
  bundlePath: string;
}

/** Reads the shared server's coordinates; fails clearly outside the integration project. */
export function testTemporal(): TestTemporal {
  const address = process.env[testTemporalEnv.address];
  const bundlePath = process.env[testTemporalEnv.bundlePath];
  if (!address || !bundlePath) {
    throw new Error('no shared Temporal dev server: run this test in the jest "integration" project (its global setup starts one)');
  }
  return {
    address,
    namespace: process.env[testTemporalEnv.namespace] ?? 'default',
    uiUrl: process.env[testTemporalEnv.uiUrl] || undefined,
    bundlePath,
  };
}

/** One SDK log record as pino wrote it. */
export type LogRecord = Record<string, unknown> & { level: number; msg?: string };

/** Pino output kept in memory: every SDK log line of this test file, at info and above. */
export interface LogCapture {
  logger: Logger;
  records: LogRecord[];
  /** Resolves with the first record `match` accepts; the bridge buffers lines briefly, so wait. */
  waitFor(match: (record: LogRecord) => boolean, description: string): Promise<LogRecord>;
}

/** Far beyond any real delay; reaching it means the line never came, not that it was slow. */
const logWaitLimitMs = 60_000;
const maxRecords = 20_000;

function createLogCapture(): LogCapture {
  const records: LogRecord[] = [];
  const destination = {
    write(line: string): void {
      records.push(JSON.parse(line) as LogRecord);
      if (records.length > maxRecords) records.shift();
    },
  };
  const logger = createLogger({ logLevel: 'info' }, destination);
  return {
    logger,
    records,
    async waitFor(match, description) {
      const deadline = Date.now() + logWaitLimitMs;
      for (;;) {
        const found = records.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no log record ${description} arrived; got:\n${records.map((r) => JSON.stringify(r)).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

let capture: LogCapture | undefined;

/**
 * The SDK's logs for this test file (workflow `log`, activity `log`, worker and core), captured
 * through the same Runtime-to-pino bridge the worker uses. Installed before the first connection.
 */
export function testLogs(): LogCapture {
  if (!capture) {
    capture = createLogCapture();
    installRuntimeLogging(capture.logger);
  }
  return capture;
}

let client: Promise<Client> | undefined;
let nativeConnection: Promise<NativeConnection> | undefined;

/** A client on the shared dev server, shared by the tests of one file. */
export function testClient(): Promise<Client> {
  const { address, namespace } = testTemporal();
  client ??= Connection.connect({ address }).then((connection) => new Client({ connection, namespace }));
  return client;
}

function testNativeConnection(): Promise<NativeConnection> {
  testLogs();
  nativeConnection ??= NativeConnection.connect({ address: testTemporal().address });
  return nativeConnection;
}

/** A task queue nobody else uses, so that parallel tests never take each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** What a test body gets from {@link withTestWorker}. */
export interface TestWorkerContext {
  client: Client;
  taskQueue: string;
  worker: Worker;
  logs: LogCapture;
}

/**
 * Runs `fn` while a worker polls a fresh task queue with the shared workflow bundle and `activities`,
 * then shuts the worker down.
 */
export async function withTestWorker<T>(activities: object, fn: (ctx: TestWorkerContext) => Promise<T>): Promise<T> {
  const { namespace, bundlePath } = testTemporal();
  const taskQueue = uniqueTaskQueue();
  const worker = await createTurnoutWorker({
    connection: await testNativeConnection(),
    namespace,
    taskQueue,
    activities,
    workflowBundle: { codePath: bundlePath },
    shutdownGraceTime: '2 seconds',
  });
  const ctx: TestWorkerContext = { client: await testClient(), taskQueue, worker, logs: testLogs() };
  return worker.runUntil(() => fn(ctx));
}

/** Closes this file's connections; registered with `afterAll` when the module loads. */
export async function closeTestConnections(): Promise<void> {
  const pending = [client?.then((c) => c.connection.close()), nativeConnection?.then((c) => c.close())];
  client = undefined;
  nativeConnection = undefined;
  await Promise.all(pending);
}

if (typeof afterAll === 'function') afterAll(closeTestConnections);
