import { beforeAll, describe, expect, it } from 'vitest';
import { type EnvironmentName, environmentNames } from '../../lib/config/environments.ts';
import { type PolicyDocument, policyAllows, type ServiceRequest } from './support/policyEvaluation.ts';
import { logicalIdOf, type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline();
});

const cloudWatch = 'cloudwatch.amazonaws.com';
const otherAccount = '111122223333';

/**
 * CloudWatch alarms publish to the operations topic as the CloudWatch service: the topic's own policy
 * and its customer-managed key's policy must both let it, or alarms go off and nobody is told.
 * Read from the synthesized templates, the way CloudFormation will create them.
 */
describe.each(environmentNames)('alarm notifications in %s', (environment: EnvironmentName) => {
  const stack = () => pipeline.stack(environment);
  const resources = () => pipeline.template(environment).toJSON().Resources as Resources;
  const topic = () => ({ Ref: logicalIdOf(stack(), stack().operations.topic) });

  function topicPolicy(): PolicyDocument {
    const policies = Object.values(resources()).filter(
      (r) =>
        r.Type === 'AWS::SNS::TopicPolicy' &&
        (r.Properties.Topics as unknown[]).some((t) => JSON.stringify(t) === JSON.stringify(topic())),
    );
    expect(policies).toHaveLength(1);
    return policies[0]?.Properties.PolicyDocument as PolicyDocument;
  }

  function keyPolicy(): PolicyDocument {
    const key = resources()[logicalIdOf(stack(), stack().operations.key)];
    expect(key?.Type).toBe('AWS::KMS::Key');
    return key?.Properties.KeyPolicy as PolicyDocument;
  }

  /** The ARNs of the alarms whose actions notify the topic, from their names. */
  function notifyingAlarmArns(): string[] {
    const alarms = Object.values(resources()).filter(
      (r) =>
        r.Type === 'AWS::CloudWatch::Alarm' &&
        ['AlarmActions', 'OKActions', 'InsufficientDataActions']
          .flatMap((actions) => (r.Properties[actions] as unknown[] | undefined) ?? [])
          .some((action) => JSON.stringify(action) === JSON.stringify(topic())),
    );
    return alarms.map((alarm) => {
      const name = alarm.Properties.AlarmName;
      // A generated name would be unknown here, and the policies could not name the alarm.
      expect(typeof name, 'an alarm that notifies the topic has an explicit name').toBe('string');
      return `arn:aws:cloudwatch:${stack().region}:${stack().account}:alarm:${name}`;
    });
  }

  const fromAlarm = (alarmArn: string, account = stack().account): ServiceRequest['context'] => ({
    'aws:SourceAccount': account,
    'aws:SourceArn': alarmArn,
    'aws:SecureTransport': true,
  });

  const publish = (context: ServiceRequest['context'], service = cloudWatch): ServiceRequest => ({
    service,
    action: 'sns:Publish',
    resource: topic(),
    context,
  });

  const useKey = (action: string, context: ServiceRequest['context']): ServiceRequest => ({
    service: cloudWatch,
    action,
    resource: '*',
    context,
  });

  it('lets CloudWatch publish, and use the topic key, for every alarm that notifies the topic', () => {
    const alarmArns = notifyingAlarmArns();
    expect(alarmArns.map((arn) => arn.split(':alarm:')[1]).sort()).toEqual([
      `listings-${environment}-alarm-relay-failed`,
      `listings-${environment}-executions-aborted`,
      `listings-${environment}-executions-failed`,
      `listings-${environment}-executions-timed-out`,
    ]);
    for (const alarmArn of alarmArns) {
      expect(policyAllows(topicPolicy(), publish(fromAlarm(alarmArn))), `publish for ${alarmArn}`).toBe(true);
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        expect(
          policyAllows(keyPolicy(), useKey(action, fromAlarm(alarmArn))),
          `${action} for ${alarmArn}`,
        ).toBe(true);
      }
    }
  });

  it("refuses CloudWatch for another account's alarms and for this account's other alarms", () => {
    const [alarmArn = ''] = notifyingAlarmArns();
    const elsewhere = alarmArn.replace(`:${stack().account}:`, `:${otherAccount}:`);
    const unrelated = `arn:aws:cloudwatch:${stack().region}:${stack().account}:alarm:someone-elses-alarm`;
    for (const context of [
      fromAlarm(elsewhere, otherAccount),
      fromAlarm(unrelated),
      fromAlarm(alarmArn, otherAccount),
    ]) {
      expect(policyAllows(topicPolicy(), publish(context)), JSON.stringify(context)).toBe(false);
      expect(policyAllows(keyPolicy(), useKey('kms:GenerateDataKey', context)), JSON.stringify(context)).toBe(
        false,
      );
    }
    // a missing source (a request not made on an alarm's behalf) is no alarm of this stack
    expect(policyAllows(topicPolicy(), publish({ 'aws:SecureTransport': true }))).toBe(false);
  });

  it('gives the CloudWatch allowance to no other service, and still refuses publishing without TLS', () => {
    const [alarmArn = ''] = notifyingAlarmArns();
    expect(policyAllows(topicPolicy(), publish(fromAlarm(alarmArn), 'events.amazonaws.com'))).toBe(false);
    expect(
      policyAllows(topicPolicy(), publish({ ...fromAlarm(alarmArn), 'aws:SecureTransport': false })),
    ).toBe(false);
  });
});
