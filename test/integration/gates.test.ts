/**
 * Every kind of gate in every procedure can be answered, on the real dev server, real HAProxy and
 * the lab's processes, under load.
 *
 * | procedure | phase gates | drain-timeout gate (its phase) |
 * |---|---|---|
 * | multiCellRollout | `cell-Y` | `X.drain` (`cell-X`), `Y.drain` (`cell-Y`) |
 * | singleCellRollout | `transition`, `remaining` | `F.drain` (`remaining`) |
 * | javaClientRollout | `switch` | `C.quiet` (`switch`), counting ORB connections |
 * | editionRollout | `group-2`, `group-3` | `group-1.drain` (`group-1`) |
 *
 * Each gate is answered through the CLI (`turnout approve ID --by NAME --phase P`, which sends the
 * `approvePhase` update) and through the `approve` signal with exactly the JSON a person types
 * into the Temporal UI's Send a Signal dialog: naming the gate, naming its phase, naming nothing.
 * Drains time out on purpose: `drain.maxWaitSeconds` 1 with `onTimeout: approve`, and a session
 * (or a Java client's ORB connection) kept open on a drained server, so the gate always comes.
 * At every gate the test reads `status.pendingApproval` (gate, kind, question), Current details and
 * `turnout status`; in each procedure's first run it also sends a wrong name both ways: the CLI
 * exits 3 with the reason, the signal is recorded as `message-refused`, and the rollout stays put.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../activities';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { startJavaClients, type JavaClientsHandle, type JavaClientsReport } from '../../src/lab/java-clients';
import type { LoadReport } from '../../src/lab/load';
import type { Estate, RolloutStatus } from '../../src/model';
import { runCli } from '../support/cli';
import { labRequest, recordHistory, startLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { keepSession, liveSessions, waitForKeeperRequests, waitForNoSessions, type SessionKeeper } from '../support/session-keeper';
import { testClient, testTemporal, withTestWorker } from '../support/temporal';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');
/** Load reports of every run, for the record (git-ignored). */
const reportsDir = path.resolve(__dirname, '..', '..', 'test-results', 'gates');
/** Far beyond any real wait; reaching it means the condition never came, not that it was slow. */
const waitLimitMs = 120_000;

/** Drains time out at once (a kept session or connection sees to it) and ask a person. */
const drainTimesOut = { drain: { pollIntervalSeconds: 1, maxWaitSeconds: 1, sessionThreshold: 0, onTimeout: 'approve' }, burnInSeconds: 1 };

/** How a person answers a gate. */
type Answer =
  /** `turnout approve ID --by BY --phase PHASE` */
  | { via: 'cli'; by: string; phase: string }
  /** The `approve` signal, with this JSON typed verbatim into the UI's Send a Signal dialog. */
  | { via: 'signal'; json: string };

const cli = (by: string, phase: string): Answer => ({ via: 'cli', by, phase });
const signal = (json: string): Answer => ({ via: 'signal', json });

/** A gate the rollout stops at, and the names it must refuse. */
interface GateSpec {
  gate: string;
  phase: string;
  kind: 'phase' | 'drain-timeout';
  question: string | RegExp;
  /** A name that is not this gate's (another gate, phase or step): refused through the CLI and the signal. */
  wrong: { cli: string; signal: string };
}

/** The drain-timeout question with `server` among those left (its keeper holds it open). */
function drainLeft(server: string, unit = 'sessions'): RegExp {
  return new RegExp(`^drain reached its maximum wait \\(1s\\) with ${unit} left: (\\S+ \\d+, )*${server} [1-9]\\d*(, \\S+ \\d+)*\\. Go on anyway\\?$`);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const byOf = (a: Answer): string => (a.via === 'cli' ? a.by : (JSON.parse(a.json) as { by: string }).by);
const shown = (a: Answer): string => (a.via === 'cli' ? `CLI --phase ${a.phase}` : `signal ${a.json}`);
/** How a refusal names the gate that waits. */
const waiting = (g: GateSpec): string => (g.gate === g.phase ? g.gate : `gate ${g.gate} of phase ${g.phase}`);

async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
  return metadata.currentDetails ?? '';
}

