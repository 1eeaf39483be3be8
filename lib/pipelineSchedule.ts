import { Duration, type RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineConfig } from './config/environments.ts';

export interface PipelineScheduleProps {
  readonly environmentName: string;
  readonly stateMachine: sfn.IStateMachine;
  readonly schedule: PipelineConfig['schedule'];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The daily run: EventBridge Scheduler starts the state machine in the configured time zone
 * (06:00 Zurich stays 06:00 across daylight saving time). The input carries the scheduled
 * time, not "now": ParseArgs derives the run date from it, so a late retry still loads the
 * intended day.
 */
export class PipelineSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  /** Where a start that failed after every retry goes, so that it is seen (an alarm watches it). */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PipelineScheduleProps) {
    super(scope, id);
    // SQS-managed encryption: the messages hold only the schedule's input and Scheduler's
    // error, and Scheduler may send to it without a key policy of ours. Fourteen days, SQS's
    // longest: time enough to read why a start failed after a holiday.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Daily run of the listings-${props.environmentName} pipeline`,
      schedule: scheduler.ScheduleExpression.expression(
        props.schedule.cron,
        TimeZone.of(props.schedule.timeZone),
      ),
      enabled: props.schedule.enabled,
      target: new targets.StepFunctionsStartExecution(props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        // If Step Functions cannot be reached, keep trying for a while, then give up into the
        // dead-letter queue, whose alarm (and the missed-run alarm) tells people: no execution
        // started, so the failed-execution alarm cannot.
        maxEventAge: Duration.hours(2),
        retryAttempts: 10,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }
}
