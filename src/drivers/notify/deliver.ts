/**
 * Posts one notification to one target: resolves its URL and secret from the environment, builds
 * the kind's body, signs it, and sends it with a timeout. Errors never carry the URL or the
 * secret, since they end up in workflow history and the status.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Notification, NotifyTarget } from '../../model';
import { deliveryHeader, eventHeader, signatureHeader, type NotificationLinks, type Notifier } from './notifier';
import { slackNotifier } from './slack-notifier';
import { webhookNotifier } from './webhook-notifier';

const notifiers: Record<NotifyTarget['kind'], Notifier> = { webhook: webhookNotifier, slack: slackNotifier };

/** A delivery that did not go through; `retryable` says whether another attempt may. */
export class NotifyDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'NotifyDeliveryError';
  }
}

/** `sha256=` and the hex HMAC-SHA256 of `body` under `secret`: what a receiver recomputes. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The URL and secret of `target`, read from `env` where it names variables. */
function resolve(target: NotifyTarget, env: NodeJS.ProcessEnv): { url: URL; secret: string | undefined } {
  const raw = target.urlEnv ? env[target.urlEnv] : target.url;
  if (!raw) throw new NotifyDeliveryError(`environment variable ${target.urlEnv} is not set on the worker`, false);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NotifyDeliveryError(`the URL${target.urlEnv ? ` in ${target.urlEnv}` : ''} is not a URL`, false);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NotifyDeliveryError('the URL is not http:// or https://', false);
  const secret = target.secretEnv ? env[target.secretEnv] : undefined;
  if (target.secretEnv && !secret) throw new NotifyDeliveryError(`environment variable ${target.secretEnv} is not set on the worker`, false);
  return { url, secret };
}

/** The request a target gets: body bytes and headers. Exported for `turnout notify test` and tests. */
export function notificationRequest(target: NotifyTarget, notification: Notification, links: NotificationLinks, secret: string | undefined): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(notifiers[target.kind].body(notification, links));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'turnout-notify',
    [deliveryHeader]: notification.deliveryId,
    [eventHeader]: notification.event,
  };
  if (secret) headers[signatureHeader] = signBody(body, secret);
  return { body, headers };
}

function post(url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((done, fail) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(res.statusCode ?? 0));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new NotifyDeliveryError(`no answer within ${timeoutMs / 1000}s`, true)));
    req.on('error', (err: NodeJS.ErrnoException) => fail(err instanceof NotifyDeliveryError ? err : new NotifyDeliveryError(`could not reach the receiver: ${err.code ?? err.message}`, true)));
    req.end(body);
  });
}

/**
 * Sends `notification` to `target` once and resolves to the receiver's status (2xx). A 5xx, 408,
 * 429, a timeout or a refused connection is retryable; another status or a missing variable is not.
 */
export async function deliverNotification(target: NotifyTarget, notification: Notification, links: NotificationLinks, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { url, secret } = resolve(target, env);
  const { body, headers } = notificationRequest(target, notification, links, secret);
  const status = await post(url, body, headers, target.timeoutSeconds * 1000);
  if (status >= 200 && status < 300) return status;
  throw new NotifyDeliveryError(`the receiver answered HTTP ${status}`, status >= 500 || status === 408 || status === 429);
}

/** The rollout's page in the Web UI: TURNOUT_UI_URL (or the dev server's) and the namespace. */
export function rolloutLinks(rolloutId: string, namespace: string, env: NodeJS.ProcessEnv = process.env): NotificationLinks {
  const base = (env.TURNOUT_UI_URL || 'http://localhost:8233').replace(/\/+$/, '');
  return { ui: `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(rolloutId)}` };
}
