/**
 * The worker is a real `turnout worker` process, killed with SIGKILL while a singleCellRollout waits
 * for the plug-ins to re-read a group's plugin-cfg.xml, and started again. The rollout completes;
 * every HTTP server saw each planned file exactly once, whole, in order: no file was written twice
 * in a way anyone could see.
 */
import { readFileSync } from 'node:fs';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { finalPluginCfg, transitionPluginCfg, zeroWeightsPluginCfg } from '../../src/drivers/plugin-cfg';
import type { Estate } from '../../src/model';
import { labRequest, recordHistory, resultWithin, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { shortSha, watchFiles } from '../support/file-watch';
import { testClient, uniqueTaskQueue } from '../support/temporal';
import { kill9, startWorkerProcess, type WorkerProcess } from '../support/worker-process';

const sha = shortSha;

/** Every HTTP server's plugin-cfg.xml, by server name. */
const pluginCfgFiles = (estate: Estate): Record<string, string> => Object.fromEntries(estate.cells.flatMap((c) => c.httpServers).map((h) => [h.name, h.pluginCfg.path]));

describe('singleCellRollout survives a worker killed while the plug-ins re-read a group', () => {
  let lab: ScenarioLab;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    lab = await startScenarioLab(12500, 'lab-single-cell.json');
  });
  afterAll(async () => {
    stopAllLoad();
    await terminateLeftovers();
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await lab?.stop();
  });

  // Generous: the waits inside name what they waited for well before this runs out.
  jest.setTimeout(360_000);

  it('completes, each file appearing once and whole on every HTTP server', async () => {
    const client = await testClient();
    const taskQueue = uniqueTaskQueue('sc-crash');
    const starts = Object.fromEntries(lab.estate.cells.flatMap((c) => c.httpServers).map((h) => [h.name, sha(readFileSync(h.pluginCfg.path))]));
    const generated = await createLabAppServer(lab.estate).generatePluginCfg('X');
    const pair = { active: 'ClusterX', incoming: 'ClusterY' };
    const all = { servers: ['ServerY1', 'ServerY2', 'ServerY3'], drain: ['ServerX1', 'ServerX2', 'ServerX3'] };
    const planned = [
      sha(generated),
      // Each group is first made known to every plug-in at weight 0, then takes new sessions.
      sha(zeroWeightsPluginCfg(transitionPluginCfg(generated, { ...pair, servers: ['ServerY1'], drain: [] }), { cluster: 'ClusterX', servers: ['ServerY1'] })),
      sha(transitionPluginCfg(generated, { ...pair, servers: ['ServerY1'], drain: ['ServerX1'] })),
      sha(zeroWeightsPluginCfg(transitionPluginCfg(generated, { ...pair, servers: all.servers, drain: ['ServerX1'] }), { cluster: 'ClusterX', servers: ['ServerY2', 'ServerY3'] })),
      sha(transitionPluginCfg(generated, { ...pair, ...all })),
      sha(finalPluginCfg(generated, pair)),
    ];
    const watch = watchFiles(pluginCfgFiles(lab.estate));
    const load = startLoad(lab.estate);
    const first = await startWorkerProcess(taskQueue, lab.dir);
    workers.push(first);
    const request = labRequest(lab.estate, { procedure: 'singleCellRollout', approvals: { phases: [] }, strategy: { firstGroupSize: 1, groupSize: 2 } });
    const handle = track(await client.workflow.start('singleCellRollout', { taskQueue, workflowId: `sc-e-${Date.now()}`, args: [request] }));
    // The group-1 file is out and the workflow waits for the plug-ins to re-read it.
    await waitForStatus(handle, (s) => s.currentStep === 'D.group-1' && Object.values(watch.sequences()).every((seq) => seq.includes(planned[2] as string)), 'the first group written, waiting for RefreshInterval');
    await kill9(first);
    const second = await startWorkerProcess(taskQueue, lab.dir);
    workers.push(second);
    const final = await resultWithin(handle, 150_000, () => workers.map((w, i) => `worker ${i + 1}:\n${w.output().slice(-3000)}`).join('\n'));
    watch.stop();
    await recordHistory(client, handle.workflowId, 'single-cell-worker-killed');
    const report = await load.stop();

    expect(final.state).toBe('succeeded');
    // The routing guard watched every wait and found nothing to put back: no false drift.
    expect(final.events.filter((e) => e.type === 'drift-corrected' || e.type === 'dead-server')).toEqual([]);
    // A file that already holds the planned bytes is not rewritten (the lab starts on the generated file).
    const distinct = (list: string[]): string[] => list.filter((h, i) => h !== list[i - 1]);
    for (const [name, seq] of Object.entries(watch.sequences())) expect(seq).toEqual(distinct([starts[name] as string, ...planned]));
    const ids = final.steps.map((s) => s.id);
    expect(final.events.filter((e) => e.type === 'step-started').map((e) => e.stepId)).toEqual(ids);
    expect({ failed: report.failed, lostSessions: report.lostSessions, versionFlips: report.versionFlips }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0 });
  });
});
