/**
 * Someone else rewrites plugin-cfg.xml in the middle of a singleCellRollout's transition (issue 13):
 * the rollout stops at the next step boundary at a `foreign-write` gate, with the diff in the status
 * and Current details, and goes on or rolls back on the operator's word. One lab for both cases,
 * under session-aware load at 50 req/s; webX1's file is reached over a real sshd, webX2's locally.
 * Prints how long the foreign write took to show in the status.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../activities';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { applyEdits, editBetween } from '../../src/drivers/config-file/foreign-edit';
import { finalPluginCfg, pluginCfgServers } from '../../src/drivers/plugin-cfg';
import type { Estate, RolloutStatus } from '../../src/model';
import { approvePhaseUpdate, requestRollbackUpdate, statusQuery } from '../../workflows/messages';
import { expectCleanLoad, labRequest, loadFigures, recordHistory, resultWithin, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { startTestSshd, type TestSshd } from '../support/sshd';
import { testClient, withTestWorker } from '../support/temporal';
import path from 'node:path';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');
/** An operator turns on the plug-in's trace: harmless to routing, so the load stays clean. */
const traceLine = '  <Log LogLevel="Trace" Name="/tmp/turnout-foreign-write/http_plugin.log"/>';

describe('plugin-cfg.xml rewritten by someone else mid-transition, under load', () => {
  let lab: ScenarioLab;
  let sshd: TestSshd;
  let estate: Estate;
  const env = { ...process.env };

  beforeAll(async () => {
    // Plug-ins re-read every second: each file's pickup (2 × RefreshInterval) takes 2 s, not 4.
    const everySecond = (e: Estate): void => e.cells.forEach((c) => c.httpServers.forEach((h) => (h.refreshIntervalSeconds = 1)));
    sshd = await startTestSshd();
    lab = await startScenarioLab(14500, 'lab-single-cell.json', everySecond);
    // The in-process worker's ssh store reads these (src/drivers/config-file).
    process.env.TURNOUT_SSH_KNOWN_HOSTS = sshd.knownHostsFile;
    process.env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING = 'accept-new';
    estate = structuredClone(lab.estate);
    const webX1 = estate.cells[0]!.httpServers[0]!;
    webX1.pluginCfg = { kind: 'ssh', host: sshd.host, port: sshd.port, user: sshd.user, keyFile: sshd.keyFile, path: webX1.pluginCfg.path };
  });
  afterAll(async () => {
    stopAllLoad();
    await terminateLeftovers();
    process.env = env;
    await Promise.all([lab?.stop(), sshd?.stop()]);
  });

  const files = (): Record<string, string> => Object.fromEntries(lab.estate.cells[0]!.httpServers.map((h) => [h.name, readFileSync(h.pluginCfg.path, 'latin1')]));
  const pathOf = (name: string): string => lab.estate.cells[0]!.httpServers.find((h) => h.name === name)!.pluginCfg.path;

  /** Someone else's write: whole, by rename, as an editor or WebSphere's propagation would leave it. */
  function foreignWrite(names: string[]): { before: string; after: string; at: number } {
    const before = readFileSync(pathOf(names[0]!), 'latin1');
    const after = before.replace(/(<Config [^>]*>\n)/, `$1${traceLine}\n`);
    expect(after).not.toBe(before);
    for (const name of names) {
      writeFileSync(`${pathOf(name)}.foreign`, after, 'latin1');
      renameSync(`${pathOf(name)}.foreign`, pathOf(name));
    }
    return { before, after, at: Date.now() };
  }

  /** Milliseconds from the write until the status shows it. */
  async function noticedAfter(handle: WorkflowHandle, at: number): Promise<{ ms: number; status: RolloutStatus }> {
    for (;;) {
      const status = (await handle.query(statusQuery)) as RolloutStatus;
      if (status.foreignWrite) return { ms: Date.now() - at, status };
      if (Date.now() - at > 20_000) throw new Error(`the foreign write was not noticed in 20 s: ${JSON.stringify(status.events.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const currentDetails = async (handle: WorkflowHandle): Promise<string> => ((await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string }).currentDetails ?? '';

  async function run<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const client = await testClient();
    return withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir }), ({ taskQueue }) => fn(client, taskQueue));
  }

  /** One manual gate, `phase`; no burn-in: the test waits only for what it checks. */
  const request = (phase: string) => labRequest(estate, { procedure: 'singleCellRollout', approvals: { phases: [phase] }, burnInSeconds: 0, strategy: { firstGroupSize: 1, groupSize: 2 } });

  /** Starts a rollout and waits at the gate of `phase`. */
  async function toGate(client: Client, taskQueue: string, id: string, phase: string): Promise<WorkflowHandle> {
    const handle = track(await client.workflow.start('singleCellRollout', { taskQueue, workflowId: `${id}-${Date.now()}`, args: [request(phase)] }));
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === phase, `the ${phase} gate`);
    return handle;
  }

  /**
   * The foreign write is noticed while the rollout waits at the gate of `phase`; once the phase is
   * approved, the rollout stops before `next` at its foreign-write gate, with the diff.
   */
  async function atForeignWriteGate(handle: WorkflowHandle, names: string[], label: string, phase: string, next: string): Promise<RolloutStatus> {
    const write = foreignWrite(names);
    const { ms, status } = await noticedAfter(handle, write.at);
    console.log(`[foreign-write] ${label}: noticed ${ms} ms after the write (status.foreignWrite; state ${status.state})`);
    // A poll may read one HTTP server before the write and the other after: the first sighting names some.
    expect(status.foreignWrite?.files).toEqual([expect.objectContaining({ file: 'plugin-cfg.xml', hosts: expect.arrayContaining([expect.stringMatching(/^webX[12]$/)]) })]);
    expect(status.foreignWrite?.files[0]?.diff).toContain(`+${traceLine}`);
    expect(status.foreignWrite?.files[0]?.routing).toBe('no routing changes');
    // The phase gate it was waiting at is answered as usual; the foreign write stops it at the next boundary.
    await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'bob', phase }] });
    const gate = await waitForStatus(handle, (s) => s.pendingApproval?.kind === 'foreign-write', 'the foreign-write gate');
    expect(gate.pendingApproval?.gate).toBe(`${next}.foreign-write`);
    // The gate read every file again: it names each HTTP server holding the foreign bytes.
    expect(gate.foreignWrite?.files.map((f) => f.hosts)).toEqual([names]);
    expect(gate.steps.find((s) => s.id === next)?.status).toBe('pending');
    const details = await currentDetails(handle);
    expect(details).toContain('Someone else rewrote a file turnout manages');
    expect(details).toContain(`+${traceLine}`);
    expect(details).toContain(`--phase ${next}.foreign-write`);
    return gate;
  }

  // The regenerated file is out on every HTTP server and ClusterY answers through the test VIP: the
  // rollout is under way, and its next step would put ClusterY under the production virtual host.
  it('rolls back on the operator\'s word: every plugin-cfg.xml back to its starting bytes', async () => {
    const start = files();
    const load = startLoad(lab.estate);
    const began = Date.now();
    const final = await run(async (client, taskQueue) => {
      const handle = await toGate(client, taskQueue, 'fw-rollback', 'transition');
      await atForeignWriteGate(handle, ['webX1', 'webX2'], 'rollback case', 'transition', 'D.production-vhost');
      await handle.executeUpdate(requestRollbackUpdate, { args: [{ by: 'carol', reason: 'someone changed plugin-cfg.xml under the rollout' }] });
      const result = await resultWithin(handle, 60_000);
      await recordHistory(client, handle.workflowId, 'foreign-write-rolled-back');
      return result;
    });
    const report = await load.stop();
    console.log(`[foreign-write] rollback case: ${Date.now() - began} ms; load ${JSON.stringify(loadFigures(report))}`);
    expect(final.state).toBe('rolled-back');
    expect(final.events.map((e) => e.type)).toEqual(expect.arrayContaining(['foreign-write', 'rolled-back']));
    expect(final.events.filter((e) => e.type === 'drift-corrected' || e.type === 'foreign-write-accepted')).toEqual([]);
    expect(files()).toEqual(start);
    expectCleanLoad(report);
    expect((await lab.servers()).map((s) => [s.name, s.running])).toEqual([
      ['ServerX1', true], ['ServerX2', true], ['ServerX3', true], ['ServerY1', false], ['ServerY2', false], ['ServerY3', false],
    ]);
  });

  it('proceeds on approval, keeping the change on top of every later file, and completes', async () => {
    const generated = await createLabAppServer(lab.estate).generatePluginCfg('X');
    const load = startLoad(lab.estate);
    const began = Date.now();
    let change: ReturnType<typeof editBetween>;
    const final = await run(async (client, taskQueue) => {
      // Mid-transition: the first group (ServerY1) takes production sessions, ServerX1 drains.
      const handle = await toGate(client, taskQueue, 'fw-approve', 'remaining');
      const turnouts = readFileSync(pathOf('webX1'), 'latin1');
      // Only webX1 (over ssh) is rewritten: the approved change goes to every HTTP server.
      await atForeignWriteGate(handle, ['webX1'], 'approve case', 'remaining', 'D.group-2');
      change = editBetween(turnouts, readFileSync(pathOf('webX1'), 'latin1'));
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'dave', phase: 'D.group-2.foreign-write', comment: 'plug-in trace on, keep it' }] });
      const result = await resultWithin(handle, 90_000);
      await recordHistory(client, handle.workflowId, 'foreign-write-approved');
      return result;
    });
    const report = await load.stop();
    console.log(`[foreign-write] approve case: ${Date.now() - began} ms; load ${JSON.stringify(loadFigures(report))}`);
    expect(final.state).toBe('succeeded');
    expect(final.events.map((e) => e.type)).toEqual(expect.arrayContaining(['foreign-write', 'foreign-write-accepted', 'succeeded']));
    expect(final.approvals.map((a) => a.phase)).toEqual(['remaining', 'D.group-2.foreign-write']);
    expect(final.foreignWrite).toBeUndefined();
    // The final file is turnout's own, with the operator's line kept, on both HTTP servers.
    const planned = applyEdits(finalPluginCfg(generated, { active: 'ClusterX', incoming: 'ClusterY' }), [change!]);
    expect(planned).toContain(traceLine);
    expect(files()).toEqual({ webX1: planned, webX2: planned });
    expect(pluginCfgServers(planned).map((s) => `${s.cluster}/${s.name}`)).toEqual(['ClusterY/ServerY1', 'ClusterY/ServerY2', 'ClusterY/ServerY3']);
    expectCleanLoad(report);
    expect((await lab.servers()).filter((s) => s.running).map((s) => [s.name, s.version])).toEqual([['ServerY1', '1.1'], ['ServerY2', '1.1'], ['ServerY3', '1.1']]);
  });
});
