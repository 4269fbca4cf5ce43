/**
 * An app server SIGKILLed in the first cell of a multiCellRollout, under load at 50 req/s: the
 * check at the end of the cell finds it dead and, the cell being the first phase, the rollout rolls
 * back on its own (whatever `verify.onDeadServer` says). The load report's losses are exactly the
 * sessions that lived on the killed server: no failed request, lost session or version flip
 * anywhere else.
 */
import { createLabSessionCounter } from '../../src/drivers/sessions/lab-sessions';
import { sleep } from '../../src/lab/process-utils';
import { expectRoutingRestoredFirst, labRequest, recordHistory, resultWithin, routingOf, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { expectLossesOnlyOn, printLoad, withLabWorker } from '../support/fault-scenario';

const killed = 'ServerX2';

describe('an app server killed in the first cell', () => {
  let lab: ScenarioLab | undefined;
  afterAll(async () => {
    stopAllLoad();
    await terminateLeftovers();
    await lab?.stop();
  });

  it('rolls back on its own, and the load loses only the sessions of the killed server', async () => {
    lab = await startScenarioLab(1500);
    const started = Date.now();
    const before = routingOf(await lab.routing());
    const load = startLoad(lab.estate, 50);
    const counter = createLabSessionCounter(lab.estate);
    const final = await withLabWorker(lab, async (client, taskQueue) => {
      const request = labRequest(lab!.estate, { burnInSeconds: 6, rollback: { retryIntervalSeconds: 2 } });
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `killed-${Date.now()}`, args: [request] }));
      await waitForStatus(handle, (s) => s.currentStep === 'X.burn-in', 'the burn-in of cell X');
      // Killed while users hold sessions on it: those, and only those, may be lost.
      for (let i = 0; i < 40 && ((await counter.liveSessions([killed]))[0]?.sessions ?? 0) < 2; i++) await sleep(100);
      await lab!.lab.faults.killServer(killed);
      const result = await resultWithin(handle, 90_000);
      await recordHistory(client, handle.workflowId, 'fault-app-server-killed');
      return result;
    });
    const report = await load.stop();
    printLoad(`app server ${killed} killed in the first cell (${Math.round((Date.now() - started) / 1000)} s)`, report);

    expect(final.state).toBe('rolled-back');
    expect(final.reason).toMatch(new RegExp(`^step cell-X\\.verify failed: ${killed}: .*; they should run 1\\.1$`));
    expect(final.events).toContainEqual(expect.objectContaining({ type: 'rollback-requested', message: expect.stringMatching(/\(a failure in the first phase always rolls back\)$/) }));
    expect(final.deadServers).toEqual([{ name: killed, problem: expect.any(String) }]);
    expectRoutingRestoredFirst(final);
    expect(routingOf(await lab.routing())).toEqual(before);
    expect((await lab.servers()).map((s) => [s.name, s.version])).toEqual(['ServerX1', 'ServerX2', 'ServerX3', 'ServerY1', 'ServerY2', 'ServerY3'].map((n) => [n, '1.0']));
    expectLossesOnlyOn(report, killed);
  });
});
