/**
 * Release engineers' path through the Temporal Web UI, in headless Chromium against the shared dev
 * server: start `multiCellRollout` from the Start Workflow form on the real lab, watch Current
 * details, approve with the Send a Signal dialog, see it complete; and see a bad input fail at once
 * with every problem named by JSON path. Screenshots of each stage go to test-results/e2e/, and the
 * README's to docs/images/.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { createActivities } from '../../activities';
import type { RolloutStatus } from '../../src/model';
import { failureTypes } from '../../workflows/failure-types';
import { messageDescriptions, messageNames } from '../../workflows/messages';
import { labRequest, routingOf, startScenarioLab, terminateLeftovers, track, waitForState, type ScenarioLab } from '../support/rollout-harness';
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
  panelText,
  screenshot,
  statusBadge,
  submitSignalDialog,
  submitStartWorkflowForm,
  uiWaitMs,
} from '../support/temporal-ui';

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
    for (const name of [messageNames.approve, messageNames.rollback, messageNames.pause, messageNames.resume]) {
      expect(listed).toContain(`${name} ${messageDescriptions[name]}`);
    }
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

      await expectSignalsWithDescriptions();
      await screenshot(page, '05-signal-list', 'ui-signal-list');
      const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
      await fillSignalDialog(page, dialog, messageNames.approve, '{"by": "alice", "phase": "cell-Y", "comment": "from the UI"}');
      await screenshot(page, '06-signal-dialog', 'ui-signal-dialog');
      await submitSignalDialog(dialog);
      return (await handle.result()) as RolloutStatus;
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
});
