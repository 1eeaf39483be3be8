/** Message attributes subscribers filter on (SNS filter policies). */
export interface NotificationAttributes {
  readonly environment: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The error that failed the run or most of its failed items (e.g. DataQualityError), when it failed. */
  readonly error?: string;
  readonly source?: string;
}

/** What people are told about a run: SNS in AWS, the outbox of a local lake. */
export interface Notification {
  readonly subject: string;
  /** Human-readable body. */
  readonly message: string;
  readonly attributes: NotificationAttributes;
}
