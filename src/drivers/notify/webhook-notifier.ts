/** The generic JSON webhook: the notification as it is, with its links, signed by `deliver.ts`. */
import type { Notifier } from './notifier';

/** The body version, so receivers can tell a later shape apart. */
export const webhookBodyVersion = 1;

/** The generic webhook notifier. */
export const webhookNotifier: Notifier = {
  kind: 'webhook',
  body: (notification, links) => ({ version: webhookBodyVersion, ...notification, links }),
};
