import { type AlarmSignalName, alarmSignals } from './alarmSignals.ts';
import type { Notification } from './notification.ts';

/** What the relay needs of a CloudWatch alarm's state change (validated at the edge). */
export interface AlarmStateChange {
  readonly alarmName: string;
  readonly region: string;
  /** The new state's time, ISO 8601, as CloudWatch gives it. */
  readonly since: string;
  /** CloudWatch's own sentence, e.g. "Threshold Crossed: 1 datapoint [0.62] was greater than the threshold (0.5)". */
  readonly reason: string;
}

/** The alarm in the CloudWatch console. */
export function alarmConsoleLink(alarmName: string, region: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

/**
 * The message of an alarm that went off: what it means and what to do, with the attributes
 * of a failed run's message (`status` FAILED, `error` the alarm's signal, `source` when the
 * alarm is a source's), so that one filter policy serves both.
 */
export function alarmNotification(
  environment: string,
  alarm: AlarmStateChange,
  signalName: AlarmSignalName,
  source?: string,
): Notification {
  const signal = alarmSignals[signalName];
  return {
    subject: `[${environment}] listings pipeline alarm: ${signal.title}${source ? ` (${source})` : ''}`,
    message: [
      `The alarm ${alarm.alarmName} went off at ${alarm.since}${source ? ` for the source ${source}` : ''}.`,
      '',
      `What it means: ${signal.meaning}`,
      `What to do: ${signal.action}`,
      '',
      `CloudWatch says: ${alarm.reason}`,
      `Alarm: ${alarmConsoleLink(alarm.alarmName, alarm.region)}`,
    ].join('\n'),
    attributes: {
      environment,
      status: 'FAILED',
      error: signal.error,
      ...(source ? { source } : {}),
    },
  };
}
