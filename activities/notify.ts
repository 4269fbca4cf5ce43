/**
 * The notification activity. Idempotent by its delivery ID: every attempt sends the same ID (header
 * and body), so a receiver that got an earlier attempt drops the repeat. The URL and secret are
 * read here, from the worker's environment, and never logged.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { deliverNotification, NotifyDeliveryError, rolloutLinks } from '../src/drivers/notify/deliver';
import { failureTypes } from '../workflows/failure-types';
import type { NotifyInput, NotifyResult } from './notify-types';

/** What the activity reads: the worker's environment, unless a test gives its own. */
export interface NotifyActivityDeps {
  env?: NodeJS.ProcessEnv;
}

/** Builds the notification activity. */
export function createNotifyActivities(deps: NotifyActivityDeps = {}) {
  return {
    async deliverNotification({ target, notification }: NotifyInput): Promise<NotifyResult> {
      const info = Context.current().info;
      const env = deps.env ?? process.env;
      const where = { deliveryId: notification.deliveryId, event: notification.event, kind: target.kind, attempt: info.attempt };
      try {
        const status = await deliverNotification(target, notification, rolloutLinks(notification.rollout.id, info.workflowNamespace ?? 'default', env), env);
        log.info('notification delivered', { ...where, status });
        return { status, attempt: info.attempt };
      } catch (err) {
        const message = `attempt ${info.attempt}: ${err instanceof Error ? err.message : String(err)}`;
        log.warn('notification not delivered', { ...where, problem: message });
        if (err instanceof NotifyDeliveryError && !err.retryable) throw ApplicationFailure.nonRetryable(message, failureTypes.notifyRefused);
        throw ApplicationFailure.retryable(message, failureTypes.notifyFailed);
      }
    },
  };
}
