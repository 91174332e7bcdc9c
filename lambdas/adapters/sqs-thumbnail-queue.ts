import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ThumbnailJob, ThumbnailQueue } from '../domain/ports';

export class SqsThumbnailQueue implements ThumbnailQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(job: ThumbnailJob): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
  }
}
