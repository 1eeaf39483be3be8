import { z } from 'zod';
import { failureNotification } from '../domain/notifications/notifications.ts';
import type { Logger } from '../ports/logger.ts';
import type { Notifier } from '../ports/notifier.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface NotifyFailurePorts {
  readonly environment: string;
  /** For console links. */
  readonly region: string;
  readonly notifier: Notifier;
  /** The command that starts the run again, in the world it ran in (AWS CLI, or `etl run`). */
  readonly rerunCommand: (input: unknown, executionId: string) => string;
  readonly log: Logger;
}

const notifyFailureEvent = z.object({
  state: z.record(z.string(), z.unknown()),
  executionId: z.string(),
  executionStartTime: z.string(),
  stateMachineName: z.string(),
});

/** NotifyFailure: tells people the run failed: where, why, what was involved and how to re-run. */
export async function notifyFailureTask(
  event: unknown,
  ports: NotifyFailurePorts,
): Promise<{ messageId: string }> {
  const parsed = parseTaskEvent('NotifyFailure', notifyFailureEvent, event);
  const notification = failureNotification({
    ...parsed,
    environment: ports.environment,
    region: ports.region,
    rerunCommand: (input) => ports.rerunCommand(input, parsed.executionId),
  });
  const messageId = await ports.notifier.publish(notification);
  ports.log.error('run failed', { subject: notification.subject, messageId });
  return { messageId };
}
