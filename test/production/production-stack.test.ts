/**
 * The production topology, from real parts: PostgreSQL, the Temporal server v1.29.1 on it with the
 * JWT authorizer, two `turnout worker` processes holding a writer token (src/stack/stack.ts). A
 * multiCellRollout and a singleCellRollout run at once, each on its own lab under load, started and
 * approved through the CLI with tokens, while the production faults hit them in turn:
 *
 * - a worker SIGKILLed during cell X's drain (multi-cell) and while group 1's plugin-cfg.xml goes out
 *   (single-cell), and another during the approval wait: the other worker finishes;
 * - PostgreSQL restarted during the approval wait;
 * - the Temporal server SIGKILLed during cell Y's drain and started 10 s later, the lab's routing
 *   read back every second meanwhile.
 *
 * Each rollout then completes with every step started and done exactly once, and its load saw no
 * failed request, no lost session and no version flip. The search attribute query finds both.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Estate, RolloutStatus } from '../../src/model';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { finalPluginCfg, transitionPluginCfg, zeroWeightsPluginCfg } from '../../src/drivers/plugin-cfg';
import type { Stack } from '../../src/stack/stack';
import { approvePhaseUpdate, rollbackSignal, statusQuery } from '../../workflows/messages';
import { runCli } from '../support/cli';
import { shortSha, watchFiles } from '../support/file-watch';
import { labRequest, loadFigures, recordHistory, resultWithin, routingOf, startLoad, startScenarioLab, stopAllLoad, waitForStatus, type RunningLoad, type ScenarioLab } from '../support/rollout-harness';
import { stackClient, startTestStack, workerHolding } from '../support/production-stack';

jest.setTimeout(300_000);

/** Set when the file ends, so that a loop a failed test left behind stops. */
let fileDone = false;
let stopWatching: () => void = () => undefined;

/** Every step planned was started once and done once, in order: nothing repeated after a fault. */
function expectEachStepOnce(final: RolloutStatus): void {
  const planned = final.steps.map((s) => s.id);
  expect(final.events.filter((e) => e.type === 'step-started').map((e) => e.stepId)).toEqual(planned);
  expect(final.events.filter((e) => e.type === 'step-done').map((e) => e.stepId)).toEqual(planned);
}

/** Every HTTP server's plugin-cfg.xml, by server name. */
const pluginCfgFiles = (estate: Estate): Record<string, string> => Object.fromEntries(estate.cells.flatMap((c) => c.httpServers).map((h) => [h.name, h.pluginCfg.path]));

/**
 * The files the single-cell rollout writes, in order (group 1 of one server, then the other two):
 * each group is first made known to every plug-in at weight 0, then takes new sessions.
 */
async function plannedPluginCfgs(estate: Estate): Promise<string[]> {
  const generated = await createLabAppServer(estate).generatePluginCfg('X');
  const pair = { active: 'ClusterX', incoming: 'ClusterY' };
  const all = { servers: ['ServerY1', 'ServerY2', 'ServerY3'], drain: ['ServerX1', 'ServerX2', 'ServerX3'] };
  return [
    shortSha(generated),
    shortSha(zeroWeightsPluginCfg(transitionPluginCfg(generated, { ...pair, servers: ['ServerY1'], drain: [] }), { cluster: 'ClusterX', servers: ['ServerY1'] })),
    shortSha(transitionPluginCfg(generated, { ...pair, servers: ['ServerY1'], drain: ['ServerX1'] })),
    shortSha(zeroWeightsPluginCfg(transitionPluginCfg(generated, { ...pair, servers: all.servers, drain: ['ServerX1'] }), { cluster: 'ClusterX', servers: ['ServerY2', 'ServerY3'] })),
    shortSha(transitionPluginCfg(generated, { ...pair, ...all })),
    shortSha(finalPluginCfg(generated, pair)),
  ];
}

