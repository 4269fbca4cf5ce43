/**
 * The notifier kind: turns one notification into the bytes and headers a kind of receiver takes.
 * One file per kind (`webhook-notifier.ts`, `slack-notifier.ts`); `deliver.ts` posts them.
 */
import type { Notification, NotifyKind } from '../../model';

/** Where the rollout can be seen, added by the activity from the worker's configuration. */
export interface NotificationLinks {
  /** The rollout's page in the Temporal Web UI. */
  ui: string;
}

/** A kind of notification receiver. */
export interface Notifier {
  kind: NotifyKind;
  /** The JSON body sent for `notification`. */
  body(notification: Notification, links: NotificationLinks): unknown;
}

/** The header that carries `sha256=<hex HMAC-SHA256 of the body>`. */
export const signatureHeader = 'X-Turnout-Signature';
/** The header that carries the delivery ID, the same on every attempt. */
export const deliveryHeader = 'X-Turnout-Delivery';
/** The header that names the event. */
export const eventHeader = 'X-Turnout-Event';
