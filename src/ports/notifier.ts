/** Message attributes subscribers filter on (SNS filter policies). */
export interface NotificationAttributes {
  readonly environment: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly source?: string;
}

export interface Notification {
  readonly subject: string;
  /** Human-readable body. */
  readonly message: string;
  readonly attributes: NotificationAttributes;
}

/** Tells people what happened: SNS in AWS, the console and an outbox file locally. */
export interface Notifier {
  /** Returns the message id. */
  publish(notification: Notification): Promise<string>;
}
