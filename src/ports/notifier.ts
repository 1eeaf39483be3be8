import type { Notification } from '../domain/notifications/notification.ts';

/** Tells people what happened: SNS in AWS, the console and an outbox file locally. */
export interface Notifier {
  /** Returns the message id. */
  publish(notification: Notification): Promise<string>;
}