describe('the production topology under its faults', () => {
  let stack: Stack;
  let multi: ScenarioLab;
  let single: ScenarioLab;
  let admin: Client;
  const timeline: Array<{ at: number; what: string }> = [];
  const started = Date.now();
  const mark = (what: string): void => void timeline.push({ at: Math.round((Date.now() - started) / 100) / 10, what });

  beforeAll(async () => {
    // Settled, not raced: a lab that fails to start must not leave the stack (or the other lab) running.
    const parts = await Promise.allSettled([startTestStack(), startScenarioLab(22500), startScenarioLab(22000, 'lab-single-cell.json')] as const);
    if (parts[0].status === 'fulfilled') stack = parts[0].value;
    if (parts[1].status === 'fulfilled') multi = parts[1].value;
    if (parts[2].status === 'fulfilled') single = parts[2].value;
    const failed = parts.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failed) throw failed.reason;
    admin = await stackClient(stack, 'admin');
    console.log(`production stack up: ${JSON.stringify(stack.timings)}`);
  });
  afterAll(async () => {
    fileDone = true;
    // A failed test leaves its file watch behind; its timer would keep jest from exiting.
    stopWatching();
    stopAllLoad();
    await admin?.connection.close();
    await stack?.stop();
    await Promise.all([multi?.stop(), single?.stop()]);
    console.log(`production timeline (s): ${JSON.stringify(timeline)}`);
  });

  const env = (role: 'writer' | 'reader' | 'none'): Record<string, string> => {
    const { TURNOUT_API_KEY_FILE: _writer, ...rest } = stack.clientEnv('writer');
    return role === 'none' ? rest : { ...rest, TURNOUT_API_KEY_FILE: stack.tokenFiles[role] };
  };

  function requestFile(lab: ScenarioLab, request: Record<string, unknown>): string {
    const file = path.join(lab.dir, 'request.json');
    writeFileSync(file, JSON.stringify(request));
    return file;
  }

  it('refuses a client without a token and a reader, in one line with exit 3, touching nothing', async () => {
    const file = requestFile(multi, labRequest(multi.estate));
    for (const role of ['none', 'reader'] as const) {
      const run = await runCli(['start', file, '--id', `refused-${role}`], env(role));
      expect({ role, code: run.code, lines: run.stderr.trim().split('\n').length, stderr: run.stderr }).toEqual({ role, code: 3, lines: 1, stderr: expect.any(String) });
      expect(run.stderr).toMatch(role === 'none' ? /refused the request: it needs a token/ : /refused the request with this token/);
      await expect(admin.workflow.getHandle(`refused-${role}`).describe()).rejects.toThrow(/not found/i);
    }
    // A worker with a reader token would poll in vain forever: it is refused before it starts.
    const worker = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'bin', 'turnout.js'), 'worker'], { env: { ...process.env, ...env('reader'), TURNOUT_WORKFLOW_BUNDLE: 'unused' }, encoding: 'utf8', timeout: 60_000 });
    expect({ status: worker.status, stderr: worker.stderr.trim() }).toEqual({ status: 3, stderr: expect.stringMatching(/^turnout worker: Temporal at .* refused this worker: its token does not allow a worker here/) });
  });

  it('completes a multi-cell and a single-cell rollout through worker kills, a PostgreSQL restart and a server killed for 10 s', async () => {
    const loads: RunningLoad[] = [startLoad(multi.estate), startLoad(single.estate)];
    const multiId = `prod-multi-${Date.now()}`;
    const singleId = `prod-single-${Date.now()}`;
    const startMulti = await runCli(['start', requestFile(multi, labRequest(multi.estate)), '--id', multiId], env('writer'));
    expect({ code: startMulti.code, stderr: startMulti.stderr }).toEqual({ code: 0, stderr: '' });
    const a = admin.workflow.getHandle(multiId);

    // 1. A worker dies while it drains cell X; the other takes the drain over from its heartbeat.
    await waitForStatus(a, (s) => s.currentStep === 'X.drain' && (s.drain?.servers.some((x) => (x.sessions ?? 0) > 0) ?? false), 'the drain of cell X with sessions left');
    const drainer = await workerHolding(stack, a, 'drainServers');
    expect(drainer).toBeDefined();
    await drainer!.kill();
    mark(`worker ${drainer!.name} killed during X.drain`);

    // 2. The single-cell rollout starts; a worker dies while group 1's plugin-cfg.xml goes out.
    const starts = Object.fromEntries(Object.entries(pluginCfgFiles(single.estate)).map(([name, file]) => [name, shortSha(readFileSync(file))]));
    const planned = await plannedPluginCfgs(single.estate);
    const watch = watchFiles(pluginCfgFiles(single.estate));
    stopWatching = watch.stop;
    const singleRequest = labRequest(single.estate, { procedure: 'singleCellRollout', strategy: { firstGroupSize: 1, groupSize: 2 } });
    const startSingle = await runCli(['start', requestFile(single, singleRequest), '--id', singleId], env('writer'));
    expect({ code: startSingle.code, stderr: startSingle.stderr }).toEqual({ code: 0, stderr: '' });
    const b = admin.workflow.getHandle(singleId);
    const approvingB = approveEachGate(b, () => env('writer'));
    await stack.startWorker();
    await waitForStatus(b, (s) => s.currentStep === 'D.group-1', 'the plugin-cfg.xml of group 1 going out');
    const distributor = await workerHolding(stack, b, 'distributePluginCfg');
    expect(distributor).toBeDefined();
    await distributor!.kill();
    mark(`worker ${distributor!.name} killed during D.group-1`);
    await stack.startWorker();

    // 3. The approval wait: a worker dies, PostgreSQL restarts, a reader is refused, a writer approves.
    await waitForStatus(a, (s) => s.state === 'awaiting-approval', 'the approval of cell X');
    const refused = await runCli(['approve', multiId, '--by', 'rachel'], env('reader'));
    expect({ code: refused.code, lines: refused.stderr.trim().split('\n').length, stderr: refused.stderr }).toEqual({ code: 3, lines: 1, stderr: expect.stringMatching(/refused the request with this token/) });
    // The signal and the update themselves, as any client would send them: refused by the server.
    const readerClient = await stackClient(stack, 'reader');
    try {
      const asReader = readerClient.workflow.getHandle(multiId);
      await expect(asReader.signal(rollbackSignal, { by: 'rachel', reason: 'reader' })).rejects.toMatchObject({ cause: { code: 7 } });
      await expect(asReader.executeUpdate(approvePhaseUpdate, { args: [{ by: 'rachel' }] })).rejects.toMatchObject({ cause: { code: 7 } });
      expect((await asReader.query(statusQuery)).state).toBe('awaiting-approval');
    } finally {
      await readerClient.connection.close();
    }
    const holder = await workerHolding(stack, a);
    await holder?.kill();
    mark(`worker ${holder?.name ?? '(none)'} killed during the approval wait`);
    const routingBeforeRestart = routingOf(await multi.routing());
    await stack.postgres.restart();
    mark('PostgreSQL restarted');
    expect(routingOf(await multi.routing())).toEqual(routingBeforeRestart);
    await stack.startWorker();
    await retry(() => cliOk(['approve', multiId, '--by', 'alice', '--comment', 'X is fine'], env('writer')));
    mark('cell X approved through the CLI');

    // 4. The server dies during cell Y's drain and comes back 10 s later; routing holds meanwhile.
    await waitForStatus(a, (s) => s.currentStep === 'Y.drain', 'the drain of cell Y');
    const before = routingOf(await multi.routing());
    await stack.server.kill();
    mark('Temporal server killed during Y.drain');
    const seen: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      seen.push(routingOf(await multi.routing()));
    }
    expect(seen.every((r) => JSON.stringify(r) === JSON.stringify(before))).toBe(true);
    await stack.startServer();
    mark('Temporal server started again');

    const [finalA, finalB] = await Promise.all([resultWithin(a, 180_000), resultWithin(b, 180_000)]);
    await approvingB;
    watch.stop();
    await Promise.all([recordHistory(admin, multiId, 'production-multi-cell-faults'), recordHistory(admin, singleId, 'production-single-cell-faults')]);
    const [reportA, reportB] = await Promise.all(loads.map((l) => l.stop()));
    mark('both rollouts done');
    console.log(`production multi-cell load: ${JSON.stringify(loadFigures(reportA!))}`);
    console.log(`production single-cell load: ${JSON.stringify(loadFigures(reportB!))}`);

    for (const final of [finalA, finalB]) {
      expect(final.state).toBe('succeeded');
      expectEachStepOnce(final);
      // The routing guard watched every wait through the faults and found nothing to put back.
      expect(final.events.filter((e) => e.type === 'drift-corrected' || e.type === 'dead-server')).toEqual([]);
    }
    // The worker that took the drain over resumed it from the dead one's last heartbeat.
    const workerLogs = readdirSync(stack.dir).filter((f) => /^worker-\d+\.log$/.test(f)).map((f) => readFileSync(path.join(stack.dir, f), 'utf8'));
    expect(workerLogs.some((log) => log.includes('drain resumed from its last heartbeat'))).toBe(true);
    // Each planned plugin-cfg.xml appeared once and whole on every HTTP server, in order, through the
    // kill during the distribution; a file that already holds the planned bytes is not rewritten.
    const distinct = (list: string[]): string[] => list.filter((h, i) => h !== list[i - 1]);
    for (const [name, seq] of Object.entries(watch.sequences())) expect({ name, seq }).toEqual({ name, seq: distinct([starts[name] as string, ...planned]) });
    expect(finalA.approvals.map((x) => x.by)).toContain('alice');
    for (const report of [reportA!, reportB!]) {
      expect({ failed: report.failed, lostSessions: report.lostSessions, versionFlips: report.versionFlips }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0 });
      expect(report.requests).toBeGreaterThan(100);
    }
    expect((await multi.servers()).every((s) => s.version === '1.1')).toBe(true);

    // The search attributes, on PostgreSQL visibility, find both rollouts by their outcome.
    const reader = await stackClient(stack, 'reader');
    try {
      const ids: string[] = [];
      await retry(async () => {
        ids.length = 0;
        for await (const w of reader.workflow.list({ query: `RolloutApp = "userHitCount" AND RolloutState = "succeeded"` })) ids.push(w.workflowId);
        if (!ids.includes(multiId) || !ids.includes(singleId)) throw new Error(`listed ${ids.join(', ')}`);
      });
      expect(ids).toEqual(expect.arrayContaining([multiId, singleId]));
    } finally {
      await reader.connection.close();
    }
  });
});

async function cliOk(args: string[], env: Record<string, string | undefined>): Promise<void> {
  const run = await runCli(args, env);
  if (run.code !== 0) throw new Error(`turnout ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
}

/** Tries `fn` until it succeeds or 60 s pass: the server may be restarting. */
async function retry(fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Approves each gate of a rollout through the CLI with a writer token, until it ends. */
async function approveEachGate(handle: WorkflowHandle, env: () => Record<string, string | undefined>): Promise<void> {
  while (!fileDone) {
    let status: RolloutStatus;
    try {
      status = await handle.query(statusQuery);
    } catch {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    if (['succeeded', 'failed', 'rolled-back'].includes(status.state)) return;
    // One try per sighting: a refusal (the gate just closed, the server restarting) is read again.
    if (status.state === 'awaiting-approval') await runCli(['approve', handle.workflowId, '--by', 'bob'], env());
    await new Promise((r) => setTimeout(r, 300));
  }
}
