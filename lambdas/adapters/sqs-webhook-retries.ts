import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RetryMessage } from '../domain/webhooks/model';
import type { RetryQueue } from '../domain/webhooks/ports';

/** The delivery function's retries: messages of its own queue, held back by SQS for up to 15 minutes. */
export class SqsWebhookRetries implements RetryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async schedule(message: RetryMessage, delaySeconds: number): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delaySeconds }));
  }
}
