/**
 * Unknown is not zero, and routing is verified, not assumed: on the lab under session-aware load
 * (40 req/s through the sprayer), a drain does not end while the deployment manager is down, a dead
 * N+1 server stops the rollout before it can succeed, and a real HAProxy reload mid-drain is caught
 * and put back (`drift-corrected`) with no failed request and no lost session.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import type { RolloutStatus } from '../../src/model';
import { approvePhaseUpdate, resumeRolloutUpdate, statusQuery } from '../../workflows/messages';
import { expectCleanLoad, labRequest, loadFigures, recordHistory, routingOf, startLoad, track, waitForState, waitForStatus } from '../support/rollout-harness';
import { labPerTest } from '../support/scenario';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

const rate = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A drain of cell X that has sessions to wait for. */
function drainingX(handle: WorkflowHandle): Promise<RolloutStatus> {
  return waitForStatus(handle, (s) => s.currentStep === 'X.drain' && (s.drain?.servers.some((x) => (x.sessions ?? 0) > 0) ?? false), 'a drain of cell X with sessions left');
}

describe('unknown is not zero, and routing is verified', () => {
  const scenario = labPerTest(2000);
  const withWorker = scenario.withWorker;

  it('does not end a drain while the deployment manager is down: the counts are unknown, and shown', async () => {
    const lab = scenario.lab();
    const load = startLoad(lab.estate, rate);
    const final = await withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `unknown-${Date.now()}`, args: [labRequest(lab.estate, { burnInSeconds: 1 })] }));
      await drainingX(handle);
      await lab.lab.faults.stopDmgr();
      const unknown = await waitForStatus(handle, (s) => (s.drain?.servers ?? []).length === 3 && (s.drain?.servers ?? []).every((x) => x.sessions === null && x.problem !== undefined), 'unknown counts');
      const details = ((await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string }).currentDetails ?? '';
      expect(details).toContain('| ServerX1 | unknown (');
      expect(details).toContain('Unknown is not zero');
      // Longer than a lab session lives idle: the sessions are gone, but nobody can tell, so the drain goes on.
      await sleep(8000);
      const still = await handle.query(statusQuery);
      expect([still.state, still.currentStep, still.steps.find((s) => s.id === 'X.drain')?.status]).toEqual(['draining', 'X.drain', 'running']);
      expect(unknown.drain?.servers.map((x) => x.name)).toEqual(['ServerX1', 'ServerX2', 'ServerX3']);
      await lab.lab.faults.startDmgr();
      await waitForState(handle, 'awaiting-approval');
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice' }] });
      return await rolloutOutcome(handle);
    });
    const report = await load.stop();
    process.stderr.write(`drain with the dmgr down: ${JSON.stringify(loadFigures(report))}\n`);
    expect(final.state).toBe('succeeded');
    expect(final.events.find((e) => e.type === 'drained' && e.stepId === 'X.drain')).toBeDefined();
    expectCleanLoad(report);
  });

  it('catches a dead N+1 server before success: the rollout pauses for a person, and a resume checks again', async () => {
    const lab = scenario.lab();
    const load = startLoad(lab.estate, rate);
    const { final, paused } = await withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `dead-${Date.now()}`, args: [labRequest(lab.estate, { burnInSeconds: 1 })] }));
      await waitForState(handle, 'awaiting-approval');
      // ServerX1 already runs 1.1; it dies while the rollout waits at the cell-Y gate.
      await lab.lab.faults.killServer('ServerX1');
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice' }] });
      const held = await waitForState(handle, 'paused');
      // A person repairs the server, then resumes: the check runs again.
      await createLabAppServer(lab.estate).startServers(['ServerX1']);
      await handle.executeUpdate(resumeRolloutUpdate, { args: [{ by: 'alice' }] });
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cell-dead-server');
      return { final: result, paused: held };
    });
    const report = await load.stop();
    process.stderr.write(`dead N+1 server: ${JSON.stringify(loadFigures(report))}\n`);
    expect(paused.currentStep).toBe('cell-Y.verify');
    expect(paused.deadServers).toEqual([{ name: 'ServerX1', problem: expect.any(String) }]);
    expect(paused.events).toContainEqual(expect.objectContaining({ type: 'dead-server', stepId: 'cell-Y.verify' }));
    expect(final.state).toBe('succeeded');
    expect(final.events.filter((e) => e.type === 'servers-verified').map((e) => e.stepId)).toEqual(['cell-X.verify', 'cell-Y.verify']);
    expect((await lab.servers()).map((s) => [s.name, s.version, s.running])).toEqual(['ServerX1', 'ServerX2', 'ServerX3', 'ServerY1', 'ServerY2', 'ServerY3'].map((n) => [n, '1.1', true]));
    // Killing a server loses its sessions (they fail over); nothing else may fail.
    expect(report.versionFlips).toBe(0);
  });

  it('fails the check by policy (verify.onDeadServer: fail), and the first phase rolls back', async () => {
    const lab = scenario.lab();
    const before = await lab.routing();
    const load = startLoad(lab.estate, rate);
    const final = await withWorker(async (client, taskQueue) => {
      const request = labRequest(lab.estate, { burnInSeconds: 4, verify: { onDeadServer: 'fail' } });
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `dead-fail-${Date.now()}`, args: [request] }));
      await waitForStatus(handle, (s) => s.currentStep === 'X.burn-in', 'the burn-in of cell X');
      await lab.lab.faults.killServer('ServerX2');
      return await rolloutOutcome(handle);
    });
    const report = await load.stop();
    process.stderr.write(`dead N+1 server, policy fail: ${JSON.stringify(loadFigures(report))}\n`);
    expect(final.state).toBe('rolled-back');
    expect(final.reason).toMatch(/^step cell-X\.verify failed: ServerX2: .*; they should run 1\.1$/);
    expect(final.events).toContainEqual(expect.objectContaining({ type: 'rollback-requested', message: expect.stringMatching(/\(a failure in the first phase always rolls back\)$/) }));
    expect(final.steps.find((s) => s.id === 'cell-X.verify')?.status).toBe('failed');
    expect(routingOf(await lab.routing())).toEqual(routingOf(before));
    expect(report.versionFlips).toBe(0);
  });

  it('puts back a drain that a real HAProxy reload undid, with no failed request and no lost session', async () => {
    const lab = scenario.lab();
    const load = startLoad(lab.estate, rate);
    const final = await withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId: `reload-${Date.now()}`, args: [labRequest(lab.estate, { burnInSeconds: 1 })] }));
      await drainingX(handle);
      await lab.lab.faults.reloadSprayer();
      const corrected = await waitForStatus(handle, (s) => s.events.some((e) => e.type === 'drift-corrected'), 'the drift correction');
      expect(corrected.events.find((e) => e.type === 'drift-corrected')?.message).toMatch(/X_webX1 is ready \(weight 1\), turnout set drain/);
      expect((await lab.routing()).servers.filter((s) => s.cell === 'X').map((s) => s.state)).toEqual(['drain']);
      await waitForState(handle, 'awaiting-approval');
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice' }] });
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'multi-cell-reload-mid-drain');
      return result;
    });
    const report = await load.stop();
    process.stderr.write(`HAProxy reload mid-drain: ${JSON.stringify(loadFigures(report))}\n`);
    expect(final.state).toBe('succeeded');
    expectCleanLoad(report);
  });
});
