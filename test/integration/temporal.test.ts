/**
 * The embedded Temporal: the shared dev server answers, the search attributes are registered, and
 * `pingWorkflow` runs on a turnout worker with its workflow and activity log lines arriving in pino.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { pingWorkflow } from '../../workflows';
import { rolloutSearchAttributeNames } from '../../workflows/search-attributes';
import { testClient, testLogs, testTemporal, withTestWorker } from '../support/temporal';

describe('embedded Temporal dev server', () => {
  const estatesDir = mkdtempSync(path.join(tmpdir(), 'turnout-estates-'));
  afterAll(() => rmSync(estatesDir, { recursive: true, force: true }));

  it('answers on loopback with the Web UI', async () => {
    const { address, uiUrl } = testTemporal();
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const client = await testClient();
    const info = await client.connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBeTruthy();
    expect(uiUrl).toBeDefined();
    const ui = await fetch(uiUrl!.replace('localhost', '127.0.0.1'));
    expect(ui.ok).toBe(true);
  });

  it('has the rollout search attributes registered as Keyword', async () => {
    const client = await testClient();
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: testTemporal().namespace });
    for (const name of Object.values(rolloutSearchAttributeNames)) {
      // 2 is INDEXED_VALUE_TYPE_KEYWORD.
      expect({ name, type: customAttributes?.[name] }).toEqual({ name, type: 2 });
    }
  });

  it('runs pingWorkflow, and its workflow and activity log lines reach pino', async () => {
    const message = `hello-${randomUUID()}`;
    const result = await withTestWorker(createActivities({ estatesDir }), ({ client, taskQueue }) =>
      client.workflow.execute(pingWorkflow, { taskQueue, workflowId: `ping-${randomUUID()}`, args: [message] }),
    );
    expect(result).toEqual({ workflow: `workflow:${message}`, activity: `activity:${message}` });

    const logs = testLogs();
    const workflowLine = await logs.waitFor((r) => r.sdkComponent === 'workflow' && r.message === message, 'from the workflow');
    expect(workflowLine).toMatchObject({ msg: 'pingWorkflow received a message', workflowType: 'pingWorkflow', level: 30 });
    const activityLine = await logs.waitFor((r) => r.sdkComponent === 'activity' && r.message === message, 'from the activity');
    expect(activityLine).toMatchObject({ msg: 'ping activity answering', activityType: 'ping', level: 30 });
  });
});

describe('resolveEstate activity', () => {
  const estatesDir = mkdtempSync(path.join(tmpdir(), 'turnout-estates-'));
  afterAll(() => rmSync(estatesDir, { recursive: true, force: true }));
  const activities = createActivities({ estatesDir });

  it('fails without retry, naming $.estate, when the file is missing', async () => {
    const failure = await activities.resolveEstate('nowhere').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((failure as Error).message).toMatch(/^\$\.estate: /);
  });

  it('names the bad fields under $.estate', async () => {
    writeFileSync(path.join(estatesDir, 'broken.json'), JSON.stringify({ cells: 'not a list' }));
    const failure = await activities.resolveEstate('broken').catch((err: unknown) => err);
    expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((failure as Error).message).toMatch(/\$\.estate\./);
  });

  it('reads a valid estate by name, with or without .json', async () => {
    copyFileSync(path.join(__dirname, '..', '..', 'estates', 'lab.json'), path.join(estatesDir, 'lab.json'));
    const estate = await activities.resolveEstate('lab');
    expect(estate.cells.length).toBeGreaterThan(0);
    await expect(activities.resolveEstate('lab.json')).resolves.toEqual(estate);
  });
});
