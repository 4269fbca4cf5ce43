/** `turnout notify test`: a sample of each event to each target, an outcome per line, exit 2 on bad input. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../support/cli';
import { signatureValid, startReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { tempDir } from '../support/temp-dir';

const estates = path.resolve(__dirname, '..', '..', 'estates');
const tmp = tempDir('notify-cli');
const good = { app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate: 'lab-multi-cell' };
function file(name: string, json: unknown): string {
  const p = path.join(tmp, name);
  writeFileSync(p, JSON.stringify(json));
  return p;
}

let receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

describe('turnout notify test', () => {
  it('sends each event once to each target and prints how each went', async () => {
    const hook = await startReceiver('ok');
    const slack = await startReceiver('ok');
    receivers.push(hook, slack);
    const request = file('ok.json', { ...good, notify: [{ kind: 'webhook', urlEnv: 'HOOK_URL', secretEnv: 'HOOK_SECRET' }, { kind: 'slack', url: slack.url, events: ['awaiting-approval', 'failed'] }] });
    const run = await runCli(['notify', 'test', request], { TURNOUT_ESTATES: estates, HOOK_URL: hook.url, HOOK_SECRET: 's3cret' });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(hook.received.map((r) => r.event)).toEqual(['awaiting-approval', 'approval-timeout-soon', 'paused', 'waiting-window', 'succeeded', 'failed', 'rolled-back', 'drift-corrected']);
    expect(hook.received.every((r) => signatureValid(r.raw, r.signature, 's3cret'))).toBe(true);
    expect(new Set(hook.received.map((r) => r.deliveryId)).size).toBe(8);
    expect(slack.received.map((r) => r.event)).toEqual(['awaiting-approval', 'failed']);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^notify\[0\] webhook \(\$HOOK_URL\) +awaiting-approval +delivered +HTTP 200$/);
    expect(lines[9]).toMatch(/^notify\[1\] slack +failed +delivered +HTTP 200$/);
    expect(run.stdout).not.toContain('s3cret');
    expect(run.stdout).not.toContain(hook.url);
  });

  it('exits 1 and says why when a target fails, with --json', async () => {
    const broken = await startReceiver('fail-twice');
    receivers.push(broken);
    const request = file('fail.json', { ...good, notify: [{ kind: 'slack', urlEnv: 'SLACK_URL', events: ['paused'] }, { kind: 'webhook', urlEnv: 'MISSING_URL', secretEnv: 'S', events: ['failed'] }] });
    const run = await runCli(['notify', 'test', '--json', request], { TURNOUT_ESTATES: estates, SLACK_URL: broken.url, MISSING_URL: undefined });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject([
      { target: 'notify[0] slack ($SLACK_URL)', event: 'paused', ok: false, detail: 'the receiver answered HTTP 500' },
      { target: 'notify[1] webhook ($MISSING_URL)', event: 'failed', ok: false, detail: 'environment variable MISSING_URL is not set on the worker' },
    ]);
  });

  it('exits 2 naming the JSON path of a bad target, sending nothing', async () => {
    const run = await runCli(['notify', 'test', file('bad.json', { ...good, notify: [{ kind: 'webhook', url: 'http://127.0.0.1:9/x', events: ['finished'] }] })], { TURNOUT_ESTATES: estates });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('$.notify[0].events[0]');
    const unsigned = await runCli(['notify', 'test', file('unsigned.json', { ...good, notify: [{ kind: 'webhook', url: 'http://127.0.0.1:9/x' }] })], { TURNOUT_ESTATES: estates });
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain('$.notify[0].secretEnv: a webhook is signed');
  });

  it('exits 2 when nothing is configured to be told', async () => {
    const run = await runCli(['notify', 'test', file('none.json', good)], { TURNOUT_ESTATES: estates });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no notification targets: add $.notify');
  });
});
