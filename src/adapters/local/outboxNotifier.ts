import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../../ports/logger.ts';
import type { Notification, Notifier } from '../../ports/notifier.ts';

/**
 * The local stand-in for SNS: every notification is appended to `<lake>/outbox/notifications.jsonl`
 * (what a subscriber would receive, attributes included) and logged for the person watching.
 */
export class OutboxNotifier implements Notifier {
  readonly path: string;

  constructor(
    lakeRoot: string,
    private readonly log: Logger,
  ) {
    this.path = join(lakeRoot, 'outbox', 'notifications.jsonl');
  }

  async publish(notification: Notification): Promise<string> {
    const messageId = randomUUID();
    await mkdir(dirname(this.path), { recursive: true });
    const record = { messageId, sentAt: new Date().toISOString(), ...notification };
    await appendFile(this.path, `${JSON.stringify(record)}\n`);
    this.log.info(`notification sent: ${notification.subject}`, { outbox: this.path });
    return messageId;
  }
}
