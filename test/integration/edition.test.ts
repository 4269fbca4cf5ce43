/**
 * editionRollout end to end (seed 003): the real dev server, real HAProxy as the on-demand router in
 * front of six lab members, and session-aware load at 50 req/s through it for the whole of every
 * scenario: no failed request, no lost session, no version flip. Atomic and grouped rollouts, soft
 * and hard resets, and the drainage interval's three behaviours.
 */
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { createHaproxySprayer } from '../../src/drivers/sprayer/haproxy-sprayer';
import { editionMembers, editionRequest, eventIndex, pidsOf, versionsOf } from '../support/edition';
import { expectCleanLoad, loadFigures, recordHistory, routingOf, startLoad, track, waitForStatus } from '../support/rollout-harness';
import { labPerTest } from '../support/scenario';
import { keepSession, waitForKeeperRequests } from '../support/session-keeper';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

const allOn = (version: string) => Object.fromEntries(editionMembers.map((m) => [m, version]));

describe('editionRollout on the lab, under load', () => {
  const t = labPerTest(30000, 'lab-edition.json');

  it('atomic with soft reset: every member on 2.0 with its PID unchanged, and never both editions taking new sessions', async () => {
    const lab = t.lab();
    const pids = await pidsOf(lab.estate);
    const routingBefore = routingOf(await lab.routing());
    const load = startLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-atomic-${Date.now()}`, args: [editionRequest(lab.estate, { rolloutType: 'atomic', reset: 'soft' })] }));
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'edition-atomic-soft');
      return result;
    });
    const report = await load.stop();
    console.log('atomic soft', JSON.stringify({ ...loadFigures(report), duration: final.duration }));
    expect(final.state).toBe('succeeded');
    expect(await versionsOf(lab.estate)).toEqual(allOn('2.0'));
    expect(await pidsOf(lab.estate)).toEqual(pids);
    expect(routingOf(await lab.routing())).toEqual(routingBefore);
    expectCleanLoad(report, { mixedEditionSeconds: 0 });
    expect(final.duration).toMatchObject({ seedEstimateSeconds: 2 * 900, actualSeconds: expect.any(Number) });
    // The quiesce waits ended as soon as nothing was in flight, not at their limits.
    expect(final.events.filter((e) => e.type === 'quiesced').map((e) => e.stepId)).toEqual(['first-half.quiesce-router', 'first-half.quiesce-server', 'second-half.quiesce-router', 'second-half.quiesce-server']);
  });

  it('grouped in twos with hard reset: every member on 2.0 in a new process', async () => {
    const lab = t.lab();
    const pids = await pidsOf(lab.estate);
    const load = startLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-grouped-${Date.now()}`, args: [editionRequest(lab.estate, { rolloutType: 'grouped', groupSize: 2, reset: 'hard' })] }));
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'edition-grouped-hard');
      return result;
    });
    const report = await load.stop();
    console.log('grouped hard', JSON.stringify({ ...loadFigures(report), duration: final.duration }));
    expect(final.state).toBe('succeeded');
    expect(await versionsOf(lab.estate)).toEqual(allOn('2.0'));
    const after = await pidsOf(lab.estate);
    for (const m of editionMembers) {
      expect(after[m]).toEqual(expect.any(Number));
      expect(after[m]).not.toBe(pids[m]);
    }
    expectCleanLoad(report);
  });

  it('drainage interval 0: a member resets only once its last session has ended', async () => {
    const lab = t.lab();
    const keeper = keepSession(lab.estate, 'ServerE1');
    await waitForKeeperRequests(keeper, 2);
    const load = startLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-drain0-${Date.now()}`, args: [editionRequest(lab.estate, { groupSize: 3, drainageIntervalSeconds: 0 })] }));
      await waitForStatus(handle, (s) => s.currentStep === 'group-1.drain' && (s.drain?.servers.find((d) => d.name === 'ServerE1')?.sessions ?? 0) > 0, 'group-1 draining with the kept session on ServerE1');
      const keeperReport = await keeper.stop();
      expect(keeperReport.lostSessions).toBe(0);
      const stoppedAt = new Date().toISOString();
      const result = await rolloutOutcome(handle);
      // The drain ended after the keeper walked away and its session idled out, and the reset came after the drain.
      const drained = result.events[eventIndex(result, 'drained', 'group-1.drain')];
      expect(drained?.at && drained.at >= stoppedAt).toBe(true);
      expect(eventIndex(result, 'drained', 'group-1.drain')).toBeLessThan(eventIndex(result, 'step-started', 'group-1.reset'));
      return result;
    });
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    expectCleanLoad(report);
  });

  it('drainage interval above 0 with a long session: the member resets when the interval ends, not when the session does', async () => {
    const lab = t.lab();
    const keeper = keepSession(lab.estate, 'ServerE1');
    await waitForKeeperRequests(keeper, 2);
    const load = startLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-drain10-${Date.now()}`, args: [editionRequest(lab.estate, { groupSize: 3, drainageIntervalSeconds: 10 })] }));
      const result = await rolloutOutcome(handle);
      return result;
    });
    // The keeper never stopped: the interval, not the session, ended the drain.
    const keeperReport = await keeper.stop();
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    expectCleanLoad(report);
    const timeout = final.events[eventIndex(final, 'drain-timeout', 'group-1.drain')];
    expect(timeout?.message).toMatch(/drainage interval \(10s\).*ServerE1 [1-9]/);
    expect(eventIndex(final, 'drain-timeout', 'group-1.drain')).toBeLessThan(eventIndex(final, 'step-started', 'group-1.reset'));
    // Its session was on a member that reset: that loss is what the interval bounds, and what a person chose.
    expect(keeperReport.lostSessions + keeperReport.versionFlips).toBeGreaterThan(0);
  });

  it('fullDrainageInterval: the whole interval passes even on members with no session; a member stopped before the rollout starts on 2.0', async () => {
    const lab = t.lab();
    // ServerE6 was stopped, and taken out of routing, before the rollout (seed 003: it is started with the new edition).
    await createLabAppServer(lab.estate).stopServers(['ServerE6']);
    await createHaproxySprayer(lab.estate, { baseDir: lab.dir }).setServerStates({ ServerE6: 'maint' });
    const load = startLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-full-${Date.now()}`, args: [editionRequest(lab.estate, { groupSize: 3, drainageIntervalSeconds: 8, fullDrainageInterval: true })] }));
      return await rolloutOutcome(handle);
    });
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    expectCleanLoad(report);
    const drained = final.events[eventIndex(final, 'drained', 'group-1.drain')];
    expect(drained?.message).toContain('the full drainage interval of 8s has passed');
    expect(await versionsOf(lab.estate)).toEqual(allOn('2.0'));
    expect(eventIndex(final, 'drained', 'group-1.drain')).toBeLessThan(eventIndex(final, 'step-started', 'group-1.reset'));
  });
});
