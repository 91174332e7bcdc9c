import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { processorEntrypoints } from '../lambdas/routes';
import { FileportFunction } from './fileport-function';
import { objectPrefixes, type Storage } from './storage';

export interface ProcessingProps {
  storage: Storage;
}

/**
 * What happens after an upload: S3 reports every object created under `content/` to the metadata
 * queue; the metadata processor measures and checks it and, for images, queues a thumbnail job.
 * Queues sit in between so that failures are retried and finally parked in a dead-letter queue
 * instead of being lost with S3's fire-and-forget notification.
 */
export class Processing extends Construct {
  readonly metadataQueue: sqs.Queue;
  readonly thumbnailsQueue: sqs.Queue;
  readonly metadataFunction: FileportFunction;
  readonly thumbnailsFunction: FileportFunction;
  readonly deadLetterAlarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ProcessingProps) {
    super(scope, id);
    const { storage } = props;

    const metadataTimeout = Duration.seconds(60);
    const thumbnailsTimeout = Duration.seconds(90);
    this.metadataFunction = new FileportFunction(this, 'MetadataFunction', {
      entry: processorEntrypoints.metadata,
      description: 'Fileport processing: size, type check and page count of uploaded content',
      // Page counting reads a whole PDF into memory.
      memorySize: 1024,
      timeout: metadataTimeout,
    });
    this.thumbnailsFunction = new FileportFunction(this, 'ThumbnailsFunction', {
      entry: processorEntrypoints.thumbnails,
      description: 'Fileport processing: image thumbnails',
      // Decoding a large image is CPU- and memory-bound; Lambda's CPU share grows with memory.
      memorySize: 1536,
      timeout: thumbnailsTimeout,
      // The only function that loads sharp; the metadata step never imports the thumbnail code.
      nativeModules: ['sharp'],
    });

    const metadata = new WorkQueue(this, 'Metadata', { consumerTimeout: metadataTimeout });
    const thumbnails = new WorkQueue(this, 'Thumbnails', { consumerTimeout: thumbnailsTimeout });
    this.metadataQueue = metadata.queue;
    this.thumbnailsQueue = thumbnails.queue;
    this.deadLetterAlarms = [metadata.deadLetterAlarm, thumbnails.deadLetterAlarm];

    // Only `content/`: thumbnails are written under `thumbnails/` and must not trigger processing again.
    storage.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new SqsDestination(metadata.queue), {
      prefix: objectPrefixes.content,
    });

    const metadataFn = this.metadataFunction;
    metadataFn.addEventSource(new SqsEventSource(metadata.queue, { batchSize: 5, reportBatchItemFailures: true }));
    metadataFn.addEnvironment('FILEPORT_TABLE_NAME', storage.table.tableName);
    storage.grantTableReadWrite(metadataFn);
    metadataFn.addEnvironment('FILEPORT_BUCKET_NAME', storage.bucket.bucketName);
    // Reads what was uploaded; deletes content that arrived for a deleted file.
    storage.grantObjects(metadataFn, ['s3:GetObject', 's3:DeleteObject'], ['content']);
    // Removes thumbnails of content that a new upload replaced.
    storage.grantObjects(metadataFn, ['s3:DeleteObject'], ['thumbnails']);
    metadataFn.addEnvironment('FILEPORT_THUMBNAIL_QUEUE_URL', thumbnails.queue.queueUrl);
    iam.Grant.addToPrincipal({ grantee: metadataFn, actions: ['sqs:SendMessage'], resourceArns: [thumbnails.queue.queueArn] });

    const thumbnailsFn = this.thumbnailsFunction;
    // One image per invocation: each is seconds of CPU, and a batch would share one timeout.
    thumbnailsFn.addEventSource(new SqsEventSource(thumbnails.queue, { batchSize: 1, reportBatchItemFailures: true }));
    thumbnailsFn.addEnvironment('FILEPORT_TABLE_NAME', storage.table.tableName);
    storage.grantTableReadWrite(thumbnailsFn);
    thumbnailsFn.addEnvironment('FILEPORT_BUCKET_NAME', storage.bucket.bucketName);
    storage.grantObjects(thumbnailsFn, ['s3:GetObject'], ['content']);
    // Writes the thumbnails; deletes them again when the file changed while they were made.
    storage.grantObjects(thumbnailsFn, ['s3:PutObject', 's3:DeleteObject'], ['thumbnails']);
  }
}

interface WorkQueueProps {
  /** Timeout of the Lambda that consumes the queue. */
  consumerTimeout: Duration;
}

/** A queue, its dead-letter queue, and an alarm that fires as soon as anything is dead-lettered. */
class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to find the bug and redrive.
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // SSE-SQS, not KMS: S3 event notifications cannot write to a queue encrypted with the
      // AWS-managed SQS KMS key, and a customer key adds cost for no gain here.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for Lambda consumers: at least six times the function timeout, so a message
      // is not handed to a second invocation while the first (with its retries) still works on it.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Messages in the ${id} dead-letter queue: processing failed five times and needs a look (then a redrive).`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // An empty queue publishes no data points for a while; that is the healthy state.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
