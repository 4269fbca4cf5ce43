/**
 * singleCellRollout end to end (seed 002, steps A-F): the real dev server, real HAProxy in front of
 * two lab HTTP servers whose plug-ins route by plugin-cfg.xml, and session-aware load at 50 req/s
 * through the sprayer for the whole of every scenario.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { finalPluginCfg, mergePluginCfg, pluginCfgServers } from '../../src/drivers/plugin-cfg';
import type { Estate } from '../../src/model';
import { approvePhaseUpdate, requestRollbackUpdate } from '../../workflows/messages';
import { expectCleanLoad, labRequest, recordHistory, summariesOf, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForState, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { testClient, withTestWorker } from '../support/temporal';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';
import { appServersOf, expectAppServersAsAt } from '../support/app-servers';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');

/** Every HTTP server's plugin-cfg.xml, as bytes. */
function pluginCfgFiles(estate: Estate): Record<string, string> {
  return Object.fromEntries(estate.cells.flatMap((c) => c.httpServers).map((h) => [h.name, readFileSync(h.pluginCfg.path).toString('base64')]));
}

function singleCellRequest(estate: Estate, over: Record<string, unknown> = {}): Record<string, unknown> {
  return labRequest(estate, { procedure: 'singleCellRollout', strategy: { firstGroupSize: 1, groupSize: 2 }, ...over });
}