function saveReport(name: string, report: unknown): void {
  mkdirSync(reportsDir, { recursive: true });
  writeFileSync(path.join(reportsDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

/** No failed request, no session that saw two versions; `lost` sessions at most. */
function expectCleanLoad(report: LoadReport, maxLost: number): void {
  expect({ failed: report.failed, failures: report.failures, versionFlips: report.versionFlips }).toEqual({ failed: 0, failures: [], versionFlips: 0 });
  expect(report.lostSessions).toBeLessThanOrEqual(maxLost);
  expect(report.requests).toBeGreaterThan(100);
  expect(report.sessions).toBeGreaterThan(10);
}

async function pollUntil<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + waitLimitMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} never happened; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function serversOf(estate: Estate, where: { cell?: string; cluster?: string }): string[] {
  return estate.cells
    .filter((c) => !where.cell || c.name === where.cell)
    .flatMap((c) => c.clusters)
    .filter((k) => !where.cluster || k.name === where.cluster)
    .flatMap((k) => k.servers.map((s) => s.name));
}

/** What a run does around the gates. */
interface RunOptions {
  /** Which run of the procedure this is: its history is saved under that name for the replay test. */
  run: number;
  /** Send the wrong names at every gate. */
  wrong: boolean;
  /** Called at a gate just before it is answered. */
  beforeAnswer?: (g: GateSpec) => Promise<void>;
}

describe('every gate of every procedure can be answered', () => {
  let lab: ScenarioLab;
  // The two offsets this file may use, in turn: ports 4080-5816 and 6080-7816.
  const offsets = [-4000, -2000];
  let next = 0;

  afterEach(async () => {
    stopAllLoad();
    await terminateLeftovers();
    await lab?.stop();
  });

  async function freshLab(file: string): Promise<ScenarioLab> {
    lab = await startScenarioLab(offsets[next++ % offsets.length] as number, file);
    return lab;
  }

  /** At a gate: status, Current details and `turnout status` name it and say how to approve it. */
  async function expectGateShown(handle: WorkflowHandle, env: Record<string, string>, g: GateSpec): Promise<RolloutStatus> {
    const id = handle.workflowId;
    const s = await waitForStatus(handle, (x) => x.pendingApproval?.gate === g.gate, `gate ${g.gate}`, { limitMs: waitLimitMs });
    expect(s.state).toBe('awaiting-approval');
    expect(s.pendingApproval).toEqual({ gate: g.gate, phase: g.phase, kind: g.kind, question: typeof g.question === 'string' ? g.question : expect.stringMatching(g.question), since: expect.any(String) });
    const question = s.pendingApproval?.question ?? '';

    const details = await currentDetails(handle);
    expect(details).toContain(`**Waiting for approval of ${g.gate === g.phase ? `\`${g.gate}\`` : `\`${g.gate}\` (phase \`${g.phase}\`)`}**`);
    expect(details).toContain(`\n${question}\n`);
    expect(details).toContain(`- CLI: \`turnout approve ${id} --by <you> --phase ${g.gate}\``);
    expect(details).toContain(`- UI: Signal \`approve\` with \`{"by": "<you>", "phase": "${g.gate}"}\``);

    const text = await runCli(['status', id], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`awaiting approval of ${g.gate === g.phase ? g.gate : `${g.gate} (phase ${g.phase})`} since ${s.pendingApproval?.since}`);
    expect(text.stdout).toContain(`\n  turnout approve ${id} --by <you> --phase ${g.gate}\n  ${question}\n`);
    return s;
  }

  /** A wrong name: the CLI exits 3 with the reason and never says accepted; the signal is refused on the record; nothing moves. */
  async function expectWrongNamesRefused(handle: WorkflowHandle, env: Record<string, string>, g: GateSpec, before: RolloutStatus): Promise<void> {
    const id = handle.workflowId;
    const byCli = await runCli(['approve', id, '--by', 'mallory', '--phase', g.wrong.cli], env);
    expect(byCli).toEqual({ code: 3, stdout: '', stderr: `approve refused: ${g.wrong.cli} is not awaiting approval; ${waiting(g)} is\n` });

    const json = `{"by":"mallory","phase":"${g.wrong.signal}"}`;
    await handle.signal('approve', JSON.parse(json));
    const refusal = `approve refused: ${g.wrong.signal} is not awaiting approval; ${waiting(g)} is`;
    const after = await waitForStatus(handle, (s) => s.events.some((e) => e.type === 'message-refused' && e.by === 'mallory' && e.message === refusal), `the refusal of ${json}`);
    expect({ state: after.state, currentStep: after.currentStep, pendingApproval: after.pendingApproval, approvals: after.approvals }).toEqual({
      state: 'awaiting-approval',
      currentStep: before.currentStep,
      pendingApproval: before.pendingApproval,
      approvals: before.approvals,
    });
    expect(after.events.filter((e) => e.type === 'approval-received')).toEqual(before.events.filter((e) => e.type === 'approval-received'));
  }

  /** Answers the gate; the status then shows the approval under the gate's name. */
  async function answer(handle: WorkflowHandle, env: Record<string, string>, g: GateSpec, a: Answer, before: RolloutStatus): Promise<void> {
    const id = handle.workflowId;
    const by = byOf(a);
    let after: RolloutStatus;
    if (a.via === 'cli') {
      const run = await runCli(['approve', id, '--by', a.by, '--phase', a.phase], env);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      // The update answers once the gate has taken the approval: the rollout has moved on.
      expect(run.stdout).toMatch(new RegExp(`^approve accepted; ${escapeRe(id)} is (?!awaiting-approval)[a-z-]+\\n$`));
      const json = await runCli(['status', id, '--json'], env);
      expect(json.code).toBe(0);
      after = JSON.parse(json.stdout) as RolloutStatus;
      const text = await runCli(['status', id], env);
      expect(text.stdout).toContain(`\napproved ${g.gate} by ${by} at `);
    } else {
      await handle.signal('approve', JSON.parse(a.json));
      after = await waitForStatus(handle, (s) => s.approvals.length > before.approvals.length, `the approval of ${g.gate}`);
    }
    expect(after.approvals).toEqual([...before.approvals, { phase: g.gate, by, at: expect.any(String) }]);
    expect(after.events).toContainEqual(expect.objectContaining({ by, type: 'approval-received', message: `approved ${g.gate}` }));
  }

  /** Starts the rollout and answers its gates in order, one answer each; returns its final status. */
  async function rollout(procedure: string, request: Record<string, unknown>, gates: GateSpec[], answers: Answer[], opts: RunOptions): Promise<RolloutStatus> {
    const client = await testClient();
    return withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir }), async ({ taskQueue }) => {
      const env = { TEMPORAL_ADDRESS: testTemporal().address, TURNOUT_TASK_QUEUE: taskQueue };
      const handle = track(await client.workflow.start(procedure, { taskQueue, workflowId: `gates-${procedure}-${Date.now()}`, args: [request] }));
      for (const [i, g] of gates.entries()) {
        const before = await expectGateShown(handle, env, g);
        if (opts.wrong) await expectWrongNamesRefused(handle, env, g, before);
        await opts.beforeAnswer?.(g);
        await answer(handle, env, g, answers[i] as Answer, before);
      }
      const final = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, `gates-${procedure}-${opts.run}`);
      expect(final.state).toBe('succeeded');
      expect(final.approvals.map(({ phase, by }) => ({ phase, by }))).toEqual(gates.map((g, i) => ({ phase: g.gate, by: byOf(answers[i] as Answer) })));
      // Only the wrong names were refused: no answer above was taken as "accepted" and then refused.
      expect(final.events.filter((e) => e.type === 'message-refused').map((e) => e.by)).toEqual(opts.wrong ? gates.map(() => 'mallory') : []);
      return final;
    });
  }

  const runName = (gates: GateSpec[], answers: Answer[]): string => gates.map((g, i) => `${g.gate} by ${shown(answers[i] as Answer)}`).join('; ');

  describe('multiCellRollout', () => {
    const gates: GateSpec[] = [
      { gate: 'X.drain', phase: 'cell-X', kind: 'drain-timeout', question: drainLeft('ServerX1'), wrong: { cli: 'cell-Y', signal: 'Y.drain' } },
      { gate: 'cell-Y', phase: 'cell-Y', kind: 'phase', question: 'Cell X runs 1.1 under production load. Confident enough to drain cell Y?', wrong: { cli: 'X.drain', signal: 'cell-X' } },
      { gate: 'Y.drain', phase: 'cell-Y', kind: 'drain-timeout', question: drainLeft('ServerY1'), wrong: { cli: 'cell-X', signal: 'X.drain' } },
    ];
    // Every gate through the CLI and through the signal; between them, the drain-timeout gates are
    // approved by CLI naming the gate and naming the phase, by signal naming the phase or nothing
    // (the e2e test sends the signal naming the gate through the Web UI itself).
    const runs: Answer[][] = [
      [cli('alice', 'X.drain'), signal('{"by":"bob","phase":"cell-Y"}'), signal('{"by":"carol"}')],
      [signal('{"by":"alice","phase":"cell-X"}'), cli('bob', 'cell-Y'), cli('carol', 'cell-Y')],
    ];

    it.each(runs.map((answers, i) => [i + 1, runName(gates, answers), answers] as const))('run %i: %s', async (run, _name, answers) => {
      await freshLab('lab-multi-cell.json');
      const keepers: Record<string, SessionKeeper> = { X: keepSession(lab.estate, 'ServerX1'), Y: keepSession(lab.estate, 'ServerY1') };
      await Promise.all(Object.values(keepers).map((k) => waitForKeeperRequests(k, 0)));
      const load = startLoad(lab.estate, 40);
      const keeperReports: LoadReport[] = [];
      const final = await rollout('multiCellRollout', labRequest(lab.estate, drainTimesOut), gates, answers, {
        run,
        wrong: run === 1,
        // The seed's drain (002, B.2) lets the sessions on cell X end before N+1 is installed there.
        // Approving a drain timeout goes on anyway and abandons the sessions still on the cell: their
        // users' next requests reach the N+1 install under test_vhost and fail (HTTP 404) until the
        // restart, then lose the session. So the person here stops the kept session and approves
        // once the cell's servers hold none: the gate is still the one the timeout opened, and the
        // load must stay clean, with no lost session at all.
        async beforeAnswer(g) {
          if (g.kind !== 'drain-timeout') return;
          const cell = g.gate.split('.')[0] as string;
          keeperReports.push(await (keepers[cell] as SessionKeeper).stop());
          await waitForNoSessions(lab.estate, serversOf(lab.estate, { cell }));
        },
      });
      const report = await load.stop();
      saveReport(`multi-cell-${run}`, { load: report, keepers: keeperReports });
      expect(final.steps.every((s) => s.status === 'done')).toBe(true);
      expectCleanLoad(report, 0);
      for (const k of keeperReports) expect({ failed: k.failed, lostSessions: k.lostSessions, versionFlips: k.versionFlips }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0 });
      expect((await lab.servers()).map((s) => [s.name, s.version, s.running])).toEqual(serversOf(lab.estate, {}).map((n) => [n, '1.1', true]));
    });
  });

  describe('singleCellRollout', () => {
    const gates: GateSpec[] = [
      { gate: 'transition', phase: 'transition', kind: 'phase', question: 'ClusterY answers 1.1 through the test VIP. Move it into production?', wrong: { cli: 'remaining', signal: 'F.drain' } },
      { gate: 'remaining', phase: 'remaining', kind: 'phase', question: 'The first group runs 1.1 under production load. Move the remaining servers?', wrong: { cli: 'transition', signal: 'F.drain' } },
      { gate: 'F.drain', phase: 'remaining', kind: 'drain-timeout', question: drainLeft('ServerX1'), wrong: { cli: 'transition', signal: 'test' } },
    ];
    // Every gate through the CLI and through the signal (naming the gate, or nothing).
    const runs: Answer[][] = [
      [cli('alice', 'transition'), signal('{"by":"bob","phase":"remaining"}'), cli('carol', 'F.drain')],
      [signal('{"by":"alice"}'), cli('bob', 'remaining'), signal('{"by":"carol","phase":"F.drain"}')],
    ];
    const request = (estate: Estate) => labRequest(estate, { procedure: 'singleCellRollout', strategy: { firstGroupSize: 1, groupSize: 2 }, ...drainTimesOut });

    it.each(runs.map((answers, i) => [i + 1, runName(gates, answers), answers] as const))('run %i: %s', async (run, _name, answers) => {
      await freshLab('lab-single-cell.json');
      const keeper = keepSession(lab.estate, 'ServerX1');
      await waitForKeeperRequests(keeper, 0);
      const load = startLoad(lab.estate, 40);
      const clusterX = serversOf(lab.estate, { cluster: 'ClusterX' });
      let left = 0;
      const final = await rollout('singleCellRollout', request(lab.estate), gates, answers, {
        run,
        wrong: run === 1,
        // Approved at once, with the kept session (and maybe others) still on ClusterX.
        async beforeAnswer(g) {
          if (g.kind === 'drain-timeout') left = Object.values(await liveSessions(lab.estate, clusterX)).reduce((a, b) => a + b, 0);
        },
      });
      // The kept session comes back after its server stopped.
      await waitForKeeperRequests(keeper, keeper.requests() + 1);
      const kept = await keeper.stop();
      const report = await load.stop();
      saveReport(`single-cell-${run}`, { load: report, keeper: kept, sessionsLeftAtApproval: left });
      expect(final.steps.every((s) => s.status === 'done')).toBe(true);
      // Seed 002, step F: ClusterX's servers are stopped once their sessions have ended. A person who
      // approves the drain timeout stops them with sessions left, and those sessions are lost: the
      // plug-in finds the server gone and fails the user over to ClusterY, where a new session starts
      // on N+1. No request fails, and no session sees two versions (a new session is judged on its
      // own). So: the kept session is lost exactly once, and the load loses at most the other
      // sessions ClusterX still held when the person approved.
      expect(left).toBeGreaterThanOrEqual(1);
      expect({ failed: kept.failed, lostSessions: kept.lostSessions, versionFlips: kept.versionFlips, versions: Object.keys(kept.versions) }).toEqual({ failed: 0, lostSessions: 1, versionFlips: 0, versions: ['1.0', '1.1'] });
      expectCleanLoad(report, left - 1);
      expect((await lab.servers()).filter((s) => s.running).map((s) => [s.name, s.version])).toEqual([['ServerY1', '1.1'], ['ServerY2', '1.1'], ['ServerY3', '1.1']]);
    });
  });

  describe('editionRollout', () => {
    const gates: GateSpec[] = [
      { gate: 'group-1.drain', phase: 'group-1', kind: 'drain-timeout', question: drainLeft('ServerE1'), wrong: { cli: 'group-2', signal: 'group-3' } },
      { gate: 'group-2', phase: 'group-2', kind: 'phase', question: '2.0 serves every new session. Roll ServerE3, ServerE4?', wrong: { cli: 'group-1.drain', signal: 'group-3' } },
      { gate: 'group-3', phase: 'group-3', kind: 'phase', question: '2.0 serves every new session. Roll ServerE5, ServerE6?', wrong: { cli: 'group-2', signal: 'group-1' } },
    ];
    const answers: Answer[] = [cli('alice', 'group-1.drain'), signal('{"by":"bob","phase":"group-2"}'), signal('{"by":"carol"}')];
    const members: Record<string, string[]> = { 'group-1.drain': ['ServerE1', 'ServerE2'], 'group-2': ['ServerE3', 'ServerE4'], 'group-3': ['ServerE5', 'ServerE6'] };
    const request = (estate: Estate) =>
      labRequest(estate, { procedure: 'editionRollout', toVersion: '2.0', artifact: 'lab:2.0', edition: { groupSize: 2, routerQuiesceSeconds: 5, serverQuiesceSeconds: 5 }, ...drainTimesOut });

    it(`run 1: ${runName(gates, answers)}`, async () => {
      await freshLab('lab-edition.json');
      const keeper = keepSession(lab.estate, 'ServerE1');
      await waitForKeeperRequests(keeper, 0);
      const load = startLoad(lab.estate, 40);
      let kept: LoadReport | undefined;
      const final = await rollout('editionRollout', request(lab.estate), gates, answers, {
        run: 1,
        wrong: true,
        // A person lets the group's sessions end before answering, so no drain abandons one: the
        // kept session walks away at the drain-timeout gate, and each later group (draining since
        // the switch) is empty before its gate is approved.
        async beforeAnswer(g) {
          if (g.kind === 'drain-timeout') kept = await keeper.stop();
          await waitForNoSessions(lab.estate, members[g.gate] ?? []);
        },
      });
      const report = await load.stop();
      saveReport('edition-1', { load: report, keeper: kept });
      expect(final.steps.every((s) => s.status === 'done')).toBe(true);
      expectCleanLoad(report, 0);
      expect(kept && { failed: kept.failed, lostSessions: kept.lostSessions, versionFlips: kept.versionFlips }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0 });
      expect((await lab.servers()).filter((s) => s.running).map((s) => [s.name, s.version])).toEqual(Object.values(members).flat().map((m) => [m, '2.0']));
    });
  });

  describe('javaClientRollout', () => {
    const gates: GateSpec[] = [
      { gate: 'switch', phase: 'switch', kind: 'phase', question: 'Test clients reach 1.1 on ClusterY. Switch the bindings?', wrong: { cli: 'C.quiet', signal: 'test' } },
      { gate: 'C.quiet', phase: 'switch', kind: 'drain-timeout', question: drainLeft('ServerX\\d', 'ORB connections'), wrong: { cli: 'test', signal: 'D.stop' } },
    ];
    /** The answers, and whether the clients on N restart before C.quiet is approved. */
    const runs: { answers: Answer[]; restartFirst: boolean }[] = [
      // Every gate through the CLI and through the signal; C.quiet by its own name and by its phase.
      { answers: [cli('alice', 'switch'), signal('{"by":"bob","phase":"C.quiet"}')], restartFirst: false },
      { answers: [signal('{"by":"alice"}'), cli('bob', 'switch')], restartFirst: true },
    ];
    const request = (estate: Estate) => labRequest(estate, { procedure: 'javaClientRollout', ...drainTimesOut });
    const clients = (estate: Estate, count: number): Promise<JavaClientsHandle> =>
      startJavaClients({ namingUrl: estate.naming?.url ?? '', count, providerBinding: 'InitialContextProvider', ejbBinding: 'SessionFacadeEJB', callIntervalMs: 50 });
    const lastVersions = (report: JavaClientsReport): (string | null)[] => report.clients.map((c) => c.lastVersion);
    /** Waits until every client has made a few more calls, so `lastVersion` is fresh. */
    async function settled(handle: JavaClientsHandle): Promise<JavaClientsReport> {
      const before = handle.report().clients.map((c) => c.calls);
      return pollUntil(() => handle.report(), (r) => r.clients.every((c, i) => c.calls > (before[i] ?? 0) + 2), 'fresh calls from every Java client');
    }
    let running: JavaClientsHandle | undefined;
    afterEach(async () => {
      await running?.stop();
      running = undefined;
    });

    // The load here is the Java clients, whose ORB connections C.quiet counts: this procedure moves
    // them by switching the JNDI bindings and never touches the HTTP tier, whose plugin-cfg.xml
    // still routes to ClusterX when D stops it, so browser load through the sprayer would fail there.
    it.each(runs.map(({ answers, restartFirst }, i) => [i + 1, `${runName(gates, answers)}${restartFirst ? ' (clients on N restart first)' : ' (with connections left)'}`, answers, restartFirst] as const))(
      'run %i: %s',
      async (run, _name, answers, restartFirst) => {
        await freshLab('lab-single-cell.json');
        const clusterX = serversOf(lab.estate, { cluster: 'ClusterX' });
        const admin = createLabAppServer(lab.estate);
        const old = (running = await clients(lab.estate, 4));
        expect(lastVersions(await settled(old))).toEqual(['1.0', '1.0', '1.0', '1.0']);
        const final = await rollout('javaClientRollout', request(lab.estate), gates, answers, {
          run,
        wrong: run === 1,
          async beforeAnswer(g) {
            if (g.kind !== 'drain-timeout' || !restartFirst) return;
            // The clients' owners restart them: they bootstrap from the switched bindings onto N+1.
            await old.restart();
            await pollUntil(() => admin.connections(clusterX), (c) => c.every((x) => x.connections === 0), 'no ORB connection left on ClusterX');
          },
        });
        expect(final.steps.every((s) => s.status === 'done')).toBe(true);
        if (restartFirst) {
          const report = await settled(old);
          saveReport(`java-client-${run}`, report);
          expect(lastVersions(report)).toEqual(['1.1', '1.1', '1.1', '1.1']);
          expect(report.totals.failures).toBe(0);
        } else {
          // Seed 002, C.4 and D: ClusterX is stopped once its ORB connections are quiet; clients move
          // to N+1 only when they restart. Approving the timeout with connections left stops the
          // servers under those clients: their calls fail (every address of their provider URL is a
          // stopped ClusterX server) until they restart and bootstrap onto ClusterY.
          const abandoned = await pollUntil(() => old.report(), (r) => r.clients.every((c) => c.failures > 0), 'a failed call from every client left on N');
          await old.restart();
          const report = await settled(old);
          saveReport(`java-client-${run}`, { abandoned, restarted: report });
          expect(lastVersions(report)).toEqual(['1.1', '1.1', '1.1', '1.1']);
          expect(abandoned.clients.every((c) => c.versions['1.1'] === undefined)).toBe(true);
        }
        expect((await lab.servers()).filter((s) => s.running).map((s) => s.name)).toEqual(['ServerY1', 'ServerY2', 'ServerY3']);
      },
    );
  });
});
