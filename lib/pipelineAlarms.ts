import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface PipelineAlarmsProps {
  readonly stateMachine: sfn.StateMachine;
  readonly topic: sns.ITopic;
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
    const alarm = (alarmId: string, metric: cloudwatch.Metric, description: string): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No executions is the normal state between runs, not a problem.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(props.topic));
      return created;
    };
    const period = Duration.minutes(5);
    this.executionsFailed = alarm(
      'ExecutionsFailed',
      props.stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
      'A listings pipeline execution failed. The NotifyFailure message (if any) has the details.',
    );
    this.executionsTimedOut = alarm(
      'ExecutionsTimedOut',
      props.stateMachine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
      'A listings pipeline execution timed out: no NotifyFailure message is sent for timeouts.',
    );
  }
}
