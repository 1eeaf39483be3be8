import { Duration, TimeZone } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineConfig } from './config/environments.ts';

export interface PipelineScheduleProps {
  readonly environmentName: string;
  readonly stateMachine: sfn.IStateMachine;
  readonly schedule: PipelineConfig['schedule'];
}

/**
 * The daily run: EventBridge Scheduler starts the state machine in the configured time zone
 * (06:00 Zurich stays 06:00 across daylight saving time). The input carries the scheduled
 * time, not "now": ParseArgs derives the run date from it, so a late retry still loads the
 * intended day.
 */
export class PipelineSchedule extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: PipelineScheduleProps) {
    super(scope, id);
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
        // If Step Functions cannot be reached, keep trying for a while, then give up: the
        // next day's run (or a manual backfill) covers it, and the failed-execution alarm does not fire for it.
        maxEventAge: Duration.hours(2),
        retryAttempts: 10,
      }),
    });
  }
}
