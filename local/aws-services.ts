import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3EventRecord } from 'aws-lambda';
import { maxReceiveCount, processors, type Processor } from '../lambdas/processors';
import { EVENT_SOURCE } from '../lambdas/domain/events/model';
import { LocalEventBus } from './event-bus';
import { objectPrefixes } from '../lambdas/domain/files/files';
import { startDynamoDb } from './emulators/dynamodb';
import { startS3 } from './emulators/s3';
import { GUARDDUTY_SOURCE, SCAN_RESULT_DETAIL_TYPE } from '../lambdas/adapters/guardduty-scan-results';
import type { Faults } from './faults';
import { connectLocalStack } from './localstack';
import { startScanner, type Scanner } from './scanner';
import { LocalQueue, type QueueConsumer } from './local-queue';
import { claimPort } from './ports';
import { ensureTable } from './provision';
import { LOCAL_BUCKET, LOCAL_EVENT_BUS, LOCAL_TABLE, useEmulators, type QueueUrls } from './service-environment';
import { startSqsEndpoint } from './sqs-endpoint';
import { startEventBridgeEndpoint } from './eventbridge-endpoint';
import { Stops } from './stops';

/** The processors a queue feeds: all but the scheduled reconciler and the events publisher (fed by the table's stream). */
export type QueueProcessor = Exclude<Processor, 'reconciler' | 'events'>;

/** The consumers of the processing queues, as their event source mappings invoke them. */
export type ProcessorConsumers = Record<QueueProcessor, QueueConsumer>;

/** The AWS services the functions call, and the queues that feed the processors. */
export interface AwsServices {
  s3Endpoint: string;
  dynamoDbEndpoint: string;
  queueUrls: QueueUrls;
  /** Starts feeding the queues to the processors (the deployed handlers, given by the stack). */
  consume(consumers: ProcessorConsumers): void;
  /** Stops the deliveries first (what runs finishes, bounded), then the services. */
  stop(): Promise<void>;
  /** With the emulators only: what the local stack can show and do to its processing (/_dev routes). */
  emulated?: EmulatedProcessing;
}

export interface EmulatedProcessing {
  queues: LocalQueues;
  /**
   * The deployment's events bus, locally (and the account's default bus, where GuardDuty writes):
   * the publisher puts Fileport's events on it through the local PutEvents endpoint; add rules to it
   * (`bus.rule`) as deployed rules are added to the EventBridge bus.
   */
  bus: LocalEventBus;
  /** The table's stream, which the events publisher reads (local/dynamodb-stream.ts). */
  tableStreamArn: string;
  /** The S3 events of uploads processing received (the last 1000), and a way to deliver one (again). */
  uploadEvents: { recent: S3EventRecord[]; deliver(record: S3EventRecord): void };
  /** With malware scanning on: the scanner stand-in. */
  scanner?: Scanner;
}

export interface AwsServicesOptions {
  dataDir: string | null;
  /** The emulators' ports (0 or absent: free ones). */
  s3Port?: number;
  dynamoDbPort?: number;
  corsOrigins: string[];
  allowedHosts: string[];
  /** Overrides every processor's timeout (the deployed Lambda's, by default). */
  processorTimeoutMs: number | undefined;
  /** Scan uploads with the scanner stand-in (local/scanner.ts), which fails or is slow as `faults` says. */
  malwareScanning: boolean;
  faults: Faults;
}

/** LocalStack's when AWS_ENDPOINT_URL is set (local/localstack.ts), the emulators in this process otherwise. */
export async function startAwsServices(localStackEndpoint: string | undefined, options: AwsServicesOptions): Promise<AwsServices> {
  return localStackEndpoint
    ? connectLocalStack({ endpoint: localStackEndpoint, bucket: LOCAL_BUCKET, table: LOCAL_TABLE, corsOrigins: options.corsOrigins })
    : startEmulators(options);
}

/**
 * S3 (s3rver) and DynamoDB Local, persisted under the data folder, and SQS: the local queues, with
 * the SendMessage endpoint the functions send to in front of them. S3 events of uploads go to the
 * metadata queue, one event a message, as deployed.
 */
