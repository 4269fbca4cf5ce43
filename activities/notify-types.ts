/**
 * Input and output of the notification activity. Plain data recorded in history: target names its
 * URL and secret by environment variable, never by value, when the request does.
 */
import type { Notification, NotifyTarget } from '../src/model';

/** One notification for one target. */
export interface NotifyInput {
  target: NotifyTarget;
  notification: Notification;
}

/** A delivery the receiver took. */
export interface NotifyResult {
  /** The receiver's HTTP status. */
  status: number;
  /** Which attempt went through (1 for the first). */
  attempt: number;
}

/** The notification activity, as workflows see it. */
export interface NotifyActivities {
  deliverNotification(input: NotifyInput): Promise<NotifyResult>;
}
