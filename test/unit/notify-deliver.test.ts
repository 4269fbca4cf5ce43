/** One delivery to a real receiver on 127.0.0.1: signature, headers, outcomes, and no secret in any error. */
import { deliverNotification, NotifyDeliveryError, rolloutLinks, signBody } from '../../src/drivers/notify/deliver';
import type { NotifyTarget } from '../../src/model';
import { notificationOf } from '../support/notification-sample';
import { signatureValid, startReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const secret = 'hook-secret-4f1c';
const links = rolloutLinks('rollout-1', 'default', {});
const webhook = (over: Partial<NotifyTarget> = {}): NotifyTarget => ({ kind: 'webhook', urlEnv: 'HOOK_URL', secretEnv: 'HOOK_SECRET', events: ['awaiting-approval'], timeoutSeconds: 1, ...over });

let receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});
async function receiver(behaviour: Parameters<typeof startReceiver>[0]): Promise<WebhookReceiver> {
  const r = await startReceiver(behaviour);
  receivers.push(r);
  return r;
}

async function failure(p: Promise<unknown>): Promise<NotifyDeliveryError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof NotifyDeliveryError)) throw new Error(`expected a NotifyDeliveryError, got ${String(err)}`);
  return err;
}

describe('a webhook delivery', () => {
  it('posts the notification signed with HMAC-SHA256 over the body, the delivery ID in a header and the body', async () => {
    const r = await receiver('ok');
    const n = notificationOf('awaiting-approval');
    await expect(deliverNotification(webhook(), n, links, { HOOK_URL: r.url, HOOK_SECRET: secret })).resolves.toBe(200);
    expect(r.received).toHaveLength(1);
    const [got] = r.received;
    expect(got).toMatchObject({ deliveryId: n.deliveryId, event: 'awaiting-approval' });
    expect(signatureValid(got!.raw, got!.signature, secret)).toBe(true);
    expect(signatureValid(got!.raw, got!.signature, 'another-secret')).toBe(false);
    expect(got!.signature).toBe(signBody(got!.raw, secret));
    expect(got!.body).toEqual({ version: 1, ...n, links });
    expect(got!.raw.toString()).not.toContain(secret);
  });

  it('takes a literal url too', async () => {
    const r = await receiver('ok');
    await expect(deliverNotification(webhook({ urlEnv: undefined, url: r.url }), notificationOf('succeeded'), links, { HOOK_SECRET: secret })).resolves.toBe(200);
  });

  it('calls a 500 retryable and a 4xx final, naming neither URL nor secret', async () => {
    const failing = await receiver('fail-twice');
    const env = { HOOK_URL: failing.url, HOOK_SECRET: secret };
    const err = await failure(deliverNotification(webhook(), notificationOf('failed'), links, env));
    expect({ message: err.message, retryable: err.retryable }).toEqual({ message: 'the receiver answered HTTP 500', retryable: true });
    await failure(deliverNotification(webhook(), notificationOf('failed'), links, env));
    // Same delivery ID, third attempt: through.
    await expect(deliverNotification(webhook(), notificationOf('failed'), links, env)).resolves.toBe(200);
    expect(failing.received.map((x) => x.answered)).toEqual([500, 500, 200]);
    expect(new Set(failing.received.map((x) => x.deliveryId)).size).toBe(1);
  });

  it('gives up on a receiver that never answers after the target timeout, retryably', async () => {
    const silent = await receiver('silent');
    const t0 = Date.now();
    const err = await failure(deliverNotification(webhook(), notificationOf('paused'), links, { HOOK_URL: silent.url, HOOK_SECRET: secret }));
    expect({ message: err.message, retryable: err.retryable }).toEqual({ message: 'no answer within 1s', retryable: true });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('refuses without retry when a variable is missing, naming the variable only', async () => {
    const noUrl = await failure(deliverNotification(webhook(), notificationOf('paused'), links, { HOOK_SECRET: secret }));
    expect({ message: noUrl.message, retryable: noUrl.retryable }).toEqual({ message: 'environment variable HOOK_URL is not set on the worker', retryable: false });
    const noSecret = await failure(deliverNotification(webhook(), notificationOf('paused'), links, { HOOK_URL: 'http://127.0.0.1:9/x' }));
    expect(noSecret.message).toBe('environment variable HOOK_SECRET is not set on the worker');
  });

  it('says a refused connection is retryable, without the URL', async () => {
    const r = await receiver('ok');
    const url = r.url;
    await r.close();
    receivers = [];
    const err = await failure(deliverNotification(webhook(), notificationOf('paused'), links, { HOOK_URL: url, HOOK_SECRET: secret }));
    expect(err.retryable).toBe(true);
    expect(err.message).toBe('could not reach the receiver: ECONNREFUSED');
  });
});

describe('the UI link', () => {
  it('uses TURNOUT_UI_URL and the namespace', () => {
    expect(rolloutLinks('a b', 'prod', { TURNOUT_UI_URL: 'https://temporal.example/' }).ui).toBe('https://temporal.example/namespaces/prod/workflows/a%20b');
  });
});

describe('logs', () => {
  it('redact a signature header wherever it appears', async () => {
    const { redactSecrets, redactedValue } = await import('../../src/logging');
    expect(redactSecrets({ headers: { 'X-Turnout-Signature': 'sha256=abc' }, secretEnv: 'HOOK_SECRET' })).toEqual({ headers: { 'X-Turnout-Signature': redactedValue }, secretEnv: redactedValue });
  });
});