async function startEmulators(options: AwsServicesOptions): Promise<AwsServices> {
  const { dataDir, corsOrigins, allowedHosts } = options;
  const s3Port = options.s3Port ?? 0;
  const dynamoDbPort = options.dynamoDbPort ?? 0;
  const stops = new Stops();
  return stops.undoing(async () => {
    const queues = localQueues(dataDir, options.processorTimeoutMs);
    const s3 = await claimPort('S3', s3Port, () => startS3({ port: s3Port, directory: dataDir && join(dataDir, 's3'), bucket: LOCAL_BUCKET, corsOrigins, allowedHosts }));
    stops.add(s3.stop);
    const dynamo = await claimPort('DynamoDB', dynamoDbPort, () => startDynamoDb({ port: dynamoDbPort, directory: dataDir && join(dataDir, 'dynamodb') }));
    stops.add(dynamo.stop);
    // The processors and the reconciler send to the queues with their own SQS client, as deployed.
    const sqs = await startSqsEndpoint({
      [queues.metadata.name]: (body, delay) => queues.metadata.send(body, delay),
      [queues.thumbnails.name]: (body, delay) => queues.thumbnails.send(body, delay),
      // The webhook delivery function's retries, delayed.
      [queues.webhookDeliveries.name]: (body, delay) => queues.webhookDeliveries.send(body, delay),
    });
    stops.add(sqs.stop);
    // The events publisher puts events with its own EventBridge client, as deployed.
    const bus = new LocalEventBus(process.env.AWS_REGION ?? 'us-east-1');
    const eventBridge = await startEventBridgeEndpoint({ buses: { [LOCAL_EVENT_BUS]: bus, default: bus }, failing: () => options.faults.busDown() });
    stops.add(eventBridge.stop);
    useEmulators({ s3: s3.endpoint, dynamoDb: dynamo.endpoint, sqs: sqs.endpoint, eventBridge: eventBridge.endpoint });

    const recent: S3EventRecord[] = [];
    // Deployed, each SQS message carries one S3 event notification; the same here.
    const deliver = (record: S3EventRecord) => queues.metadata.send(JSON.stringify({ Records: [record] }));
    // The event is on disk (with a data folder) before the upload's response: none is lost.
    s3.onObjectCreated((record) => {
      // The deployed bucket notifies only for this prefix (lib/processing.ts): thumbnails the
      // processors write must not come back to them as uploads.
      if (!record.s3.object.key.startsWith(objectPrefixes.content)) return;
      recent.push(record);
      if (recent.length > 1000) recent.shift();
      deliver(record);
    });
    const tableStreamArn = await ensureTable(new DynamoDBClient({}), LOCAL_TABLE);
    // As deployed: a rule on the default bus sends GuardDuty's results to the scan-result queue.
    bus.rule('fileport-scan-results', { source: [GUARDDUTY_SOURCE], 'detail-type': [SCAN_RESULT_DETAIL_TYPE] }, (event) => queues.scanResults.send(JSON.stringify(event)));
    const scanner = options.malwareScanning ? startScanner({ bus, bucket: LOCAL_BUCKET, faults: options.faults }) : undefined;
    // GuardDuty hears of new objects beside the metadata queue: a second subscriber.
    if (scanner) s3.onObjectCreated((record) => scanner.scan(record));
    // As lib/webhooks.ts deploys it: Fileport's events, as EventBridge hands them to an SQS target, to the delivery queue.
    bus.rule('fileport-webhooks', { source: [EVENT_SOURCE] }, (event) => queues.webhookDeliveries.send(JSON.stringify(event)));

    return {
      s3Endpoint: s3.endpoint,
      dynamoDbEndpoint: dynamo.endpoint,
      queueUrls: { metadata: sqs.queueUrl(queues.metadata.name), thumbnails: sqs.queueUrl(queues.thumbnails.name), webhooks: sqs.queueUrl(queues.webhookDeliveries.name) },
      consume: (consumers) => {
        queues.metadata.consume(consumers.metadata);
        queues.thumbnails.consume(consumers.thumbnails);
        queues.deadLetters.consume(consumers.deadLetters);
        queues.scanResults.consume(consumers.scanResults);
        queues.webhookDeliveries.consume(consumers.webhookDeliveries);
        // Running processing finishes (bounded) before the queues stop delivering and the emulators go away under it.
        stops.add(async () => {
          await Promise.race([Promise.all(Object.values(queues).map((q) => q.idle())), new Promise((resolve) => setTimeout(resolve, 5000))]);
          Object.values(queues).forEach((q) => q.stop());
        });
      },
      stop: stops.stopAll,
      emulated: { queues, uploadEvents: { recent, deliver }, bus, tableStreamArn, ...(scanner && { scanner }) },
    };
  });
}

export type LocalQueues = Record<QueueProcessor, LocalQueue>;

/**
 * The processing queues as deployed (metadata, thumbnails, and one dead-letter queue that both
 * redrive into), persisted under the data folder.
 */
function localQueues(dataDir: string | null, timeoutOverrideMs: number | undefined): LocalQueues {
  const settings = (processor: QueueProcessor) => ({
    maxReceiveCount,
    timeoutMs: timeoutOverrideMs ?? processors[processor].timeoutSeconds * 1000,
    directory: dataDir && join(dataDir, 'queues', processor),
  });
  const deadLetters = new LocalQueue('fileport-dead-letters', settings('deadLetters'));
  const onDeadLetter = (body: string) => deadLetters.send(body);
  return {
    metadata: new LocalQueue('fileport-metadata', { ...settings('metadata'), onDeadLetter }),
    thumbnails: new LocalQueue('fileport-thumbnails', { ...settings('thumbnails'), onDeadLetter }),
    deadLetters,
    // Deployed, its dead letters wait in a queue of their own for an operator (alarmed on). A result
    // that comes before its version is recorded is retried: a longer first delay than the others'.
    scanResults: new LocalQueue('fileport-scan-results', { ...settings('scanResults'), retryDelayMs: 1000 }),
    // One message at a time: a tenant's events reach each endpoint in the order the bus had them
    // (first attempts; a retry comes after the events behind it). What is dead-lettered is logged.
    webhookDeliveries: new LocalQueue('fileport-webhooks', { ...settings('webhookDeliveries'), concurrency: 1 }),
  };
}
