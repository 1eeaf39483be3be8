import { z } from 'zod';
import { InternalError } from '../domain/errors/pipelineError.ts';
import { alarmNotification } from '../domain/notifications/alarmNotification.ts';
import { alarmSignalOf } from '../domain/notifications/alarmSignals.ts';
import type { Logger } from '../ports/logger.ts';
import type { Notifier } from '../ports/notifier.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface RelayAlarmPorts {
  readonly environment: string;
  readonly notifier: Notifier;
  readonly log: Logger;
}

/** The parts of EventBridge's "CloudWatch Alarm State Change" event the relay reads. */
const alarmStateChangeEvent = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  region: z.string().min(1),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({ value: z.string(), reason: z.string(), timestamp: z.string() }),
  }),
});

/**
 * RelayAlarm: an alarm of this stack went off; tell people on the alert topic, with the
 * message attributes subscription filters match (an alarm action cannot set them). Only the
 * change into ALARM is a message: the rule sends no other, and one that arrives is logged.
 */
export async function relayAlarmTask(
  event: unknown,
  ports: RelayAlarmPorts,
): Promise<{ messageId: string | null }> {
  const { region, detail } = parseTaskEvent('RelayAlarm', alarmStateChangeEvent, event);
  const signal = alarmSignalOf(ports.environment, detail.alarmName);
  // The rule matches this stack's alarms by ARN: another one here is a bug of the stack.
  if (!signal)
    throw new InternalError(`RelayAlarm received the alarm ${detail.alarmName}, not one of its own.`);
  if (detail.state.value !== 'ALARM') {
    ports.log.info('alarm state change not relayed', { alarm: detail.alarmName, state: detail.state.value });
    return { messageId: null };
  }
  const notification = alarmNotification(
    ports.environment,
    { alarmName: detail.alarmName, region, since: detail.state.timestamp, reason: detail.state.reason },
    signal.signal,
    signal.source,
  );
  const messageId = await ports.notifier.publish(notification);
  ports.log.warn('alarm relayed', {
    alarm: detail.alarmName,
    error: notification.attributes.error,
    source: notification.attributes.source,
    messageId,
  });
  return { messageId };
}
