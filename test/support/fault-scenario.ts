/**
 * What the fault scenarios of `test/faults` share: a worker for one lab (several labs run side by
 * side in one file), the load report's line for the record, and the check that a fault cost only
 * the sessions of the server it hit.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import type { LoadReport } from '../../src/lab/load';
import type { ScenarioLab } from './rollout-harness';
import { testClient, withTestWorker } from './temporal';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');

/** Runs `fn` while a worker with the real activities for `lab` polls a fresh task queue. */
export async function withLabWorker<T>(lab: ScenarioLab, fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
  const client = await testClient();
  return withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir }), ({ taskQueue }) => fn(client, taskQueue));
}

/** The load report's figures on one line, printed for the note. */
export function printLoad(scenario: string, r: LoadReport): void {
  const by = (rec: Record<string, number>) => JSON.stringify(rec);
  console.log(
    `${scenario}: requests ${r.requests} (${r.requestsPerSecond} req/s), failed ${r.failed}, sessions ${r.sessions}, lost ${r.lostSessions}, flips ${r.versionFlips}` +
      `; failed by server ${by(r.failedByServer)}, lost by server ${by(r.lostSessionsByServer)}, new sessions by server ${by(r.newSessionsByServer)}`,
  );
}

/**
 * Only `server`'s sessions were hurt: every failed request and every lost session belongs to a user
 * whose session lived there, no user lost more than one session there, and no session saw two
 * versions. Users who had no session yet count against the fault as well (`(no session)`).
 */
export function expectLossesOnlyOn(r: LoadReport, server: string): void {
  const elsewhere = (rec: Record<string, number>) => Object.fromEntries(Object.entries(rec).filter(([name]) => name !== server));
  expect({ failedElsewhere: elsewhere(r.failedByServer), lostElsewhere: elsewhere(r.lostSessionsByServer), versionFlips: r.versionFlips }).toEqual({ failedElsewhere: {}, lostElsewhere: {}, versionFlips: 0 });
  expect(r.lostSessions).toBe(r.lostSessionsByServer[server] ?? 0);
  expect(r.failed).toBe(r.failedByServer[server] ?? 0);
  // A user is counted once, so the lost sessions are some of the sessions the server made.
  expect(r.lostSessions).toBeLessThanOrEqual(r.newSessionsByServer[server] ?? 0);
  expect(r.requests).toBeGreaterThan(100);
}
