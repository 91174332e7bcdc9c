import { PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import type { AwsServices } from './aws-services';
import type { QueueConsumer } from './local-queue';
import { ensureQueues, ensureStorage, uploadNotificationFilter } from './provision';

/**
 * LocalStack mode (AWS_ENDPOINT_URL set): the same resources the CDK app deploys, made through the
 * real APIs in the SDK's region (AWS_REGION), and the deployed processor handlers (dead-letter
 * consumer included) fed from real SQS queues by a polling loop, the job Lambda's event source
 * mapping does in AWS. Needs S3, SQS and DynamoDB only: LocalStack Community has them.
 */
export async function connectLocalStack(options: { endpoint: string; bucket: string; table: string; corsOrigins: string[] }): Promise<AwsServices> {
  // LocalStack serves buckets by path (the Lambdas' client does the same: FILEPORT_S3_FORCE_PATH_STYLE).
  const s3 = new S3Client({ forcePathStyle: true });
  const sqs = new SQSClient({});
  await ensureStorage({ s3, db: new DynamoDBClient({}) }, options);
  const { metadata, thumbnails } = await ensureQueues(sqs, options.bucket);
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: options.bucket,
      NotificationConfiguration: { QueueConfigurations: [{ QueueArn: metadata.arn, Events: ['s3:ObjectCreated:*'], Filter: uploadNotificationFilter }] },
    }),
  );

  let running = true;
  const poll = async (queueUrl: string, handler: QueueConsumer) => {
    while (running) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 5, MessageSystemAttributeNames: ['All'] }));
      if (Messages.length === 0) continue;
      const records = Messages.map((m) => ({
        messageId: m.MessageId as string,
        receiptHandle: m.ReceiptHandle as string,
        body: m.Body ?? '',
        attributes: m.Attributes as unknown as SQSEvent['Records'][number]['attributes'],
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueUrl,
        awsRegion: process.env.AWS_REGION ?? 'us-east-1',
      }));
      const { batchItemFailures } = (await handler({ Records: records })) ?? { batchItemFailures: [] };
      const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
      const done = records.filter((r) => !failed.has(r.messageId));
      if (done.length > 0) {
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((r) => ({ Id: r.messageId, ReceiptHandle: r.receiptHandle })) }));
      }
    }
  };
  let loops: Promise<void>[] = [];
  return {
    s3Endpoint: options.endpoint,
    dynamoDbEndpoint: options.endpoint,
    // Where the functions send: the thumbnail jobs, and the files the reconciler re-drives.
    queueUrls: { metadata: metadata.url, thumbnails: thumbnails.url },
    consume: (handlers) => {
      loops = [
        poll(metadata.url, handlers.metadata),
        poll(thumbnails.url, handlers.thumbnails),
        poll(metadata.deadLetterUrl, handlers.deadLetters),
        poll(thumbnails.deadLetterUrl, handlers.deadLetters),
      ].map((p) => p.catch((error) => console.error(error)));
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
