/**
 * `startDevServer` on its own (the shared server covers the rest): history survives a restart on
 * the same SQLite file, and stopping leaves no process behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { anyFreePort, testTemporalEnv } from '../support/test-temporal-env';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function withClient<T>(server: DevServer, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: server.address });
  try {
    return await fn(new Client({ connection, namespace: server.namespace }));
  } finally {
    await connection.close();
  }
}

describe('startDevServer', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'turnout-dev-server-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps workflows across a restart on the same database, and leaves nothing running', async () => {
    const binary = process.env[testTemporalEnv.binary];
    const dbFile = path.join(dir, 'state', 'temporal.db');
    const port = await anyFreePort();
    const options = { binary, port, dbFile, headless: true };

    const first = await startDevServer(options);
    await withClient(first, (client) => client.workflow.start('pingWorkflow', { taskQueue: 'nobody-polls-this', workflowId: 'survives-restart', args: ['x'] }));
    await first.stop();
    expect(isRunning(first.pid)).toBe(false);

    const second = await startDevServer(options);
    try {
      const description = await withClient(second, (client) => client.workflow.getHandle('survives-restart').describe());
      expect(description.type).toBe('pingWorkflow');
      expect(description.status.name).toBe('RUNNING');
    } finally {
      await second.stop();
    }
    expect(isRunning(second.pid)).toBe(false);
  });

  it('refuses a port that is already taken, naming it', async () => {
    const taken = Number(process.env[testTemporalEnv.address]?.split(':')[1]);
    await expect(startDevServer({ binary: process.env[testTemporalEnv.binary], port: taken, headless: true })).rejects.toThrow(`gRPC port ${taken} on 127.0.0.1 is already in use`);
  });
});
