import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { tableSchema } from '../lambdas/adapters/table-schema';
import { objectPrefixes } from '../lambdas/domain/files/files';
import { putBucketCors } from './bucket-cors';
import { deadLetterRetentionSeconds, maxReceiveCount, visibilityTimeoutSeconds, type Processor } from '../lambdas/processors';

/** The table's stream, as lib/storage.ts deploys it: what the events publisher reads. */
const STREAM = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;

/**
 * Creates the table as the CDK storage construct defines it, unless it exists already; a table an
 * older run made (before events) gets its stream. Returns the stream's ARN.
 */
export async function ensureTable(db: DynamoDBClient, tableName: string): Promise<string> {
  const { partitionKey, sortKey, ttlAttribute, indexes } = tableSchema;
  const gsi = indexes.byTenant;
  try {
    await db.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [partitionKey, sortKey, gsi.partitionKey, gsi.sortKey].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: gsi.name,
            KeySchema: [
              { AttributeName: gsi.partitionKey, KeyType: 'HASH' },
              { AttributeName: gsi.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        StreamSpecification: STREAM,
      }),
    );
    await db.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  let streamAdded = false;
  for (let i = 0; i < 100; i++) {
    const { Table } = await db.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') {
      if (Table.StreamSpecification?.StreamEnabled && Table.StreamSpecification.StreamViewType === STREAM.StreamViewType && Table.LatestStreamArn) return Table.LatestStreamArn;
      if (!streamAdded) {
        // A stream of another view type is replaced: the publisher needs both images.
        if (Table.StreamSpecification?.StreamEnabled) await db.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
        await db.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: STREAM }));
        streamAdded = true;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Table ${tableName} did not become active with its stream`);
}

/**
 * The bucket (with its CORS rule) and the table as deployed, in the clients' region, unless they
 * exist: what `npm start` makes on LocalStack before its queues.
 */
export async function ensureStorage(clients: { s3: S3Client; db: DynamoDBClient }, options: { bucket: string; table: string; corsOrigins: string[] }): Promise<void> {
  await ensureTable(clients.db, options.table);
  await ensureBucket(clients.s3, options.bucket);
  await putBucketCors(clients.s3, options.bucket, options.corsOrigins);
}

/**
 * Creates the bucket unless it exists, in the client's region. Outside us-east-1, S3 (and
 * LocalStack) want that region named as the LocationConstraint: the SDK's S3 client adds it itself
 * (locationConstraintMiddleware of @aws-sdk/middleware-sdk-s3), and test/integration/localstack-provision.test.ts
 * checks the bucket lands in eu-west-1.
 */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: Error) => {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(error.name)) throw error;
  });
}

export interface ProvisionedQueue {
  url: string;
  arn: string;
  deadLetterUrl: string;
}

/** A processing queue and its dead-letter queue, and the processors that drain them. */
interface QueueDefinition {
  name: string;
  consumer: Processor;
  deadLetterConsumer: Processor;
}

/**
 * The two processing queues as lib/processing.ts deploys them: visibility timeouts from the same
 * place (six times the consumer's timeout, so a message is never handed out again while its
 * processor may still run), dead-lettered after the same number of receives, the dead letters
 * kept as long. The metadata queue lets the bucket send it its uploads, as deployed. Queues that
 * exist already (an older run's) are brought to these attributes.
 */
export async function ensureQueues(sqs: Pick<SQSClient, 'send'>, bucket: string): Promise<{ metadata: ProvisionedQueue; thumbnails: ProvisionedQueue }> {
  const ensure = async (name: string, attributes: Record<string, string>) => {
    // Created bare, then given its attributes: CreateQueue refuses attributes that differ from an
    // existing queue's, and a queue an older run made must be corrected, not kept.
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`CreateQueue ${name} returned no queue URL`);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    if (!Attributes?.QueueArn) throw new Error(`GetQueueAttributes ${name} returned no queue ARN`);
    return { url: QueueUrl, arn: Attributes.QueueArn };
  };
  const queue = async ({ name, consumer, deadLetterConsumer }: QueueDefinition): Promise<ProvisionedQueue> => {
    const deadLetters = await ensure(`${name}-dlq`, {
      VisibilityTimeout: String(visibilityTimeoutSeconds(deadLetterConsumer)),
      MessageRetentionPeriod: String(deadLetterRetentionSeconds),
    });
    const { url, arn } = await ensure(name, {
      VisibilityTimeout: String(visibilityTimeoutSeconds(consumer)),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetters.arn, maxReceiveCount }),
    });
    return { url, arn, deadLetterUrl: deadLetters.url };
  };
  const metadata = await queue({ name: 'fileport-metadata', consumer: 'metadata', deadLetterConsumer: 'deadLetters' });
  const thumbnails = await queue({ name: 'fileport-thumbnails', consumer: 'thumbnails', deadLetterConsumer: 'deadLetters' });
  // Only this bucket may send to the metadata queue, as the deployed queue policy says.
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: metadata.arn,
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:s3:::${bucket}` } },
      },
    ],
  };
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: metadata.url, Attributes: { Policy: JSON.stringify(policy) } }));
  return { metadata, thumbnails };
}

/** Where uploads notify the metadata queue: objects created under `content/` only, as deployed. */
export const uploadNotificationFilter = { Key: { FilterRules: [{ Name: 'prefix' as const, Value: objectPrefixes.content }] } };
