/**
 * Rollback you can trust, on the lab under session-aware load (40 req/s through the sprayer): a
 * rollback never takes the site dark, and a rollback that meets a fault (the HAProxy Runtime API
 * unreachable, the deployment manager down) retries, shows why it is blocked, and finishes with the
 * routing exactly as it was before the rollout.
 */
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import type { LoadReport } from '../../src/lab/load';
import type { RolloutStatus } from '../../src/model';
import { approvePhaseUpdate, requestRollbackUpdate } from '../../workflows/messages';
import { labRequest, recordHistory, routingOf, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForState, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { testClient, withTestWorker } from '../support/temporal';
import path from 'node:path';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');
const rate = 40;

function loadFigures(report: LoadReport) {
  return { requests: report.requests, failed: report.failed, sessions: report.sessions, lostSessions: report.lostSessions, versionFlips: report.versionFlips, versions: report.versions };
}

describe('rollback you can trust, on the lab under load', () => {
  let lab: ScenarioLab;
  let offset = 6000;

  beforeEach(async () => {
    lab = await startScenarioLab((offset += 500));
  });
  afterEach(async () => {
    stopAllLoad();
    await terminateLeftovers();
    await lab?.stop();
  });

  async function withWorker<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const client = await testClient();
    const activities = createActivities({ estatesDir, client, baseDir: lab.dir });
    return withTestWorker(activities, ({ taskQueue }) => fn(client, taskQueue));
  }

  it('rolls back during the last burn-in, when every cell holds N+1, without a failed request', async () => {
    const load = startLoad(lab.estate, rate);
    const before = await lab.routing();
    const final = await withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `burn-in-${Date.now()}`, args: [labRequest(lab.estate, { burnInSeconds: 8 })] }));
      await waitForState(handle, 'awaiting-approval');
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice' }] });
      await waitForStatus(handle, (s) => s.currentStep === 'Y.burn-in', 'the burn-in of the last cell');
      expect((await lab.servers()).map((s) => s.version)).toEqual(['1.1', '1.1', '1.1', '1.1', '1.1', '1.1']);
      const rolling = await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'bob', reason: 'errors on 1.1' }] });
      // N+1 keeps serving until N is back on one cell: nothing at the sprayer drains at once.
      expect(rolling.rollback?.route[0]).toBe('Restore routing: no cell runs 1.0 yet, so X, Y keep taking new sessions on 1.1');
      const result = (await handle.result()) as RolloutStatus;
      await recordHistory(client, handle.workflowId, 'multi-cell-rollback-last-burn-in');
      return result;
    });
    const report = await load.stop();
    process.stderr.write(`rollback during the last burn-in: ${JSON.stringify(loadFigures(report))}\n`);
    expect(final.state).toBe('rolled-back');
    const rollbackSteps = final.steps.filter((s) => s.id.startsWith('rollback.'));
    expect(rollbackSteps.map((s) => [s.id, s.status])).toEqual(
      ['rollback.routing', 'rollback.Y.hold', 'rollback.Y.drain', 'rollback.Y.reinstall', 'rollback.Y.route', 'rollback.X.hold', 'rollback.X.drain', 'rollback.X.reinstall', 'rollback.X.route'].map((id) => [id, 'done']),
    );
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    expect((await lab.servers()).map((s) => s.version)).toEqual(['1.0', '1.0', '1.0', '1.0', '1.0', '1.0']);
    expect({ failed: report.failed, lostSessions: report.lostSessions, versionFlips: report.versionFlips, failures: report.failures }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0, failures: [] });
    expect(report.requests).toBeGreaterThan(100);
  });
});
