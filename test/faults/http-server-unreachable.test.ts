/**
 * One HTTP server unreachable during a plugin-cfg.xml distribution, under load at 50 req/s: a
 * singleCellRollout whose two HTTP servers are reached over ssh (one real sshd each, on 127.0.0.1),
 * and webX2's sshd stopped before the first group's file goes out. The distribution reads every
 * server first, so it stops before any plug-in sees the new file; after its bounded retries the
 * rollout rolls back. The rollback writes back every server it can reach, stays blocked (and says
 * why) on the one it cannot, and finishes once that server answers again. plugin-cfg.xml on every
 * HTTP server is compared with its starting bytes (sha256) throughout: nothing was ever half-applied.
 */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Estate } from '../../src/model';
import { expectCleanLoad, labRequest, recordHistory, resultWithin, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { printLoad, withLabWorker } from '../support/fault-scenario';
import { shortSha, watchFiles } from '../support/file-watch';
import { startTestSshd, type TestSshd } from '../support/sshd';

/** The same estate, each HTTP server's plugin-cfg.xml reached through its own sshd. */
function overSsh(estate: Estate, sshds: Record<string, TestSshd>): Estate {
  const copy = structuredClone(estate);
  for (const h of copy.cells.flatMap((c) => c.httpServers)) {
    const sshd = sshds[h.name];
    if (!sshd) throw new Error(`no sshd for ${h.name}`);
    h.pluginCfg = { kind: 'ssh', host: sshd.host, port: sshd.port, user: sshd.user, keyFile: sshd.keyFile, path: h.pluginCfg.path };
  }
  return copy;
}

const files = (estate: Estate): Record<string, string> => Object.fromEntries(estate.cells.flatMap((c) => c.httpServers).map((h) => [h.name, h.pluginCfg.path]));
const hashes = (estate: Estate): Record<string, string> => Object.fromEntries(Object.entries(files(estate)).map(([name, path]) => [name, shortSha(readFileSync(path))]));

describe('an HTTP server unreachable during a plugin-cfg.xml distribution', () => {
  let lab: ScenarioLab | undefined;
  const sshds: TestSshd[] = [];
  const knownHosts = mkdtempSync(join(tmpdir(), 'turnout-known-hosts-'));
  const env = { TURNOUT_SSH_KNOWN_HOSTS: process.env.TURNOUT_SSH_KNOWN_HOSTS, TURNOUT_SSH_STRICT_HOST_KEY_CHECKING: process.env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING };

  beforeAll(() => {
    // The worker runs in this process: its ssh stores record each test sshd's key on first use.
    process.env.TURNOUT_SSH_KNOWN_HOSTS = join(knownHosts, 'known_hosts');
    process.env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING = 'accept-new';
  });
  afterAll(async () => {
    stopAllLoad();
    await terminateLeftovers();
    await lab?.stop();
    for (const s of sshds) await s.stop();
    rmSync(knownHosts, { recursive: true, force: true });
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  });

  it('stops, writes back every reachable server, and leaves nothing half-applied', async () => {
    const started = Date.now();
    lab = await startScenarioLab(2000, 'lab-single-cell.json');
    // One after the other: each takes the first free port of the test range.
    for (let i = 0; i < 2; i++) sshds.push(await startTestSshd());
    const [sshX1, sshX2] = sshds as [TestSshd, TestSshd];
    const estate = overSsh(lab.estate, { webX1: sshX1, webX2: sshX2 });
    const start = hashes(lab.estate);
    const watch = watchFiles(files(lab.estate));
    const load = startLoad(lab.estate, 50);
    const { blocked, whileBlocked, final } = await withLabWorker(lab, async (client, taskQueue) => {
      const request = labRequest(estate, { procedure: 'singleCellRollout', approvals: { phases: [] }, strategy: { firstGroupSize: 1, groupSize: 2 }, rollback: { retryIntervalSeconds: 2 } });
      const handle = track(await client.workflow.start('singleCellRollout', { taskQueue, workflowId: `unreachable-${Date.now()}`, args: [request] }));
      // The generated file is out (every server already held it); before the first group's goes out, webX2's sshd stops.
      await waitForStatus(handle, (s) => s.currentStep === 'B.start', 'the servers started for the light test');
      await sshX2.halt();
      const stuck = await waitForStatus(handle, (s) => s.rollback?.blocked?.stepId === 'rollback.routing', 'the restore blocked by webX2', { limitMs: 120_000 });
      const bytes = hashes(lab!.estate);
      await sshX2.resume();
      const result = await resultWithin(handle, 60_000);
      await recordHistory(client, handle.workflowId, 'fault-http-server-unreachable');
      return { blocked: stuck, whileBlocked: bytes, final: result };
    });
    watch.stop();
    const report = await load.stop();
    printLoad(`HTTP server webX2 unreachable during a plugin-cfg distribution (${Math.round((Date.now() - started) / 1000)} s)`, report);

    const where = `${sshX2.user}@127.0.0.1:${sshX2.port}`;
    expect(blocked.reason).toMatch(new RegExp(`^step D\\.group-1 failed: nothing was written: 1 of 2 could not be read first \\(webX2: ssh to ${where.replace(/\./g, '\\.')} failed`));
    expect(blocked.rollback?.blocked?.reason).toMatch(/^1 of 2 could not be written \(webX2: write failed: ssh to .* failed.*\); written: webX1$/s);
    // A server only announced at weight 0 held no session: the rollback needs no hold file, only the starting bytes.
    expect(blocked.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => s.id)).toEqual(['rollback.routing', 'rollback.stop', 'rollback.app-servers']);
    expect(whileBlocked).toEqual(start);
    expect(final.state).toBe('rolled-back');
    expect(final.steps.filter((s) => s.id.startsWith('rollback.')).map((s) => [s.id, s.status])).toEqual([
      ['rollback.routing', 'done'],
      ['rollback.stop', 'done'],
      ['rollback.app-servers', 'done'],
    ]);
    expect(hashes(lab.estate)).toEqual(start);
    // Every file showed its starting bytes and nothing else, the whole time.
    expect(watch.sequences()).toEqual(Object.fromEntries(Object.entries(start).map(([name, h]) => [name, [h]])));
    expect((await lab.servers()).filter((s) => s.running).map((s) => s.name)).toEqual(['ServerX1', 'ServerX2', 'ServerX3']);
    expectCleanLoad(report);
  });
});
