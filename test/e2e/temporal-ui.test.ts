/**
 * Release engineers' path through the Temporal Web UI, in headless Chromium against the shared dev
 * server: start `multiCellRollout` from the Start Workflow form on the real lab, watch Current
 * details, approve with the Send a Signal dialog, see it complete; and see a bad input fail at once
 * with every problem named by JSON path; and approve a drain-timeout gate, named after its drain
 * step, through the same dialog, under load; and see a rolled-back rollout as Failed, in red, found
 * by `RolloutState="rolled-back"`. Screenshots of each stage go to test-results/e2e/, and
 * the README's to docs/images/.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { createActivities } from '../../activities';
import type { LoadReport } from '../../src/lab/load';
import type { RolloutStatus } from '../../src/model';
import { clock, clockTime } from '../../src/planning/status-view';
import { failureTypes } from '../../workflows/failure-types';
import { messageDescriptionsFor } from '../../workflows/message-descriptions';
import { messageNames, statusQuery } from '../../workflows/messages';
import { rolloutSearchAttributes } from '../../workflows/search-attributes';
import { labRequest, routingOf, startLoad, type RunningLoad, startScenarioLab, stopAllLoad, terminateLeftovers, track, waitForState, waitForStatus, type ScenarioLab } from '../support/rollout-harness';
import { keepSession, waitForKeeperRequests, waitForNoSessions, waitForSessions, type SessionKeeper } from '../support/session-keeper';
import { testClient, testTemporal, withTestWorker } from '../support/temporal';
import {
  fillSignalDialog,
  fillStartWorkflowForm,
  launchChromium,
  newUiPage,
  openCurrentDetails,
  openSignalDialog,
  openSignalList,
  openStartWorkflowForm,
  openWorkflowList,
  openWorkflowPage,
  panelText,
  screenshot,
  statusBadge,
  submitSignalDialog,
  submitStartWorkflowForm,
  uiWaitMs,
} from '../support/temporal-ui';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

/** The name the requests give the estate: a file in the worker's estates folder, not a pasted topology. */
const estateName = 'e2e-lab';

