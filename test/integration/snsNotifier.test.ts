import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { awsClientConfig, createSnsClient } from '../../src/adapters/aws/awsClients.ts';
import { maxSubjectLength, SnsNotifier, snsSubject } from '../../src/adapters/aws/snsNotifier.ts';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { relayAlarmTask } from '../../src/lambdaTasks/relayAlarm.ts';
import { awsTestOptions, describeWithMoto, resetMoto } from './moto.ts';

/** The JSON envelope SNS delivers to an SQS subscriber (no raw delivery). */
interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

describeWithMoto('SnsNotifier against moto_server', () => {
  let sns: SNSClient;
  let sqs: SQSClient;
  let topicArn: string;

  async function subscribedQueue(name: string, filterPolicy?: object): Promise<string> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: Attributes?.QueueArn,
        ...(filterPolicy ? { Attributes: { FilterPolicy: JSON.stringify(filterPolicy) } } : {}),
      }),
    );
    if (!QueueUrl) throw new Error('CreateQueue returned no QueueUrl');
    return QueueUrl;
  }

  async function received(queueUrl: string): Promise<SnsEnvelope[]> {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    return (Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as SnsEnvelope);
  }

  beforeEach(async () => {
    await resetMoto();
    sns = createSnsClient(awsTestOptions());
    sqs = new SQSClient(awsClientConfig('sqs', awsTestOptions()));
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'listings-pipeline-test' }))).TopicArn ?? '';
  });
  afterEach(() => {
    sns.destroy();
    sqs.destroy();
  });

  it('publishes subject, body and String message attributes that reach an SQS subscriber', async () => {
    const queue = await subscribedQueue('all-outcomes');
    const notifier = new SnsNotifier(sns, topicArn);
    const message =
      'Load of pricehubble 2024-01-15 failed.\nError: RawObjectReadError\nRe-run: {"date":"2024-01-15"}';

    const id = await notifier.publish({
      subject: '[prod] listings pipeline FAILED for 2024-01-15',
      message,
      attributes: { environment: 'prod', status: 'FAILED', source: 'pricehubble' },
    });

    const [delivered, ...more] = await received(queue);
    expect(more).toEqual([]);
    expect(delivered).toMatchObject({
      Type: 'Notification',
      MessageId: id,
      TopicArn: topicArn,
      Subject: '[prod] listings pipeline FAILED for 2024-01-15',
      Message: message,
    });
    expect(delivered?.MessageAttributes).toEqual({
      environment: { Type: 'String', Value: 'prod' },
      status: { Type: 'String', Value: 'FAILED' },
      source: { Type: 'String', Value: 'pricehubble' },
    });
  });

  it('leaves out an absent source and lets subscribers filter on status', async () => {
    const failuresOnly = await subscribedQueue('failures-only', { status: ['FAILED'] });
    const everything = await subscribedQueue('everything');
    const notifier = new SnsNotifier(sns, topicArn);

    await notifier.publish({
      subject: 'ok',
      message: 'fine',
      attributes: { environment: 'dev', status: 'SUCCEEDED' },
    });
    await notifier.publish({
      subject: 'bad',
      message: 'broken',
      attributes: { environment: 'dev', status: 'FAILED' },
    });

    expect((await received(failuresOnly)).map((m) => m.Message)).toEqual(['broken']);
    const all = await received(everything);
    expect(all.map((m) => m.Message).sort()).toEqual(['broken', 'fine']);
    expect(all[0]?.MessageAttributes).not.toHaveProperty('source');
  });

  it('shortens and cleans a subject SNS would reject', async () => {
    const queue = await subscribedQueue('subjects');
    const notifier = new SnsNotifier(sns, topicArn);
    const long = `[preprod] Zürich offers:\n${'very '.repeat(40)}late`;

    await notifier.publish({
      subject: long,
      message: 'm',
      attributes: { environment: 'preprod', status: 'FAILED' },
    });

    const [delivered] = await received(queue);
    expect(delivered?.Subject).toBe(snsSubject(long));
    expect(delivered?.Subject).toMatch(/^\[preprod\] Zurich offers: very very /);
    expect(delivered?.Subject?.length).toBe(maxSubjectLength);
    expect(delivered?.Subject).toMatch(/^[\x20-\x7e]+\.\.\.$/);
  });

  it('sends the error attribute, and a relayed alarm reaches exactly the subscribers that filter for it', async () => {
    const lowVolumeOfPricehubble = await subscribedQueue('low-volume-pricehubble', {
      error: ['LowVolumeAlarm'],
      source: ['pricehubble'],
    });
    const missedRuns = await subscribedQueue('missed-runs', { error: ['MissedRunAlarm'] });
    const failedInProd = await subscribedQueue('failed-prod', { environment: ['prod'], status: ['FAILED'] });
    const ports = { environment: 'prod', notifier: new SnsNotifier(sns, topicArn), log: silentLogger };
    const event = {
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      region: 'eu-central-2',
      detail: {
        alarmName: 'listings-prod-low-volume-pricehubble',
        state: { value: 'ALARM', reason: 'Thresholds Crossed', timestamp: '2024-01-16T00:05:00.000+0000' },
      },
    };

    const { messageId } = await relayAlarmTask(event, ports);

    const [delivered, ...more] = await received(lowVolumeOfPricehubble);
    expect(more).toEqual([]);
    expect(delivered?.MessageId).toBe(messageId);
    expect(delivered?.MessageAttributes).toEqual({
      environment: { Type: 'String', Value: 'prod' },
      status: { Type: 'String', Value: 'FAILED' },
      error: { Type: 'String', Value: 'LowVolumeAlarm' },
      source: { Type: 'String', Value: 'pricehubble' },
    });
    expect(delivered?.Message).toContain('listings-prod-low-volume-pricehubble');
    expect((await received(failedInProd)).map((m) => m.MessageId)).toEqual([messageId]);
    expect(await received(missedRuns)).toEqual([]);
  });
});
