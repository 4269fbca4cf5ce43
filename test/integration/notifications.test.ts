/**
 * Notifications on the real dev server and the lab: one rollout (paused once, then a gate answered
 * after its 80% warning) tells four receivers on 127.0.0.1, each a real HTTP server:
 * - `hook` (signed webhook, URL and secret from the worker's environment) gets every event once per
 *   delivery ID, with a valid signature;
 * - `slack` (Slack format, URL from the environment) gets Block Kit blocks with the approve command;
 * - `flaky` answers 500 twice and gets its event on the third try, under the same delivery ID;
 * - `silent` never answers: the rollout still succeeds, and its status says the delivery failed.
 * Neither the secret nor the URLs given by `urlEnv` appear in history, the status or the logs.
 * Everything else (each kind's payload, signatures, paths, the CLI) is in the unit tests.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { approvePhaseUpdate, pauseRolloutUpdate, resumeRolloutUpdate } from '../../workflows/messages';
import { labRequest, recordHistory, resultWithin, startScenarioLab, terminateLeftovers, track, waitForState, type ScenarioLab } from '../support/rollout-harness';
import { testClient, withTestWorker, type LogCapture } from '../support/temporal';
import { signatureValid, startReceiver, type Received, type WebhookReceiver } from '../support/webhook-receiver';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');
const secret = 'notify-secret-7d2e9a';
const limitMs = 90_000;

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const eventsOf = (r: WebhookReceiver): string[] => r.received.filter((x) => x.answered === 200).map((x) => x.event);

describe('notifications', () => {
  let lab: ScenarioLab;
  const receivers: Record<'hook' | 'slack' | 'flaky' | 'silent', WebhookReceiver> = {} as never;

  beforeAll(async () => {
    lab = await startScenarioLab(9000);
    receivers.hook = await startReceiver('ok');
    receivers.slack = await startReceiver('ok');
    receivers.flaky = await startReceiver('fail-twice');
    receivers.silent = await startReceiver('silent');
  });
  afterAll(async () => {
    await terminateLeftovers();
    await Promise.all(Object.values(receivers).map((r) => r.close()));
    await lab?.stop();
  });

  it('tells every receiver once per delivery ID, retries a 500, and never waits on a receiver that does not answer', async () => {
    const client: Client = await testClient();
    const env = { ...process.env, HOOK_URL: receivers.hook.url, HOOK_SECRET: secret, SLACK_URL: receivers.slack.url, TURNOUT_UI_URL: 'http://ui.test:8233' };
    const request = labRequest(lab.estate, {
      approvals: { phases: ['*'], timeoutSeconds: 10, onTimeout: 'rollback', fourEyes: true },
      notify: [
        { kind: 'webhook', urlEnv: 'HOOK_URL', secretEnv: 'HOOK_SECRET' },
        { kind: 'slack', urlEnv: 'SLACK_URL', events: ['awaiting-approval'] },
        { kind: 'webhook', url: receivers.flaky.url, secretEnv: 'HOOK_SECRET', events: ['awaiting-approval'] },
        { kind: 'slack', url: receivers.silent.url, events: ['awaiting-approval'], timeoutSeconds: 1 },
      ],
    });
    let logs: LogCapture | undefined;
    const t0 = Date.now();
    const final = await withTestWorker(createActivities({ estatesDir, client, baseDir: lab.dir, env }), async (ctx) => {
      logs = ctx.logs;
      const handle = track(await client.workflow.start('multiCellRollout', { taskQueue: ctx.taskQueue, workflowId: `notify-${Date.now()}`, args: [request] }));
      // Paused before its first step: the pause holds at that boundary.
      expect((await handle.executeUpdate(pauseRolloutUpdate, { args: [{ by: 'dave', reason: 'wait for the go' }] })).state).toBe('paused');
      await until('the paused notification', () => eventsOf(receivers.hook).includes('paused'));
      await handle.executeUpdate(resumeRolloutUpdate, { args: [{ by: 'dave' }] });
      await waitForState(handle, 'awaiting-approval');
      // 80% of the 10 s timeout: the warning comes about 8 s into the gate, before the rollback at 10 s.
      await until('the approval-timeout-soon notification', () => eventsOf(receivers.hook).includes('approval-timeout-soon'));
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'cell-Y' }] });
      const result = await resultWithin(handle, limitMs);
      await recordHistory(client, handle.workflowId, 'notifications-succeeded');
      // Payloads are bytes (base64 once fetched): read them as text, or the search would find nothing whatever they hold.
      const asText = (key: string, v: unknown): unknown => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : key === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v);
      const history = JSON.stringify(await client.workflow.getHandle(handle.workflowId).fetchHistory(), asText);
      expect(history).toContain('HOOK_URL');
      expect(history).toContain(receivers.flaky.url);
      expect(history).not.toContain(secret);
      expect(history).not.toContain(receivers.hook.url);
      expect(history).not.toContain(receivers.slack.url);
      return result;
    });
    const seconds = (Date.now() - t0) / 1000;
    process.stdout.write(`notifications rollout: ${seconds.toFixed(1)} s\n`);
    expect(final.state).toBe('succeeded');

    // hook: every event it met, once per delivery ID, each validly signed, the ID in header and body.
    const hook = receivers.hook.received;
    expect(hook.map((r) => r.event)).toEqual(['paused', 'awaiting-approval', 'approval-timeout-soon', 'succeeded']);
    expect(new Set(hook.map((r) => r.deliveryId)).size).toBe(hook.length);
    for (const r of hook) {
      expect(signatureValid(r.raw, r.signature, secret)).toBe(true);
      expect(r.body).toMatchObject({ deliveryId: r.deliveryId, event: r.event, rollout: { id: final.rolloutId, app: 'userHitCount' } });
    }
    expect(hook[1]?.body).toMatchObject({ phase: 'cell-Y', approvers: 'anyone but release-bot (four-eyes)', approveCommand: `turnout approve ${final.rolloutId} --by <your name> --phase cell-Y`, links: { ui: `http://ui.test:8233/namespaces/default/workflows/${final.rolloutId}` } });

    // slack: the same delivery ID as hook's awaiting-approval, in Block Kit.
    expect(receivers.slack.received.map((r) => r.deliveryId)).toEqual([hook[1]?.deliveryId]);
    expect(JSON.stringify(receivers.slack.received[0]?.body)).toContain(`turnout approve ${final.rolloutId} --by &lt;your name&gt; --phase cell-Y`);

    // flaky: 500, 500, then 200, one delivery ID.
    expect(receivers.flaky.received.map((r: Received) => [r.deliveryId, r.answered])).toEqual([0, 1, 2].map((i) => [hook[1]?.deliveryId, i < 2 ? 500 : 200]));

    // silent: tried three times while the rollout went on past the gate, and the status says so.
    expect(receivers.silent.received.length).toBe(3);
    const mine = (label: string) => (final.notifications ?? []).filter((n) => n.target === label).map((n) => [n.event, n.state, n.attempts ?? n.error]);
    expect(mine('notify[0] webhook ($HOOK_URL)')).toEqual([
      ['paused', 'delivered', 1],
      ['awaiting-approval', 'delivered', 1],
      ['approval-timeout-soon', 'delivered', 1],
      ['succeeded', 'delivered', 1],
    ]);
    expect(mine('notify[2] webhook')).toEqual([['awaiting-approval', 'delivered', 3]]);
    expect(mine('notify[3] slack')).toEqual([['awaiting-approval', 'failed', 'attempt 3: no answer within 1s']]);
    expect(final.events.filter((e) => e.type === 'notification-failed').map((e) => e.message)).toEqual([
      expect.stringMatching(/^awaiting-approval to notify\[3\] slack \(delivery .+\) was not delivered: attempt 3: no answer within 1s; the rollout goes on$/),
    ]);
    const everything = JSON.stringify({ final, logs: logs?.records });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(receivers.hook.url);
  });
});