describe('singleCellRollout on the lab, under load', () => {
  let lab: ScenarioLab;
  let offset = 17500;

  beforeEach(async () => {
    lab = await startScenarioLab((offset += 500), 'lab-single-cell.json');
  });
  afterEach(async () => {
    stopAllLoad();
    await terminateLeftovers();
    await lab?.stop();
  });

  async function run<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const client = await testClient();
    return withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir }), ({ taskQueue }) => fn(client, taskQueue));
  }

  it('moves ClusterY into production one node first, then the rest, and ends on its own plugin-cfg.xml', async () => {
    const generated = await createLabAppServer(lab.estate).generatePluginCfg('X');
    const load = startLoad(lab.estate);
    const final = await run(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('singleCellRollout', { taskQueue, workflowId: `sc-a-${Date.now()}`, args: [singleCellRequest(lab.estate)] }));
      expect((await waitForState(handle, 'awaiting-approval')).pendingApproval?.phase).toBe('transition');
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'transition', comment: 'ClusterY tested' }] });
      const firstGroup = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'remaining', 'the gate after the first group');
      expect(firstGroup.steps.find((s) => s.id === 'D.group-1')?.status).toBe('done');
      // After the first group: ServerY1 takes new sessions beside ServerX2 and ServerX3; ServerX1 only keeps its own.
      const weights = Object.fromEntries(pluginCfgServers(readFileSync(lab.estate.cells[0]!.httpServers[0]!.pluginCfg.path, 'utf8')).filter((s) => s.cluster === 'ClusterX').map((s) => [s.name, s.weight]));
      expect(weights).toEqual({ ServerX1: 0, ServerX2: 2, ServerX3: 2, ServerY1: 2 });
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'bob', phase: 'remaining' }] });
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'single-cell-succeeded');
      // The UI's timeline reads like the plan: activities and timers carry the steps' titles.
      const summaries = await summariesOf(client, handle.workflowId);
      const titles = result.steps.map((s) => s.title);
      expect(summaries).toEqual(expect.arrayContaining([titles.find((t) => t.startsWith('D.2 Move ServerY1')), titles.find((t) => t.startsWith('Burn in the first group')), 'Plug-ins re-read the transition plugin-cfg.xml (2 × RefreshInterval = 4s)']));
      return result;
    });
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    // The routing guard watched every wait and found nothing to put back: no false drift.
    expect(final.events.filter((e) => e.type === 'drift-corrected' || e.type === 'dead-server')).toEqual([]);
    expectCleanLoad(report);
    const planned = Buffer.from(finalPluginCfg(generated, { active: 'ClusterX', incoming: 'ClusterY' })).toString('base64');
    expect(Object.values(pluginCfgFiles(lab.estate))).toEqual([planned, planned]);
    const servers = await lab.servers();
    expect(servers.map((s) => [s.name, s.running, s.running ? s.version : '-'])).toEqual([
      ['ServerX1', false, '-'], ['ServerX2', false, '-'], ['ServerX3', false, '-'],
      ['ServerY1', true, '1.1'], ['ServerY2', true, '1.1'], ['ServerY3', true, '1.1'],
    ]);
  });

  it('rolls back during the transition: every plugin-cfg.xml byte-identical to the start, the app servers as at the start, sessions kept', async () => {
    const before = pluginCfgFiles(lab.estate);
    const serversBefore = await appServersOf(lab.estate);
    const load = startLoad(lab.estate);
    const final = await run(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('singleCellRollout', { taskQueue, workflowId: `sc-b-${Date.now()}`, args: [singleCellRequest(lab.estate, { approvals: { phases: ['remaining'] } })] }));
      await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'remaining', 'the gate after the first group');
      const rolling = await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'carol', reason: 'error rate on ServerY1' }] });
      expect(rolling.state).toBe('rolling-back');
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, 'single-cell-rolled-back');
      return result;
    });
    const report = await load.stop();
    expect(final.state).toBe('rolled-back');
    // The rollback's own drains are guarded with the rollback's routing: nothing of the rollout's is put back.
    expect(final.events.filter((e) => e.type === 'drift-corrected')).toEqual([]);
    expect(final.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => [s.id, s.status])).toEqual([
      ['rollback.routing', 'done'], ['rollback.drain', 'done'], ['rollback.plugin-cfg', 'done'], ['rollback.stop', 'done'], ['rollback.app-servers', 'done'],
    ]);
    expect(pluginCfgFiles(lab.estate)).toEqual(before);
    expectCleanLoad(report);
    // ClusterY is stopped again and holds 1.0 on test_vhost, as before: not 1.1 on prod_vhost (issue 16).
    await expectAppServersAsAt(lab.estate, serversBefore);
    expect(serversBefore.filter((s) => s.cluster === 'ClusterY').map((s) => [s.version, s.virtualHost, s.running])).toEqual(Array(3).fill(['1.0', 'test_vhost', false]));
    expect(final.events.find((e) => e.type === 'app-servers-restored')?.message).toBe('ClusterY: installed 1.0 under test_vhost');
    // B.1 (1.1 under test_vhost) and D.1 (prod_vhost) are marked undone, with the time.
    const undone = final.steps.filter((s) => s.undoneAt !== undefined).map((s) => [s.id, s.status]);
    expect(undone).toEqual(expect.arrayContaining([['B.install', 'undone'], ['B.start', 'undone'], ['D.production-vhost', 'undone'], ['D.group-1', 'undone']]));
    expect(final.steps.find((s) => s.id === 'B.smoke-test')?.status).toBe('done');
  });

  it('covers the dormant-cell variation: one file merged from both cells on every HTTP server', async () => {
    await lab.stop();
    lab = await startScenarioLab((offset += 500), 'lab.json');
    const admin = createLabAppServer(lab.estate);
    const generated = mergePluginCfg(await admin.generatePluginCfg('X'), await admin.generatePluginCfg('Y'));
    const load = startLoad(lab.estate);
    const final = await run(async (client, taskQueue) => {
      const request = singleCellRequest(lab.estate, { approvals: { phases: [] }, strategy: { dormantCell: 'Y', firstGroupSize: 1, groupSize: 2 } });
      const handle = track(await client.workflow.start('singleCellRollout', { taskQueue, workflowId: `sc-c-${Date.now()}`, args: [request] }));
      return await rolloutOutcome(handle);
    });
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    // The routing guard watched every wait and found nothing to put back: no false drift.
    expect(final.events.filter((e) => e.type === 'drift-corrected' || e.type === 'dead-server')).toEqual([]);
    expectCleanLoad(report);
    const planned = Buffer.from(finalPluginCfg(generated, { active: 'ClusterX', incoming: 'ClusterY' })).toString('base64');
    expect(pluginCfgFiles(lab.estate)).toEqual({ webX1: planned, webY1: planned });
    expect((await lab.servers()).filter((s) => s.running).map((s) => [s.name, s.version])).toEqual([['ServerY1', '1.1'], ['ServerY2', '1.1'], ['ServerY3', '1.1']]);
  });
});
