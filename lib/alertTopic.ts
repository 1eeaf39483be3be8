import { ArnFormat, Duration, Lazy, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertTopicProps {
  readonly environmentName: string;
  /** What the topic carries, for its display name and its key's description: `alert`, `operations`. */
  readonly purpose: string;
  readonly emails: readonly string[];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * An SNS topic people and CloudWatch alarms can use: the alert topic (run messages and the
 * relayed alarms, with message attributes to filter on) and the operations topic (the alarms
 * that repeat a run message, for on-call dashboards and paging). Encrypted with its own key (messages carry run inputs
 * and error causes); a separate key, because CloudWatch must be allowed to use it and
 * should not get anywhere near the lake's key. Publishing requires TLS.
 */
export class AlertTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  /** The alarms that notify the topic: the only ones CloudWatch may publish for. */
  private readonly alarmArns: string[] = [];

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the listings-${props.environmentName} ${props.purpose} topic`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(7),
    });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName:
        props.purpose === 'alert'
          ? `Listings pipeline (${props.environmentName})`
          : `Listings pipeline ${props.purpose} (${props.environmentName})`,
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }

  /** Publish to the topic (SNS encrypts with the topic key on the publisher's behalf). */
  publishStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
    ];
  }

  /**
   * The action that sends an alarm's state changes to the topic, and CloudWatch's right to
   * send them for this alarm: the one way to connect an alarm, so none is connected without
   * it. `alarmName` is the alarm's own, explicit name (its ARN, built from it, must not refer
   * to the alarm: the key would then depend on the alarm, which depends on the topic and key).
   */
  alarmAction(alarmName: string): cloudwatch.IAlarmAction {
    if (this.alarmArns.length === 0) this.allowCloudWatchAlarms();
    this.alarmArns.push(
      Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: alarmName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    return new actions.SnsAction(this.topic);
  }

  /**
   * CloudWatch publishes alarm notifications as the service, with no role: a topic with a
   * policy of its own (enforceSSL adds one, which replaces SNS's default policy) must allow
   * cloudwatch.amazonaws.com to publish, and the topic's customer-managed key must let it
   * GenerateDataKey and Decrypt, or every notification fails in the alarm's history and
   * nobody hears of it. Both only on behalf of this stack's alarms in this account
   * (aws:SourceAccount and aws:SourceArn), so that no other alarm can use the topic.
   */
  private allowCloudWatchAlarms(): void {
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const conditions = {
      StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      ArnEquals: { 'aws:SourceArn': Lazy.list({ produce: () => this.alarmArns }) },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions,
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToEncryptForTheTopic',
        principals: [cloudWatch],
        // The actions SNS's guide names for AWS services publishing to encrypted topics.
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
    );
  }
}
