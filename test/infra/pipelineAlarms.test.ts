import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type EnvironmentName,
  environmentNames,
  loadEnvironmentConfig,
} from '../../lib/config/environments.ts';
import { alarmSignalOf } from '../../src/domain/notifications/alarmSignals.ts';
import { sources } from '../../src/domain/sources/registry.ts';
import { logicalIdOf, type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline();
});

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The signals the operators rely on, read from the synthesized templates. */
describe.each(environmentNames)('alarms and their routes in %s', (environment: EnvironmentName) => {
  const config = () => loadEnvironmentConfig(environment);
  const stack = () => pipeline.stack(environment);
  const template = () => pipeline.template(environment);
  const alarms = () => Object.values(template().findResources('AWS::CloudWatch::Alarm')) as Resource[];
  const alarmNamed = (name: string) => alarms().find((a) => a.Properties.AlarmName === name);
  const relayRule = () =>
    template().findResources('AWS::Events::Rule')[logicalIdOf(stack(), stack().alarms.relayRule)] as Resource;

  it('sends every alarm either to the operations topic or through the relay, never straight to the alert topic', () => {
    const alertTopic = JSON.stringify({ Ref: logicalIdOf(stack(), stack().alerts.topic) });
    const operationsTopic = JSON.stringify({ Ref: logicalIdOf(stack(), stack().operations.topic) });
    const relayedArns = JSON.stringify(
      (relayRule().Properties.EventPattern as { resources: unknown[] }).resources,
    );
    for (const alarm of alarms()) {
      const name = String(alarm.Properties.AlarmName);
      const actions = JSON.stringify(alarm.Properties.AlarmActions ?? []);
      expect(actions, name).not.toContain(alertTopic);
      const relayed = alarmSignalOf(environment, name) !== undefined;
      expect(relayed ? relayedArns : actions, name).toContain(relayed ? `:alarm:${name}` : operationsTopic);
      if (relayed) expect(alarm.Properties.AlarmActions ?? [], name).toEqual([]);
    }
  });

  it('relays only changes into ALARM of the relayed alarms, to the RelayAlarm Lambda', () => {
    expect(relayRule().Properties.EventPattern).toMatchObject({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { state: { value: ['ALARM'] } },
    });
    const relayed = (relayRule().Properties.EventPattern as { resources: unknown[] }).resources;
    expect(relayed).toHaveLength(stack().alarms.relayed.size);
    expect(JSON.stringify(relayRule().Properties.Targets)).toContain(
      logicalIdOf(stack(), stack().functions.relayAlarm.function),
    );
    template().hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logicalIdOf(stack(), stack().alarms.relayRule), 'Arn'] },
    });
  });

  it('gives the schedule an encrypted dead-letter queue kept 14 days, retries, and an alarm on it', () => {
    const queue = logicalIdOf(stack(), stack().schedule.deadLetterQueue);
    template().hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template().hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 10 },
      }),
    });
    expect(alarmNamed(`listings-${environment}-schedule-undelivered`)?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms on a day without a started execution where the schedule runs, breaching on missing data', () => {
    const missed = alarmNamed(`listings-${environment}-missed-run`);
    if (!config().schedule.enabled) {
      expect(missed).toBeUndefined();
      return;
    }
    expect(missed?.Properties).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsStarted',
      Statistic: 'Sum',
      Period: 86_400,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Dimensions: [
        { Name: 'StateMachineArn', Value: { Ref: logicalIdOf(stack(), stack().pipeline.stateMachine) } },
      ],
    });
  });

  it.each(sources.map((s) => [s.name, s] as const))(
    "alarms on %s's rejected share above its contract limit, and on a day far below its usual volume",
    (name, source) => {
      const dimensions = [
        { Name: 'environment', Value: environment },
        { Name: 'source', Value: name },
      ];
      expect(alarmNamed(`listings-${environment}-rejected-share-${name}`)?.Properties).toMatchObject({
        Namespace: config().metricsNamespace,
        MetricName: 'RejectedShare',
        Dimensions: dimensions,
        Statistic: 'Maximum',
        Threshold: source.quality.maxRejectedShare,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      const lowVolume = alarmNamed(`listings-${environment}-low-volume-${name}`)?.Properties;
      expect(lowVolume).toMatchObject({
        ComparisonOperator: 'LessThanLowerThreshold',
        TreatMissingData: 'notBreaching',
      });
      const metrics = JSON.stringify(lowVolume?.Metrics);
      expect(metrics).toContain('ANOMALY_DETECTION_BAND');
      expect(metrics).toContain('"MetricName":"RecordsRead"');
      expect(metrics).toContain(JSON.stringify(dimensions));
    },
  );

  it('passes the metrics namespace to Summarize', () => {
    template().hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ METRICS_NAMESPACE: config().metricsNamespace }) },
    });
  });
});