describe('the Temporal Web UI in headless Chromium', () => {
  let lab: ScenarioLab;
  let estatesDir: string;
  let browser: Browser;
  let page: Page;
  const { uiUrl, namespace } = testTemporal();

  beforeAll(async () => {
    if (!uiUrl) throw new Error('the shared dev server runs without its Web UI');
    lab = await startScenarioLab(21500);
    estatesDir = mkdtempSync(path.join(os.tmpdir(), 'turnout-e2e-estates-'));
    writeFileSync(path.join(estatesDir, `${estateName}.json`), JSON.stringify(lab.estate, null, 2));
    browser = await launchChromium();
  });
  beforeEach(async () => {
    page = await newUiPage(browser);
  });
  afterEach(async () => {
    stopAllLoad();
    await page?.close();
    await terminateLeftovers();
  });
  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
  });

  /** Runs `fn` while a worker with the real activities, reading estates from `estatesDir`, polls a fresh task queue. */
  async function withWorker<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
    const client = await testClient();
    const activities = createActivities({ estatesDir, client, baseDir: lab.dir });
    return withTestWorker(activities, ({ taskQueue }) => fn(client, taskQueue));
  }

  /** Fills and submits the Start Workflow form; ends on the new workflow's page. */
  async function startFromUi(form: { workflowId: string; taskQueue: string; input: object }, shot: { name: string; docs?: string }): Promise<void> {
    await openStartWorkflowForm(page, uiUrl as string, namespace);
    await fillStartWorkflowForm(page, { ...form, workflowType: 'multiCellRollout', input: JSON.stringify(form.input, null, 2) });
    await screenshot(page, shot.name, shot.docs);
    await submitStartWorkflowForm(page, form.workflowId);
  }

  /** Checks Current details: the state in its heading and one table row per step. */
  async function expectCurrentDetails(status: RolloutStatus): Promise<void> {
    const details = await openCurrentDetails(page);
    await details.getByRole('heading', { name: new RegExp(`${status.app} ${status.fromVersion} → ${status.toVersion} .*: ${status.state}$`) }).waitFor();
    await details.getByRole('columnheader', { name: 'step' }).waitFor();
    for (const step of status.steps) await details.getByRole('cell', { name: step.title, exact: true }).waitFor();
    expect(await details.getByRole('row').count()).toBe(status.steps.length + 1);
    expect(await details.getByText(`Waiting for approval of ${status.pendingApproval?.phase}`).count()).toBe(1);
  }

  /** Waits until the server's visibility store answers `query` with `workflowId` (it is updated a moment after the workflow). */
  async function waitUntilListed(client: Client, query: string, workflowId: string): Promise<void> {
    const deadline = Date.now() + uiWaitMs;
    for (;;) {
      for await (const w of client.workflow.list({ query })) if (w.workflowId === workflowId) return;
      if (Date.now() > deadline) throw new Error(`${workflowId} never matched ${query}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Finds the rollout by its search attributes in the UI's workflow list, and opens it from there. */
  async function findInWorkflowList(client: Client, workflowId: string): Promise<void> {
    const query = 'RolloutApp="userHitCount" AND RolloutState="awaiting-approval"';
    await waitUntilListed(client, query, workflowId);
    await openWorkflowList(page, uiUrl as string, namespace, query);
    const link = page.getByRole('link', { name: workflowId });
    await link.waitFor();
    await screenshot(page, '04-search', 'ui-search');
    await link.click();
    await page.getByRole('heading', { name: workflowId }).waitFor();
  }

  /** Opens the signal list and checks that it shows each operator signal with its description. */
  async function expectSignalsWithDescriptions(): Promise<void> {
    const options = await openSignalList(await openSignalDialog(page));
    const listed = (await options.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    const descriptions = messageDescriptionsFor('multiCellRollout');
    for (const name of [messageNames.approve, messageNames.rollback, messageNames.pause, messageNames.resume]) {
      expect(listed).toContain(`${name} ${descriptions[name]}`);
    }
  }

  const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  /**
   * Sends `approve` without `by` through Send a Signal: the dialog closes as for any signal, so
   * Current details must say that the rollout refused it, at the gate and first in Recent events.
   */
  async function expectMalformedApproveRefused(handle: WorkflowHandle): Promise<void> {
    const dialog = await openSignalDialog(page);
    await openSignalList(dialog);
    await fillSignalDialog(page, dialog, messageNames.approve, '{"phase": "cell-Y"}');
    await submitSignalDialog(dialog);
    const refused = await waitForStatus(handle, (s) => s.events.some((e) => e.type === 'message-refused'), 'the refusal of an approve without "by"');
    const refusal = refused.events.find((e) => e.type === 'message-refused');
    expect(refusal).toMatchObject({ by: 'unknown', message: expect.stringMatching(/^approve refused: .*\$\.by/) });
    expect([refused.state, refused.approvals]).toEqual(['awaiting-approval', []]);
    await page.reload();
    const details = await openCurrentDetails(page);
    // The UI's Markdown turns straight quotes into curly ones: the reason's end has none.
    const reason = escapeRegExp(refusal?.message.slice(refusal.message.lastIndexOf('$.by')) ?? '$.by');
    const at = refusal?.at ?? '';
    await details.getByText(new RegExp(`^Your last message was refused \\(${clockTime(at, 'utc')}, from unknown\\): approve refused: .*${reason}\\. Nothing changed; send it again, corrected\\.$`)).waitFor();
    await details.getByText(new RegExp(`^⚠ refused ${clock(at, 'utc')} unknown, message-refused: approve refused: .*${reason}$`)).waitFor();
    await screenshot(page, '05-refused', 'ui-refused');
  }

  /**
   * Live sessions on cell Y before its drain: a short load, and a session kept on ServerY1 that
   * holds the drain open until {@link expectDrainShown} has seen it.
   */
  async function sessionsOnY(): Promise<{ keeper: SessionKeeper; load: RunningLoad }> {
    const keeper = keepSession(lab.estate, 'ServerY1');
    await waitForKeeperRequests(keeper, 0);
    const load = startLoad(lab.estate, 20);
    await waitForSessions(lab.estate, ['ServerY2', 'ServerY3'], 4);
    return { keeper, load };
  }

  /** Mid-drain, Current details shows each server's sessions with a bar, its trend and the time to empty; then the drain is let go. */
  async function expectDrainShown(handle: WorkflowHandle, held: { keeper: SessionKeeper; load: RunningLoad }): Promise<void> {
    const servers = ['ServerY1', 'ServerY2', 'ServerY3'];
    const draining = await waitForStatus(handle, (s) => s.currentStep === 'Y.drain' && (s.drain?.servers ?? []).some((x) => (x.trend?.length ?? 0) >= 3), 'the drain of cell Y with three readings');
    expect(draining.drain?.servers.map((x) => x.name)).toEqual(servers);
    for (const x of draining.drain?.servers ?? []) expect(x.trend?.at(-1)).toEqual({ at: expect.any(String), sessions: x.sessions });
    await page.reload();
    const details = await openCurrentDetails(page);
    await details.getByRole('columnheader', { name: 'trend' }).waitFor();
    for (const name of servers) await details.getByRole('row', { name: new RegExp(`^${name} \\d+ [█░]{10} [▁▂▃▄▅▆▇█·]+ `) }).waitFor();
    await details.getByText(/^Estimated time to empty: /).waitFor();
    await screenshot(page, '06-draining', 'ui-draining');
    await Promise.all([held.keeper.stop(), held.load.stop()]);
  }

  it('starts a rollout from Start Workflow, shows Current details, approves through Send a Signal and completes', async () => {
    const workflowId = `ui-rollout-${Date.now()}`;
    const request = labRequest(lab.estate, { estate: estateName, startedBy: 'release-engineer' });
    const final = await withWorker(async (client, taskQueue) => {
      await startFromUi({ workflowId, taskQueue, input: request }, { name: '01-start-form', docs: 'ui-start-form' });
      await screenshot(page, '02-started');
      const handle = track(client.workflow.getHandle(workflowId));

      const gate = await waitForState(handle, 'awaiting-approval');
      expect(gate.pendingApproval?.phase).toBe('cell-Y');
      await page.reload();
      await expectCurrentDetails(gate);
      await screenshot(page, '03-awaiting-approval', 'ui-awaiting-approval');
      await findInWorkflowList(client, workflowId);
      await expectMalformedApproveRefused(handle);
      const held = await sessionsOnY();

      await expectSignalsWithDescriptions();
      await screenshot(page, '05-signal-list', 'ui-signal-list');
      const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
      await fillSignalDialog(page, dialog, messageNames.approve, '{"by": "alice", "phase": "cell-Y", "comment": "from the UI"}');
      await screenshot(page, '06-signal-dialog', 'ui-signal-dialog');
      await submitSignalDialog(dialog);
      await expectDrainShown(handle, held);
      return await rolloutOutcome(handle);
    });

    expect(final.state).toBe('succeeded');
    expect(final.approvals).toEqual([expect.objectContaining({ phase: 'cell-Y', by: 'alice', comment: 'from the UI' })]);
    expect(final.events).toContainEqual(expect.objectContaining({ by: 'release-engineer', type: 'rollout-started' }));
    expect((await lab.servers()).map((s) => [s.name, s.version])).toEqual(['ServerX1', 'ServerX2', 'ServerX3', 'ServerY1', 'ServerY2', 'ServerY3'].map((n) => [n, '1.1']));

    await page.reload();
    await page.getByRole('tab', { name: /^History/ }).click();
    await statusBadge(page, 'Completed').waitFor();
    expect(await panelText(page, 'Result')).toContain('"state": "succeeded"');
    await screenshot(page, '07-succeeded', 'ui-succeeded');
  });

  it('fails a bad input at once, naming every problem by JSON path on the page, and touches nothing', async () => {
    const workflowId = `ui-bad-input-${Date.now()}`;
    const routingBefore = routingOf(await lab.routing());
    const serversBefore = await lab.servers();
    const input = { procedure: 'multiCellRollout', app: 'userHitCount', toVersion: '1.2', artifact: 'lab:1.2', estate: estateName, drain: { maxWaitSeconds: -1 }, colour: 'blue' };
    const failure = await withWorker(async (client, taskQueue) => {
      await startFromUi({ workflowId, taskQueue, input }, { name: '08-bad-input-form' });
      return track(client.workflow.getHandle(workflowId))
        .result()
        .then(
          () => undefined,
          (err: unknown) => err,
        );
    });

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(failureTypes.invalidInput);
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);
    const problems = ['$.fromVersion', '$.drain.maxWaitSeconds', '$.colour'];
    expect(cause?.message.split('\n').map((line) => line.split(': ')[0])).toEqual(['invalid rollout request:', ...problems]);

    await page.reload();
    await statusBadge(page, 'Failed').waitFor();
    const shown = await panelText(page, 'Result');
    for (const problem of problems) expect(shown).toContain(`${problem}: `);
    await screenshot(page, '09-bad-input-failed', 'ui-bad-input');
    expect(routingOf(await lab.routing())).toEqual(routingBefore);
    expect(await lab.servers()).toEqual(serversBefore);
  });

  it('shows a rolled-back rollout as Failed in the workflow list and its header, found by RolloutState="rolled-back"', async () => {
    const workflowId = `ui-rolled-back-${Date.now()}`;
    const reason = 'error rate on cell X';
    const request = labRequest(lab.estate, { estate: estateName });
    // The rollback comes with the start, so it rolls back before any step: the lab is not touched, and this costs about a second.
    const seen = await withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.signalWithStart('multiCellRollout', { taskQueue, workflowId, args: [request], signal: messageNames.rollback, signalArgs: [{ by: 'bob', reason }] }));
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      const query = `RolloutApp="userHitCount" AND RolloutState="rolled-back"`;
      await waitUntilListed(client, query, workflowId);
      return { failure, query, described: await handle.describe(), queried: await handle.query(statusQuery), runId: handle.signaledRunId };
    });

    const cause = (seen.failure as WorkflowFailedError).cause as ApplicationFailure;
    expect({ type: cause.type, nonRetryable: cause.nonRetryable, message: cause.message }).toEqual({ type: failureTypes.rolledBack, nonRetryable: true, message: `rolled back: ${reason}` });
    expect(cause.details?.[0]).toMatchObject({ rolloutId: workflowId, state: 'rolled-back', reason });
    expect(seen.queried).toMatchObject({ state: 'rolled-back', reason });
    expect(seen.described.status.name).toBe('FAILED');
    expect(seen.described.typedSearchAttributes.get(rolloutSearchAttributes.state)).toBe('rolled-back');

    await openWorkflowList(page, uiUrl as string, namespace, seen.query);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: workflowId }) });
    await row.getByText('Failed', { exact: true }).waitFor();
    await screenshot(page, '15-rolled-back-list', 'ui-rolled-back');
    await openWorkflowPage(page, uiUrl as string, namespace, workflowId, seen.runId);
    await statusBadge(page, 'Failed').waitFor();
    expect(await panelText(page, 'Result')).toContain(`rolled back: ${reason}`);
    await screenshot(page, '16-rolled-back', 'ui-rolled-back-page');
  });

  it('approves a drain-timeout gate through Send a Signal, naming the gate as Current details says, under load', async () => {
    // A lab of its own (same ports): the first scenario left this one on 1.1.
    await lab.stop();
    lab = await startScenarioLab(21500);
    writeFileSync(path.join(estatesDir, `${estateName}.json`), JSON.stringify(lab.estate, null, 2));
    // A session kept on each cell, so that both drains reach their 1 s maximum wait and ask a person.
    const keepers = { X: keepSession(lab.estate, 'ServerX1'), Y: keepSession(lab.estate, 'ServerY1') };
    await Promise.all([waitForKeeperRequests(keepers.X, 0), waitForKeeperRequests(keepers.Y, 0)]);
    const load = startLoad(lab.estate, 40);
    const workflowId = `ui-drain-gate-${Date.now()}`;
    const request = labRequest(lab.estate, {
      estate: estateName,
      approvals: { phases: [], timeoutSeconds: 3600, onTimeout: 'wait' },
      drain: { pollIntervalSeconds: 1, maxWaitSeconds: 1, sessionThreshold: 0, onTimeout: 'approve' },
      burnInSeconds: 1,
    });
    const kept: LoadReport[] = [];
    const final = await withWorker(async (client, taskQueue) => {
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue, workflowId, args: [request] }));
      const gate = await waitForStatus(handle, (s) => s.pendingApproval?.gate === 'X.drain', 'the drain-timeout gate of cell X');
      expect(gate.pendingApproval).toMatchObject({ gate: 'X.drain', phase: 'cell-X', kind: 'drain-timeout', question: expect.stringMatching(/^drain reached its maximum wait \(1s\) with sessions left: .*ServerX1 [1-9].*\. Go on anyway\?$/) });

      await openWorkflowPage(page, uiUrl as string, namespace, workflowId, handle.firstExecutionRunId);
      const details = await openCurrentDetails(page);
      await details.getByText('Waiting for approval of X.drain (phase cell-X)').waitFor();
      await details.getByText(gate.pendingApproval?.question ?? '').waitFor();
      await details.getByText(`turnout approve ${workflowId} --by <you> --phase X.drain`).waitFor();
      await details.getByText('{"by": "<you>", "phase": "X.drain"}').waitFor();
      await screenshot(page, '10-drain-timeout-gate');

      // Going on with sessions left on cell X would fail them on its N+1 install (see
      // test/integration/gates.test.ts): the person lets them end, then approves.
      kept.push(await keepers.X.stop());
      await waitForNoSessions(lab.estate, ['ServerX1', 'ServerX2', 'ServerX3']);
      const dialog = await openSignalDialog(page);
      await openSignalList(dialog);
      await fillSignalDialog(page, dialog, messageNames.approve, '{"by": "alice", "phase": "X.drain"}');
      await screenshot(page, '11-drain-timeout-signal');
      await submitSignalDialog(dialog);
      const approved = await waitForStatus(handle, (s) => s.approvals.length > 0, 'the approval of X.drain');
      expect(approved.approvals).toEqual([{ phase: 'X.drain', by: 'alice', at: expect.any(String) }]);

      await waitForStatus(handle, (s) => s.pendingApproval?.gate === 'Y.drain', 'the drain-timeout gate of cell Y');
      kept.push(await keepers.Y.stop());
      await waitForNoSessions(lab.estate, ['ServerY1', 'ServerY2', 'ServerY3']);
      await handle.signal(messageNames.approve, { by: 'bob', phase: 'Y.drain' });
      return await rolloutOutcome(handle);
    });
    const report = await load.stop();

    expect(final.state).toBe('succeeded');
    expect(final.approvals.map(({ phase, by }) => ({ phase, by }))).toEqual([{ phase: 'X.drain', by: 'alice' }, { phase: 'Y.drain', by: 'bob' }]);
    expect(final.events.filter((e) => e.type === 'message-refused')).toEqual([]);
    expect((await lab.servers()).map((s) => [s.name, s.version])).toEqual(['ServerX1', 'ServerX2', 'ServerX3', 'ServerY1', 'ServerY2', 'ServerY3'].map((n) => [n, '1.1']));
    for (const r of [report, ...kept]) expect({ failed: r.failed, lostSessions: r.lostSessions, versionFlips: r.versionFlips }).toEqual({ failed: 0, lostSessions: 0, versionFlips: 0 });
    expect(report.requests).toBeGreaterThan(100);

    await page.reload();
    await page.getByRole('tab', { name: /^History/ }).click();
    await statusBadge(page, 'Completed').waitFor();
    await screenshot(page, '12-drain-timeout-succeeded');
  });
});
