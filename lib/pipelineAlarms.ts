import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { AlertTopic } from './alertTopic.ts';

export interface PipelineAlarmsProps {
  readonly environmentName: string;
  readonly stateMachine: sfn.StateMachine;
  readonly alerts: AlertTopic;
}

/**
 * The safety net under NotifyFailure: an execution that fails without reaching it (NotifyFailure
 * itself failing, a state machine error) or times out still reaches the alert topic.
 */
export class PipelineAlarms extends Construct {
  readonly executionsFailed: cloudwatch.Alarm;
  readonly executionsTimedOut: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const alarm = (alarmId: string, name: string, metric: cloudwatch.Metric, description: string) => {
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
      created.addAlarmAction(props.alerts.alarmAction(alarmName));
      return created;
    };
    const period = Duration.minutes(5);
    this.executionsFailed = alarm(
      'ExecutionsFailed',
      'executions-failed',
      props.stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
      'A listings pipeline execution failed. The NotifyFailure message (if any) has the details.',
    );
    this.executionsTimedOut = alarm(
      'ExecutionsTimedOut',
      'executions-timed-out',
      props.stateMachine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
      'A listings pipeline execution timed out: no NotifyFailure message is sent for timeouts.',
    );
  }
}
