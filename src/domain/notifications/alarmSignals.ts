/**
 * The alarms that tell people something no run message tells them: they reach the alert topic
 * as messages with the same attributes as the run messages (relayed, since an alarm action
 * cannot set message attributes). The stack names each alarm from here, and the relay reads
 * the name back: one definition of both directions.
 *
 * The alarms that only repeat a run message (an execution failed, timed out, was aborted) go
 * to the operations topic instead, and are not here.
 */
export interface AlarmSignal {
  /** The value of the message's `error` attribute: what subscription filter policies match. */
  readonly error: string;
  /** Whether there is one alarm per source (the `source` attribute) or one for the pipeline. */
  readonly perSource: boolean;
  /** What went wrong, for the subject line. */
  readonly title: string;
  readonly meaning: string;
  readonly action: string;
}

export const alarmSignals = {
  'missed-run': {
    error: 'MissedRunAlarm',
    perSource: false,
    title: 'no run started on a scheduled day',
    meaning:
      'No execution of the state machine started during a day (UTC) on which the daily schedule should have started one.',
    action:
      'Check that the schedule is enabled and its dead-letter queue is empty, then start the missed day: `npx etl run --date YYYY-MM-DD --lake s3://…` or an execution with {"date":"YYYY-MM-DD"}.',
  },
  'schedule-undelivered': {
    error: 'ScheduleDeliveryAlarm',
    perSource: false,
    title: 'the schedule could not start a run',
    meaning:
      'EventBridge Scheduler gave up starting the state machine after its retries and put the attempt in its dead-letter queue.',
    action:
      "Read the message in the queue (its attributes give Scheduler's error), fix the cause (permissions, a deleted state machine, a quota), start the day by hand, then purge the queue.",
  },
  'rejected-share': {
    error: 'RejectedShareAlarm',
    perSource: true,
    title: 'rejected share above the contract limit',
    meaning:
      "A published day of the source had a larger share of rejected records than its contract's quality.maxRejectedShare (a run given a higher limit published it).",
    action:
      'Look at the top reasons in listings_rejected for the day; fix the export or the contract, and re-run the day if the data was wrong.',
  },
  'low-volume': {
    error: 'LowVolumeAlarm',
    perSource: true,
    title: 'far fewer records than usual',
    meaning:
      "The records read for the source on a day fell below the band CloudWatch's anomaly detection expects from the metric's history.",
    action:
      'Check that the scraper delivered the whole day (raw files under source=<name>/dt=<day>/); land what is missing and re-run the day.',
  },
} as const satisfies Readonly<Record<string, AlarmSignal>>;

export type AlarmSignalName = keyof typeof alarmSignals;

const prefixOf = (environment: string): string => `listings-${environment}-`;

/** The alarm's name: `listings-<environment>-<signal>` and, per source, `-<source>`. */
export function alarmNameOf(environment: string, signal: AlarmSignalName, source?: string): string {
  return `${prefixOf(environment)}${signal}${source === undefined ? '' : `-${source}`}`;
}

/** Which signal (and source) an alarm name stands for; undefined for a name not made by {@link alarmNameOf}. */
export function alarmSignalOf(
  environment: string,
  alarmName: string,
): { readonly signal: AlarmSignalName; readonly source?: string } | undefined {
  const prefix = prefixOf(environment);
  if (!alarmName.startsWith(prefix)) return undefined;
  const rest = alarmName.slice(prefix.length);
  for (const signal of Object.keys(alarmSignals) as AlarmSignalName[]) {
    if (alarmSignals[signal].perSource) {
      // Source names have no hyphen (src/domain/sources/sourceContract.ts), signals do.
      if (rest.startsWith(`${signal}-`)) {
        const source = rest.slice(signal.length + 1);
        if (/^[a-z][a-z0-9_]*$/.test(source)) return { signal, source };
      }
    } else if (rest === signal) {
      return { signal };
    }
  }
  return undefined;
}
