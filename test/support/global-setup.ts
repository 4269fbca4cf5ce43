/**
 * Integration project setup: ONE Temporal dev server for the whole run, started through the same
 * `startDevServer` as `turnout dev`, and the workflows bundled once. Test files find both through
 * the environment variables in `test-temporal-env.ts`, which jest's workers inherit.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { ensureTemporalBinary } from '../../src/temporal/temporal-binary';
import { defaultWorkflowsPath } from '../../src/temporal/worker';
import { pickPort, testTemporalEnv, testTemporalPorts } from './test-temporal-env';
import { turnoutTempDirs } from './temp-leftovers';

/** What teardown needs; jest shares globals between global setup and teardown only. */
export interface SharedTemporal {
  server: DevServer;
  dir: string;
  /** The `turnout-*` temp folders there were before the run: teardown names the ones the run left. */
  tempBefore: string[];
}

declare global {
  var __turnoutTestTemporal: SharedTemporal | undefined;
}

async function bundleWorkflows(dir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: defaultWorkflowsPath(), logger: new DefaultLogger('WARN') });
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

/** Jest global setup for the integration project. */
export default async function globalSetup(): Promise<void> {
  const progress = (line: string): void => void process.stderr.write(`[temporal] ${line}\n`);
  const tempBefore = turnoutTempDirs();
  const binary = await ensureTemporalBinary({ log: progress });
  const dir = mkdtempSync(path.join(tmpdir(), 'turnout-test-temporal-'));
  const serverLog = path.join(dir, 'server.log');
  const port = await pickPort(testTemporalPorts.grpc);
  const uiPort = await pickPort(testTemporalPorts.ui);
  const server = await startDevServer({
    binary: binary.path,
    port,
    uiPort,
    dbFile: path.join(dir, 'temporal.db'),
    log: (line) => appendFileSync(serverLog, `${line}\n`),
  });
  globalThis.__turnoutTestTemporal = { server, dir, tempBefore };
  try {
    const bundlePath = await bundleWorkflows(dir);
    process.env[testTemporalEnv.address] = server.address;
    process.env[testTemporalEnv.namespace] = server.namespace;
    process.env[testTemporalEnv.uiUrl] = server.uiUrl ?? '';
    process.env[testTemporalEnv.bundlePath] = bundlePath;
    process.env[testTemporalEnv.binary] = binary.path;
    progress(`dev server ${server.address} ready in ${(server.readyMs / 1000).toFixed(1)} s; UI ${server.uiUrl}; files in ${dir}`);
  } catch (err) {
    await server.stop();
    throw err;
  }
}
