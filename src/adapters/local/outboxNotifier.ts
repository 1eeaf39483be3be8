import { randomUUID } from 'node:crypto';
import type { Notification } from '../../domain/notifications/notification.ts';
import type { BlobStore } from '../../ports/blobStore.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Notifier } from '../../ports/notifier.ts';

/**
 * The stand-in for SNS when the pipeline runs outside AWS: every notification becomes one
 * JSON object under `<lake>/outbox/` (what a subscriber would receive, attributes included),
 * named so that they list in the order they were sent, and is logged for the person watching.
 */
export class OutboxNotifier implements Notifier {
  readonly prefix: string;

  constructor(
    private readonly blobs: BlobStore,
    lakeRoot: string,
    private readonly log: Logger,
  ) {
    this.prefix = `${lakeRoot.replace(/\/+$/, '')}/outbox/`;
  }

  async publish(notification: Notification): Promise<string> {
    const messageId = randomUUID();
    const sentAt = new Date().toISOString();
    const uri = `${this.prefix}${sentAt.replace(/[-:.]/g, '')}-${messageId}.json`;
    await this.blobs.putText(uri, `${JSON.stringify({ messageId, sentAt, ...notification }, null, 2)}\n`);
    this.log.info(`notification sent: ${notification.subject}`, { outbox: uri });
    return messageId;
  }

  /** Every notification sent so far, oldest first. */
  async sent(): Promise<(Notification & { messageId: string; sentAt: string })[]> {
    const objects = await this.blobs.list(this.prefix);
    const texts = await Promise.all(objects.map((o) => this.blobs.getText(o.uri)));
    return texts.filter((t): t is string => t !== undefined).map((t) => JSON.parse(t));
  }
}
