/**
 * The deployment manager answers HTTP 500 (the lab dmgr's fault switch, `LabFaults.failDmgr`), under
 * load at 50 req/s, on one lab, one case after the other:
 * - for good: the install fails after its bounded retries with the server's message in the status,
 *   and the first cell rolls back. The rollback restores routing at once (HAProxy, not the dmgr),
 *   then blocks on the reinstall, showing the dmgr's message and retrying; once the dmgr answers
 *   again it finishes. Nothing is reported restored that was not;
 * - three times, then it recovers: the install's retries carry the rollout through, and it succeeds.
 */
import type { RolloutStatus } from '../../src/model';
import { statusQuery } from '../../workflows/messages';
import { expectCleanLoad, expectRoutingRestoredFirst, labRequest, recordHistory, resultWithin, routingOf, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { printLoad, withLabWorker } from '../support/fault-scenario';

const allServers = ['ServerX1', 'ServerX2', 'ServerX3', 'ServerY1', 'ServerY2', 'ServerY3'];
const message = 'ADMA5016E: Installation of userHitCount failed: the configuration repository is locked (lab fault)';
const versions = async (lab: ScenarioLab) => (await lab.servers()).map((s) => [s.name, s.version]);
const noGates = { phases: [], timeoutSeconds: 3600, onTimeout: 'wait' };

describe('the deployment manager answers HTTP 500', () => {
  let shared: ScenarioLab | undefined;
  const labAt = async (offset: number): Promise<ScenarioLab> => (shared ??= await startScenarioLab(offset));
  afterEach(async () => {
    stopAllLoad();
    await terminateLeftovers();
    await shared?.lab.faults.healDmgr();
  });
  afterAll(async () => shared?.stop());

  it("for good: the rollout fails with the server's message, restores routing, and finishes its rollback once the dmgr answers", async () => {
    const started = Date.now();
    const lab = await labAt(3000);
    const before = await lab.routing();
    const load = startLoad(lab.estate, 50);
    await lab.lab.faults.failDmgr({ status: 500, message, method: 'POST' });
    const { blocked, routingBlocked, final } = await withLabWorker(lab, async (client, taskQueue) => {
      const request = labRequest(lab.estate, { burnInSeconds: 1, rollback: { retryIntervalSeconds: 2 } });
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `dmgr-500-${Date.now()}`, args: [request] }));
      const stuck = await waitForStatus(handle, (s) => s.rollback?.blocked?.stepId === 'rollback.X.reinstall', 'the reinstall blocked by the dmgr');
      const routing = await lab.routing();
      // Still blocked, still saying why: a rollback never reports done what it could not do.
      expect((await handle.query(statusQuery)).state).toBe('rolling-back');
      await lab.lab.faults.healDmgr();
      const result = await resultWithin(handle, 60_000);
      await recordHistory(client, handle.workflowId, 'fault-dmgr-500-for-good');
      return { blocked: stuck, routingBlocked: routing, final: result };
    });
    const report = await load.stop();
    printLoad(`dmgr 500 for good, healed during the rollback (${Math.round((Date.now() - started) / 1000)} s)`, report);

    const install = `POST ${lab.estate.appServer.driver === 'lab' ? lab.estate.appServer.adminUrl : ''}/clusters/ClusterX/install: HTTP 500: ${message}`;
    expect(blocked.reason).toBe(`step X.install failed: ${install}`);
    expect(blocked.steps.find((s) => s.id === 'X.install')?.status).toBe('failed');
    expect(blocked.rollback?.blocked?.reason).toBe(install);
    expect(blocked.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => [s.id, s.status])).toEqual([
      ['rollback.routing', 'done'],
      ['rollback.X.drain', 'done'],
      ['rollback.X.reinstall', 'running'],
      ['rollback.X.route', 'pending'],
      ['rollback.app-servers', 'pending'],
    ]);
    // Routing came back without the dmgr: cell X (which may hold N+1) takes no new sessions, Y takes them all.
    expect(routingBlocked.servers.map((s) => [s.cell, s.state])).toEqual([
      ['X', 'drain'],
      ['Y', 'ready'],
    ]);
    expect(final.state).toBe('rolled-back');
    expectRoutingRestoredFirst(final as RolloutStatus);
    expect(final.events.map((e) => e.type)).toEqual(expect.arrayContaining(['rollback-blocked', 'rollback-unblocked']));
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    expect(await versions(lab)).toEqual(allServers.map((n) => [n, '1.0']));
    expectCleanLoad(report);
  });
  it('three times, then recovers: the rollout succeeds', async () => {
    const started = Date.now();
    const lab = await labAt(3000);
    const load = startLoad(lab.estate, 50);
    // The next three commands (POSTs) fail; reads go through, so drains count as usual.
    await lab.lab.faults.failDmgr({ status: 500, message, count: 3, method: 'POST' });
    const final = await withLabWorker(lab, async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `dmgr-500x3-${Date.now()}`, args: [labRequest(lab.estate, { burnInSeconds: 1, approvals: noGates })] }));
      return resultWithin(handle, 120_000);
    });
    const report = await load.stop();
    printLoad(`dmgr 500 three times, then recovers (${Math.round((Date.now() - started) / 1000)} s)`, report);
    expect(final.state).toBe('succeeded');
    expect(await lab.lab.faults.dmgrFault()).toEqual({ fault: null, remaining: 0, failed: 3 });
    expect(final.events.filter((e) => e.type === 'step-failed')).toEqual([]);
    expect(await versions(lab)).toEqual(allServers.map((n) => [n, '1.1']));
    expectCleanLoad(report);
  });

});
