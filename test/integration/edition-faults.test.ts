/**
 * editionRollout when things go wrong (seed 003, "Results"): N+1 that fails to start on a member of
 * the first group (the rollout fails, N stays active) or of a later group (the rollout completes,
 * the member is set aside), a rollback in the middle of the second group, a second rollout of the
 * same target, and validation mode on the lab's dormant cluster as the clone. Load at 50 req/s runs
 * through every scenario: no failed request, no lost session, no version flip.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { createLabNaming } from '../../src/drivers/naming/lab-naming';
import type { Estate } from '../../src/model';
import { approvePhaseUpdate, requestRollbackUpdate } from '../../workflows/messages';
import { editionMembers, editionRequest, eventIndex, versionsOf } from '../support/edition';
import { expectCleanLoad, expectRoutingRestoredFirst, loadFigures, recordHistory, routingOf, startLoad, track, waitForState, waitForStatus } from '../support/rollout-harness';
import { labPerTest } from '../support/scenario';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';
import { appServersOf, expectAppServersAsAt } from '../support/app-servers';

const allOn = (version: string) => Object.fromEntries(editionMembers.map((m) => [m, version]));

function naming(estate: Estate) {
  const url = estate.naming?.url;
  if (!url) throw new Error('the edition lab has a naming service');
  return createLabNaming(url);
}

/** One GET through a URL: status and the version the app answered with. */
async function answer(url: string): Promise<{ status: number; version?: string }> {
  const res = await fetch(url).catch(() => undefined);
  if (!res) return { status: 0 };
  const body = (await res.json().catch(() => ({}))) as { version?: string };
  return { status: res.status, ...(body.version ? { version: body.version } : {}) };
}

