/** Message attributes subscribers filter on (SNS filter policies). */
export interface NotificationAttributes {
  readonly environment: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly source?: string;
}

/** What people are told about a run: SNS in AWS, the outbox of a local lake. */
export interface Notification {
  readonly subject: string;
  /** Human-readable body. */
  readonly message: string;
  readonly attributes: NotificationAttributes;
}
