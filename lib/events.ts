import { Annotations, Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventSourceFilters } from '../lambdas/adapters/stream-records';
import { deadLetterRetentionSeconds, processors } from '../lambdas/processors';
import type { FileportSettings } from './deployment-settings';
import { FileportFunction } from './fileport-function';
import { grantNeeds } from './function-needs';
import type { Storage } from './storage';

export interface FileEventsProps {
  storage: Storage;
  settings: Pick<FileportSettings, 'architecture' | 's3Endpoint' | 'tracing' | 'fileTypes'>;
}

/** Stream records a publisher invocation gets at most: a few PutEvents calls' worth. */
const BATCH_SIZE = 25;
/**
 * Retries of a failing batch before its records go to the dead-letter queue. With bisection each
 * retry halves the batch, so a record that cannot be published is isolated within a few retries;
 * the rest are retried on their own. A bus outage longer than the retries take sends records to the
 * dead-letter queue (with the alarm), never silently past them.
 */
const RETRY_ATTEMPTS = 10;
/** Records older than this go to the dead-letter queue: the stream keeps them 24 h, this leaves time to redrive. */
const MAX_RECORD_AGE = Duration.hours(6);

/**
 * Fileport's events (lambdas/domain/events/): the table's stream (new and old images) feeds the
 * publisher, which derives each change's events and puts them on the bus this construct creates;
 * operators route them anywhere with rules on that bus (source `fileport`, detail-type the event's
 * type). Emitted only after a write is durable (the stream has only committed writes), and never
 * lost for one that is: a failing batch is retried from its first unpublished record, and what
 * still fails lands in a dead-letter queue (stream positions, to redrive from) with an alarm.
 */
export class FileEvents extends Construct {
  /** The bus every Fileport event is put on; add rules to it (tenant webhooks do). */
  readonly bus: events.EventBus;
  /** Undefined when the table is the operator's and has no stream (a warning says so at synth). */
  readonly publisher?: FileportFunction;
  /** Stream batches the publisher failed every retry of: their shard and sequence numbers. Alarmed in lib/operations.ts. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: FileEventsProps) {
    super(scope, id);
    const { storage, settings } = props;
    this.bus = new events.EventBus(this, 'Bus', { description: 'Fileport: file and share-token events (source fileport)' });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(deadLetterRetentionSeconds),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is a dead-letter queue: the on-failure destination of the events publisher's stream mapping, which cdk-nag does not recognise as one (it looks for queues' redrive policies).",
    });

    const streamArn = storage.table.tableStreamArn;
    if (!streamArn) {
      Annotations.of(this).addWarningV2(
        'fileport:events-no-stream',
        'The table has no stream: no events are published. Give the table a stream of NEW_AND_OLD_IMAGES and import it with its tableStreamArn (dynamodb.Table.fromTableAttributes).',
      );
      return;
    }
    const publisher = new FileportFunction(this, 'PublisherFunction', {
      entry: processors.events.entry,
      settings,
      description: "Fileport events: derives file and share-token events from the table's stream and puts them on the events bus",
      timeout: Duration.seconds(processors.events.timeoutSeconds),
    });
    this.publisher = publisher;
    grantNeeds(publisher, processors.events.needs, { storage, settings: {}, eventBus: this.bus });
    consumeStream(publisher, storage.table, streamArn, this.deadLetterQueue);
  }
}

/**
 * What DynamoEventSource does, with the grants Lambda's poller needs and no more: it reads the
 * stream with the function's role (the actions of AWS's AWSLambdaDynamoDBExecutionRole, on this
 * stream only; ListStreams names no stream, so it is on the table's streams) and sends what fails
 * to the dead-letter queue with it. The filters drop every item but files and share tokens before
 * the function is invoked (and billed).
 */
function consumeStream(fn: FileportFunction, table: dynamodb.ITable, streamArn: string, deadLetterQueue: sqs.Queue): void {
  fn.addEventSourceMapping('StreamEventSource', {
    eventSourceArn: streamArn,
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize: BATCH_SIZE,
    bisectBatchOnError: true,
    retryAttempts: RETRY_ATTEMPTS,
    maxRecordAge: MAX_RECORD_AGE,
    reportBatchItemFailures: true,
    // One batch per shard at a time: a file's changes are in one shard, published in order.
    parallelizationFactor: 1,
    filters: eventSourceFilters.map((pattern) => lambda.FilterCriteria.filter(pattern as unknown as Record<string, unknown>)),
    onFailure: new SqsOnFailure(deadLetterQueue),
  });
  iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resourceArns: [streamArn] });
  // ListStreams names no stream or table (IAM authorizes it on `*` only), and the poller calls it.
  iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:ListStreams'], resourceArns: ['*'] });
  Validations.of(fn.role!).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: "dynamodb:ListStreams, which Lambda's stream poller calls with the function's role, takes no resource but `*`; every other action of this role names its resource.",
  });
  // A table under a customer-managed key: the stream's records are decrypted with it.
  const key = table.encryptionKey;
  if (key) iam.Grant.addToPrincipal({ grantee: fn, actions: ['kms:Decrypt'], resourceArns: [key.keyArn] });
}

/** The on-failure destination of the mapping, granting only SendMessage (SqsDlq of aws-lambda-event-sources adds GetQueueAttributes and GetQueueUrl, which Lambda does not call). */
class SqsOnFailure implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_target: lambda.IEventSourceMapping, fn: lambda.IFunction): lambda.DlqDestinationConfig {
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
    return { destination: this.queue.queueArn };
  }
}