describe('editionRollout faults, rollback and validation, under load', () => {
  const t = labPerTest(40000, 'lab-edition.json');

  it('N+1 broken on a first-group member: the rollout fails, every member serves 1.0, routing equals the start', async () => {
    const lab = t.lab();
    const routingBefore = routingOf(await lab.routing());
    const serversBefore = await appServersOf(lab.estate);
    const load = startLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const request = editionRequest(lab.estate, { groupSize: 2 }, { artifact: 'lab:broken-on=ServerE2' });
      const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-broken-first-${Date.now()}`, args: [request] }));
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'edition-broken-first-group');
      return result;
    });
    const report = await load.stop();
    console.log('broken first group', JSON.stringify(loadFigures(report)));
    expect(final.state).toBe('rolled-back');
    expect(final.reason).toMatch(/first group failed to take 2\.0 \(ServerE2: .*\); 1\.0 stays the active edition/);
    expect(await versionsOf(lab.estate)).toEqual(allOn('1.0'));
    expect(routingOf(await lab.routing())).toEqual(routingBefore);
    await expectAppServersAsAt(lab.estate, serversBefore);
    // Routing came back first, before any member was repaired.
    expect(final.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => s.id)[0]).toBe('rollback.routing');
    expectCleanLoad(report);
  });

  it('N+1 broken on a later-group member: the rollout succeeds, the member listed for a person and out of routing', async () => {
    const lab = t.lab();
    const load = startLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const request = editionRequest(lab.estate, { groupSize: 2 }, { artifact: 'lab:broken-on=ServerE4' });
      const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-broken-later-${Date.now()}`, args: [request] }));
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'edition-broken-later-group');
      return result;
    });
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    expect(final.attention?.map((a) => a.name)).toEqual(['ServerE4']);
    const routing = await lab.routing();
    expect(routing.servers.find((s) => s.name === 'ServerE4')?.state).not.toBe('ready');
    expect(routing.servers.filter((s) => s.state === 'ready').map((s) => s.name).sort()).toEqual(['ServerE1', 'ServerE2', 'ServerE3', 'ServerE5', 'ServerE6']);
    const versions = await versionsOf(lab.estate);
    expect({ ...versions, ServerE4: 'set aside' }).toEqual({ ...allOn('2.0'), ServerE4: 'set aside' });
    expectCleanLoad(report);
  });

  it('rollback in the middle of the second group: routing is restored first, and every member ends on 1.0', async () => {
    const lab = t.lab();
    const routingBefore = routingOf(await lab.routing());
    const serversBefore = await appServersOf(lab.estate);
    const load = startLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const request = editionRequest(lab.estate, { groupSize: 2 }, { approvals: { phases: ['group-2'], timeoutSeconds: 3600, onTimeout: 'wait' } });
      const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-rollback-${Date.now()}`, args: [request] }));
      await waitForState(handle, 'awaiting-approval');
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'group-2' }] });
      await waitForStatus(handle, (s) => s.currentStep?.startsWith('group-2.') === true && s.currentStep !== 'group-2.approval', 'the second group under way');
      await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'bob', reason: 'mid-group drill' }] });
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'edition-rollback-mid-group');
      return result;
    });
    const report = await load.stop();
    expectRoutingRestoredFirst(final);
    expect(await versionsOf(lab.estate)).toEqual(allOn('1.0'));
    expect(routingOf(await lab.routing())).toEqual(routingBefore);
    await expectAppServersAsAt(lab.estate, serversBefore);
    expect(final.steps.filter((s) => s.id.startsWith('rollback.')).at(-1)).toMatchObject({ id: 'rollback.app-servers', status: 'done' });
    expectCleanLoad(report);
  });

  it('a second editionRollout of the same target is refused, naming the first; nothing is touched; the first rolls back from validation, its clone as at the start', async () => {
    const lab = t.lab();
    const serversBefore = await appServersOf(lab.estate);
    await t.withWorker(async (client, taskQueue) => {
      const gated = editionRequest(lab.estate, { groupSize: 2, validation: { clone: 'ClusterV' } });
      const first = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-first-${Date.now()}`, args: [gated] }));
      expect((await waitForState(first, 'awaiting-approval')).pendingApproval?.phase).toBe('validation');
      const routing = routingOf(await lab.routing());
      const second = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-second-${Date.now()}`, args: [editionRequest(lab.estate)] }));
      const err = await second.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as { type?: string; message?: string };
      expect(cause.type).toBe('TargetBusy');
      expect(cause.message).toContain(`is already running: ${first.workflowId}; nothing was touched`);
      expect(routingOf(await lab.routing())).toEqual(routing);
      await first.executeUpdate(requestRollbackUpdate, { args: [{ by: 'test', reason: 'done' }] });
      const rolledBack = await rolloutOutcome(first);
      expect(rolledBack.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => [s.id, s.status])).toEqual([['rollback.clone', 'done'], ['rollback.app-servers', 'done']]);
      expect(rolledBack.steps.filter((s) => s.undoneAt !== undefined).map((s) => s.id)).toEqual(['validation.install', 'validation.start', 'validation.bindings']);
    });
    // The clone ClusterV is stopped again and holds 1.0 under test_vhost, as before its 2.0 install.
    await expectAppServersAsAt(lab.estate, serversBefore);
  });

  it('validation mode: the clone answers 2.0 only on the test route under -validation bindings; after approval the cluster runs 2.0 and the clone is gone', async () => {
    const lab = t.lab();
    const names = naming(lab.estate);
    const listen = lab.estate.sprayer?.listen;
    const test = lab.estate.sprayer?.testListen;
    const load = startLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const request = editionRequest(lab.estate, { rolloutType: 'atomic', validation: { clone: 'ClusterV' } });
      const handle = track(await client.workflow.start('editionRollout', { taskQueue, workflowId: `ed-validation-${Date.now()}`, args: [request] }));
      const waiting = await waitForState(handle, 'awaiting-approval');
      expect(waiting.pendingApproval?.phase).toBe('validation');
      expect(await answer(`http://127.0.0.1:${test?.port}/user/hit`)).toEqual({ status: 200, version: '2.0' });
      expect(await answer(`http://127.0.0.1:${listen?.port}/user/hit`)).toEqual({ status: 200, version: '1.0' });
      expect((await names.list('clusters/ClusterE-validation/')).map((b) => b.name)).toEqual(['clusters/ClusterE-validation/jdbc/CustomerData', 'clusters/ClusterE-validation/jms/OrderQueue']);
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'validation', comment: 'clone looks right' }] });
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'edition-validation');
      return result;
    });
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    expect(await versionsOf(lab.estate)).toEqual(allOn('2.0'));
    expect((await lab.servers()).filter((s) => s.cluster === 'ClusterV').map((s) => s.running)).toEqual([false, false]);
    expect((await answer(`http://127.0.0.1:${test?.port}/user/hit`)).status).not.toBe(200);
    expect(await names.list('clusters/ClusterE-validation/')).toEqual([]);
    expect((await names.list('clusters/ClusterE/')).map((b) => b.name)).toEqual(['clusters/ClusterE/jdbc/CustomerData', 'clusters/ClusterE/jms/OrderQueue']);
    expect(eventIndex(final, 'validation-promoted')).toBeGreaterThan(eventIndex(final, 'step-done', 'second-half.route'));
    expectCleanLoad(report);
  });
});
