import { Duration, Names } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterRetentionSeconds, maxReceiveCount, processors, visibilityTimeoutSeconds, type Processor } from '../lambdas/processors';
import { FileportFunction } from './fileport-function';
import type { FileportSettings } from './deployment-settings';
import { grantNeeds, type NeedsContext } from './function-needs';
import { objectPrefixes, type Storage } from './storage';

export interface ProcessingProps {
  storage: Storage;
  settings: Pick<FileportSettings, 'maxVersions' | 'architecture' | 's3Endpoint' | 'tracing' | 'fileTypes' | 'malwareScanning'>;
}

const timeoutOf = (processor: keyof typeof processors) => Duration.seconds(processors[processor].timeoutSeconds);

/**
 * A file in `processing` this long is re-driven by the reconciler. Longer than SQS's own retries
 * take (5 receives × an 18-minute visibility timeout), so the reconciler does not race them.
 */
const STUCK_AFTER = Duration.hours(2);
/** …and after this long it ends `failed` (PROCESSING_STUCK). */
const GIVE_UP_AFTER = Duration.hours(12);

/**
 * What happens after an upload: S3 reports every object created under `content/` to the metadata
 * queue; the metadata processor measures and checks it and, for images, queues a thumbnail job.
 * Queues sit in between so that failures are retried instead of being lost with S3's
 * fire-and-forget notification. What fails every attempt lands in a dead-letter queue, whose
 * consumer marks the file `failed`; a scheduled reconciler re-drives files stuck in `processing`.
 */
export class Processing extends Construct {
  readonly metadataQueue: sqs.Queue;
  readonly thumbnailsQueue: sqs.Queue;
  readonly metadataFunction: FileportFunction;
  readonly thumbnailsFunction: FileportFunction;
  readonly deadLettersFunction: FileportFunction;
  readonly reconcilerFunction: FileportFunction;
  /** Drained by the dead-letter function; their alarms are with the others (lib/operations.ts). */
  readonly deadLetterQueues: { metadata: sqs.Queue; thumbnails: sqs.Queue };

  constructor(scope: Construct, id: string, props: ProcessingProps) {
    super(scope, id);
    const { storage, settings } = props;

    this.metadataFunction = new FileportFunction(this, 'MetadataFunction', {
      entry: processors.metadata.entry,
      settings,
      description: 'Fileport processing: size, type check and page count of uploaded content',
      memorySize: processors.metadata.memorySize,
      timeout: timeoutOf('metadata'),
    });
    this.thumbnailsFunction = new FileportFunction(this, 'ThumbnailsFunction', {
      entry: processors.thumbnails.entry,
      settings,
      description: 'Fileport processing: image thumbnails and PDF previews',
      memorySize: processors.thumbnails.memorySize,
      timeout: timeoutOf('thumbnails'),
      // The only function that loads sharp and PDFium; the metadata step never imports the thumbnail code.
      nativeModules: ['sharp', '@hyzyla/pdfium'],
    });
    this.deadLettersFunction = new FileportFunction(this, 'DeadLettersFunction', {
      entry: processors.deadLetters.entry,
      settings,
      description: 'Fileport processing: marks the file of every dead-lettered message failed',
      timeout: timeoutOf('deadLetters'),
    });
    this.reconcilerFunction = new FileportFunction(this, 'ReconcilerFunction', {
      entry: processors.reconciler.entry,
      settings,
      description: 'Fileport processing: re-drives files stuck in processing, fails hopeless ones',
      timeout: timeoutOf('reconciler'),
    });

    const metadata = new WorkQueue(this, 'Metadata', { consumer: 'metadata', deadLetterConsumer: 'deadLetters' });
    const thumbnails = new WorkQueue(this, 'Thumbnails', { consumer: 'thumbnails', deadLetterConsumer: 'deadLetters' });
    this.metadataQueue = metadata.queue;
    this.thumbnailsQueue = thumbnails.queue;
    this.deadLetterQueues = { metadata: metadata.deadLetterQueue, thumbnails: thumbnails.deadLetterQueue };

    // Only `content/`: thumbnails are written under `thumbnails/` and must not trigger processing again.
    storage.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new SqsDestination(metadata.queue), {
      prefix: objectPrefixes.content,
    });

    const context: NeedsContext = { storage, settings, queues: { metadata: metadata.queue, thumbnails: thumbnails.queue } };
    consumeQueue(this.metadataFunction, metadata.queue, 5);
    grantNeeds(this.metadataFunction, processors.metadata.needs, context);

    // One image per invocation: each is seconds of CPU, and a batch would share one timeout.
    consumeQueue(this.thumbnailsFunction, thumbnails.queue, 1);
    grantNeeds(this.thumbnailsFunction, processors.thumbnails.needs, context);

    for (const queue of [metadata.deadLetterQueue, thumbnails.deadLetterQueue]) {
      consumeQueue(this.deadLettersFunction, queue, 10);
    }
    grantNeeds(this.deadLettersFunction, processors.deadLetters.needs, context);

    const reconcilerFn = this.reconcilerFunction;
    new events.Rule(this, 'ReconcilerSchedule', {
      description: 'Fileport: re-drive files stuck in processing',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(reconcilerFn, { retryAttempts: 0 })],
    });
    reconcilerFn.addEnvironment('FILEPORT_PROCESSING_STUCK_AFTER_SECONDS', String(STUCK_AFTER.toSeconds()));
    reconcilerFn.addEnvironment('FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS', String(GIVE_UP_AFTER.toSeconds()));
    grantNeeds(reconcilerFn, processors.reconciler.needs, context);
  }
}

/**
 * What SqsEventSource does, with the grant Lambda's poller needs and no more: it receives, deletes
 * and reads the queue's attributes with the function's role (the actions of AWS's own
 * AWSLambdaSQSQueueExecutionRole). SqsEventSource's grantConsumeMessages adds ChangeMessageVisibility
 * and GetQueueUrl, which neither the poller nor the code calls. Same construct id as SqsEventSource's,
 * so the mapping keeps its logical id.
 */
export function consumeQueue(fn: FileportFunction, queue: sqs.Queue, batchSize: number): void {
  fn.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`, { eventSourceArn: queue.queueArn, batchSize, reportBatchItemFailures: true });
  iam.Grant.addToPrincipal({ grantee: fn, actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resourceArns: [queue.queueArn] });
  // A queue with a customer key: the poller decrypts its messages with the role.
  queue.encryptionMasterKey?.grantDecrypt(fn);
}

/**
 * The queue an EventBridge rule sends to, for `consumer`, and its dead-letter queue (five receives).
 * SSE-SQS: EventBridge can send to it without a key policy of ours. Made in `scope` with the ids
 * `Queue` and `DeadLetterQueue`.
 */
export function eventTargetQueues(scope: Construct, consumer: Processor): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.seconds(deadLetterRetentionSeconds),
  });
  const queue = new sqs.Queue(scope, 'Queue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(consumer)),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}

interface WorkQueueProps {
  /** The processor that consumes the queue. */
  consumer: Processor;
  /** The processor that consumes its dead-letter queue. */
  deadLetterConsumer: Processor;
}

/** A queue and its dead-letter queue, which the dead-letter function drains. */
class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(deadLetterRetentionSeconds),
      visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(props.deadLetterConsumer)),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // SSE-SQS, not KMS: S3 event notifications cannot write to a queue encrypted with the
      // AWS-managed SQS KMS key, and a customer key adds cost for no gain here.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(props.consumer)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
  }
}
