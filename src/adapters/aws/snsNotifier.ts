import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { InternalError } from '../../domain/errors/pipelineError.ts';
import type { Notification } from '../../domain/notifications/notification.ts';
import type { Notifier } from '../../ports/notifier.ts';

/**
 * SNS requires a subject of printable ASCII, no line breaks, "less than 100 characters":
 * 99 at most, so that the limit holds whichever way it is read.
 */
export const maxSubjectLength = 99;

/** A subject SNS accepts: accents dropped (Zürich → Zurich), anything else non-printable replaced. */
export function snsSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  const text = ascii === '' ? 'Listings pipeline notification' : ascii;
  return text.length <= maxSubjectLength ? text : `${text.slice(0, maxSubjectLength - 3)}...`;
}

function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/**
 * Run outcomes to an SNS topic (e-mail, chat and on-call subscribe to it). The attributes are
 * String message attributes, so subscriptions can filter, e.g. only FAILED in prod.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notification: Notification): Promise<string> {
    const { environment, status, error, source } = notification.attributes;
    const attributes: Record<string, MessageAttributeValue> = {
      environment: stringAttribute(environment),
      status: stringAttribute(status),
    };
    // SNS rejects empty attribute values: an absent error or source is left out, not sent as ''.
    if (error) attributes.error = stringAttribute(error);
    if (source) attributes.source = stringAttribute(source);
    const response = await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(notification.subject),
        Message: notification.message,
        MessageAttributes: attributes,
      }),
    );
    if (!response.MessageId)
      throw new InternalError(`SNS Publish to ${this.topicArn} returned no MessageId.`);
    return response.MessageId;
  }
}
