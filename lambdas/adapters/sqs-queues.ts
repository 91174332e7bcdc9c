import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ProcessingQueue, ThumbnailJob, ThumbnailQueue, UploadedObject } from '../domain/ports';
import { uploadNotification } from './processing-messages';

export class SqsThumbnailQueue implements ThumbnailQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(job: ThumbnailJob): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
  }
}

/** The metadata queue, written to only by the reconciler (S3 writes to it directly). */
export class SqsProcessingQueue implements ProcessingQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly bucket: string,
  ) {}

  async redrive(object: UploadedObject): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: uploadNotification(object, this.bucket) }));
  }
}
