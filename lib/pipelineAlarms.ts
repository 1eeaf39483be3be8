import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { metricNames } from '../src/domain/metrics/pipelineMetrics.ts';
import { type AlarmSignalName, alarmNameOf, alarmSignals } from '../src/domain/notifications/alarmSignals.ts';
import type { SourceContract } from '../src/domain/sources/sourceContract.ts';
import type { AlertTopic } from './alertTopic.ts';

export interface PipelineAlarmsProps {
  readonly environmentName: string;
  readonly stateMachine: sfn.StateMachine;
  /** Alarms that repeat what a run message already told people: for on-call, not for everyone. */
  readonly operations: AlertTopic;
  /** Sends an alarm's message, with attributes, to the alert topic. */
  readonly relay: lambda.IFunction;
  /** Whether the daily schedule runs: without it, no day is missed. */
  readonly scheduleEnabled: boolean;
  readonly scheduleDeadLetterQueue: sqs.IQueue;
  readonly metricsNamespace: string;
  readonly sources: readonly Pick<SourceContract, 'name' | 'quality'>[];
}

/**
 * One incident, one alert. Summarize and NotifyFailure send every run's message to the alert
 * topic; the alarms on failed, timed-out and aborted executions would repeat it there, so they
 * notify the operations topic (and catch what sends no message: NotifyFailure itself failing,
 * a timeout). The alarms nothing else reports — a missed run, a start the schedule gave up
 * on, a source's rejected share above its contract, a day with far fewer records — reach the
 * alert topic as messages through EventBridge and the RelayAlarm Lambda, which add the
 * attributes subscribers filter on.
 */
export class PipelineAlarms extends Construct {
  readonly executionsFailed: cloudwatch.Alarm;
  readonly executionsTimedOut: cloudwatch.Alarm;
  readonly executionsAborted: cloudwatch.Alarm;
  readonly relayFailed: cloudwatch.Alarm;
  /** The alarms relayed to the alert topic, by name. */
  readonly relayed = new Map<string, cloudwatch.AlarmBase>();
  readonly relayRule: events.Rule;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const operationsAlarm = (
      alarmId: string,
      name: string,
      metric: cloudwatch.IMetric,
      description: string,
    ) => {
      // Named, so that the topic and its key can allow exactly these alarms (see AlertTopic).
      const alarmName = `listings-${props.environmentName}-${name}`;
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName,
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No executions is the normal state between runs, not a problem.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(props.operations.alarmAction(alarmName));
      return created;
    };
    const period = Duration.minutes(5);
    const sum = { period, statistic: cloudwatch.Stats.SUM };
    this.executionsFailed = operationsAlarm(
      'ExecutionsFailed',
      'executions-failed',
      props.stateMachine.metricFailed(sum),
      'A listings pipeline execution failed. The run message on the alert topic (if any) has the details.',
    );
    this.executionsTimedOut = operationsAlarm(
      'ExecutionsTimedOut',
      'executions-timed-out',
      props.stateMachine.metricTimedOut(sum),
      'A listings pipeline execution timed out: no run message is sent for timeouts.',
    );
    this.executionsAborted = operationsAlarm(
      'ExecutionsAborted',
      'executions-aborted',
      props.stateMachine.metricAborted(sum),
      'A listings pipeline execution was stopped: no run message is sent for it.',
    );
    this.relayFailed = operationsAlarm(
      'RelayFailed',
      'alarm-relay-failed',
      props.relay.metricErrors(sum),
      'The RelayAlarm Lambda failed: an alarm that went off may not have reached the alert topic. Check its logs and the CloudWatch alarms in ALARM.',
    );

    const relayedAlarm = (
      signal: AlarmSignalName,
      source: string | undefined,
      create: (alarmName: string, alarmDescription: string) => cloudwatch.AlarmBase,
    ) => {
      const alarmName = alarmNameOf(props.environmentName, signal, source);
      const { meaning, action } = alarmSignals[signal];
      this.relayed.set(alarmName, create(alarmName, `${meaning} ${action}`));
    };

    if (props.scheduleEnabled) {
      relayedAlarm(
        'missed-run',
        undefined,
        (alarmName, alarmDescription) =>
          new cloudwatch.Alarm(this, 'MissedRun', {
            alarmName,
            alarmDescription,
            // One period per day. CloudWatch's daily periods are UTC days; the 06:00 Zurich run
            // starts at 04:00 or 05:00 UTC (and with Scheduler's two hours of retries by 07:00),
            // well inside its UTC day whatever daylight saving time does, so every scheduled
            // day is one period. Breaching when missing: a day without a single start has no
            // datapoint at all, which is exactly the incident. CloudWatch judges a day once it is
            // over, shortly after midnight UTC: before the next morning's run, not within the hour.
            // A manual execution that day counts as a start: someone was at work on it.
            metric: props.stateMachine.metricStarted({
              period: Duration.days(1),
              statistic: cloudwatch.Stats.SUM,
            }),
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.BREACHING,
          }),
      );
    }
    relayedAlarm(
      'schedule-undelivered',
      undefined,
      (alarmName, alarmDescription) =>
        new cloudwatch.Alarm(this, 'ScheduleUndelivered', {
          alarmName,
          alarmDescription,
          metric: props.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );

    // No unit asked for: the alarm then takes the datapoints whatever unit Summarize declared.
    const sourceMetric = (source: string, metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { environment: props.environmentName, source },
        statistic,
        period: Duration.days(1),
      });
    for (const source of props.sources) {
      const sourceId = source.name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
      relayedAlarm(
        'rejected-share',
        source.name,
        (alarmName, alarmDescription) =>
          new cloudwatch.Alarm(this, `RejectedShare${sourceId}`, {
            alarmName,
            alarmDescription,
            // The highest share of the day's runs: a re-run that publishes a better day later
            // does not hide that a bad one was published.
            metric: sourceMetric(source.name, metricNames.rejectedShare, cloudwatch.Stats.MAXIMUM),
            threshold: source.quality.maxRejectedShare,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            // No figures on a day without a run: the missed-run alarm speaks for that day.
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
      relayedAlarm(
        'low-volume',
        source.name,
        (alarmName, alarmDescription) =>
          // Anomaly detection, not a ratio to a 7-day average: an alarm's metric math has no
          // time shift and all its metrics share one period, so "today against the week before"
          // cannot be one alarm. The model learns the source's level, trend and weekly rhythm
          // (quieter weekends) from the metric itself, so no threshold goes stale as a source
          // grows. Below the band only: more records than usual is not an incident. Until the
          // model has about two weeks of days it has no band and the alarm stays INSUFFICIENT_DATA.
          new cloudwatch.AnomalyDetectionAlarm(this, `LowVolume${sourceId}`, {
            alarmName,
            alarmDescription,
            metric: sourceMetric(source.name, metricNames.recordsRead, cloudwatch.Stats.SUM),
            stdDevs: 3,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
    }

    // The alarm actions cannot set message attributes: EventBridge hands each of these
    // alarms' changes into ALARM to the relay, which publishes with them.
    const stack = Stack.of(this);
    this.relayRule = new events.Rule(this, 'RelayRule', {
      description: `Alarms of listings-${props.environmentName} to the alert topic, with message attributes`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [...this.relayed.keys()].map((alarmName) =>
          stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: alarmName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [
        new targets.LambdaFunction(props.relay, { retryAttempts: 8, maxEventAge: Duration.hours(6) }),
      ],
    });
  }
}
