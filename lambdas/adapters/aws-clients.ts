import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { isThrottlingError } from '@smithy/core/retry';
import { recordAwsCalls } from './aws-call-recorder';
import type { Config } from '../config';
import type { Telemetry, ThrottleLimit } from '../domain/ports';
import { EmfTelemetry } from '../observability/emf';
import { traceAwsClient } from '../observability/tracing';

// Endpoints come from the SDK's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 / _DYNAMODB variables,
// which is how the same code reaches real AWS, LocalStack or the embedded emulators.

/** What of an SDK client's middleware stack this file uses; every client's stack has it, typed for its own commands. */
interface InitializeStack {
  add(middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>, options: { step: 'initialize'; name: string }): void;
}

// Every client of the process counts into the same metric, whatever built it.
const emf = new EmfTelemetry();

/**
 * Counts the calls AWS throttled beyond the SDK's own retries (the Throttled metric). Added at the
 * outermost step, so it sees only what the caller sees: a throttle the retries absorbed is none.
 */
export function countThrottles<C extends { middlewareStack: object }>(client: C, limit: ThrottleLimit, telemetry: Pick<Telemetry, 'throttled'> = emf): C {
  (client.middlewareStack as InitializeStack).add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof Error && isThrottlingError(error as Parameters<typeof isThrottlingError>[0])) telemetry.throttled(limit);
        throw error;
      }
    },
    { step: 'initialize', name: 'fileportCountThrottles' },
  );
  return client;
}

export function makeDocumentClient(): DynamoDBDocumentClient {
  // Recorded on the base client: the document client's commands are sent through its middleware.
  const client = traceAwsClient(countThrottles(recordAwsCalls(new DynamoDBClient({})), 'dynamodb'));
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** The processing queues' client (the metadata processor's thumbnail jobs, the reconciler's re-drives). */
export function makeSqsClient(): SQSClient {
  return traceAwsClient(countThrottles(recordAwsCalls(new SQSClient({})), 'sqs'));
}

/** The events publisher's client (AWS_ENDPOINT_URL_EVENTBRIDGE locally: the local stack's PutEvents endpoint). */
export function makeEventBridgeClient(): EventBridgeClient {
  return traceAwsClient(countThrottles(recordAwsCalls(new EventBridgeClient({})), 'eventbridge'));
}

export function makeS3Client(config: Config): S3Client {
  const client = new S3Client({
    forcePathStyle: config.s3ForcePathStyle,
    // Without this the SDK signs a CRC32 of an empty body into presigned PUT URLs, and real S3
    // rejects every upload made with them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return traceAwsClient(countThrottles(recordAwsCalls(client), 's3'));
}
