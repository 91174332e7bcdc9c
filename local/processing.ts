import { join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { fileIdOfContentKey } from '../lambdas/domain/files/files';
import { thumbnailJobOf, uploadedObjectsOf } from '../lambdas/adapters/processing-messages';
import type { AwsServices, ProcessorConsumers } from './aws-services';
import type { Faults } from './faults';
import { scheduled, sqsConsumer, streamConsumer } from './invocations';
import { readStream, type StreamReaderStats } from './dynamodb-stream';
import type { LambdaName, LoadedLambda } from './lambda-code';
import { runEvery } from './schedule';

export interface ReconcilerStats {
  runs: number;
  redriven: number;
  gaveUp: number;
}

export interface Processing {
  /** Settles when the reconciler's first run has (it never rejects: a failure is logged). */
  firstReconcile: Promise<void>;
  reconcilerStats(): ReconcilerStats;
  /** The events publisher's stream reading (emulators only). */
  streamStats(): StreamReaderStats | null;
  /** Stops the reconciler and the stream reading; the deliveries stop with the services (`AwsServices.stop`), after it. */
  stop(): Promise<void>;
}

/**
 * Processing as deployed: the processors fed by their queues, and the reconciler on its timer. On
 * the emulators' queues, the processors fail as `faults` says (local/faults.ts); LocalStack's are
 * left as they are.
 */
export function startProcessing(
  loaded: Record<LambdaName, LoadedLambda>,
  services: AwsServices,
  options: { faults: Faults; reconcileIntervalMs: number; dataDir?: string | null },
): Processing {
  const consumers: ProcessorConsumers = {
    metadata: sqsConsumer(loaded.metadata),
    thumbnails: sqsConsumer(loaded.thumbnails),
    deadLetters: sqsConsumer(loaded.deadLetters),
    scanResults: sqsConsumer(loaded.scanResults),
    webhookDeliveries: sqsConsumer(loaded.webhookDeliveries),
  };
  const { faults } = options;
  services.consume(
    services.emulated
      ? {
          metadata: faults.wrap('metadata', fileIdOfUpload, consumers.metadata),
          thumbnails: faults.wrap('thumbnails', fileIdOfThumbnailJob, consumers.thumbnails),
          deadLetters: consumers.deadLetters,
          scanResults: consumers.scanResults,
          webhookDeliveries: consumers.webhookDeliveries,
        }
      : consumers,
  );
  // The deployed reconciler as is: it re-drives onto the metadata queue.
  const reconciler = startReconciler(scheduled(loaded.reconciler), options.reconcileIntervalMs);
  // The events publisher on the table's stream, as its event source mapping feeds it. Emulators only:
  // on LocalStack nothing reads the stream (its events would go to LocalStack's EventBridge, not the local bus).
  const emulated = services.emulated;
  const stream = emulated
    ? readStream({
        client: new DynamoDBStreamsClient({ endpoint: services.dynamoDbEndpoint }),
        streamArn: emulated.tableStreamArn,
        consumer: faults.wrapStream(fileIdsOfBatch, streamConsumer(loaded.events)),
        region: process.env.AWS_REGION ?? 'us-east-1',
        checkpointFile: options.dataDir ? join(options.dataDir, 'events-stream-checkpoint.json') : null,
      })
    : undefined;
  return {
    firstReconcile: reconciler.firstRun,
    reconcilerStats: reconciler.stats,
    streamStats: () => stream?.stats() ?? null,
    stop: async () => {
      await reconciler.stop();
      await stream?.stop();
    },
  };
}

/** The files whose items a stream batch changes (`FILE#<id>` partitions). */
const fileIdsOfBatch = (event: DynamoDBStreamEvent): string[] => [
  ...new Set(event.Records.flatMap((r) => (r.dynamodb?.Keys?.pk?.S?.startsWith('FILE#') ? [r.dynamodb.Keys.pk.S.slice('FILE#'.length)] : []))),
];

const fileIdOfUpload = (body: string): string | undefined => {
  try {
    const [object] = uploadedObjectsOf(body);
    return object && fileIdOfContentKey(object.key);
  } catch {
    return undefined;
  }
};

const fileIdOfThumbnailJob = (body: string): string | undefined => {
  try {
    return thumbnailJobOf(body).fileId;
  } catch {
    return undefined;
  }
};

/** Runs the reconciler now and then every `intervalMs`, as the deployed schedule does. */
function startReconciler(reconcile: () => Promise<{ redriven: number; gaveUp: number }>, intervalMs: number) {
  const counts: ReconcilerStats = { runs: 0, redriven: 0, gaveUp: 0 };
  const schedule = runEvery(
    'Reconciler run',
    intervalMs,
    async () => {
      const report = await reconcile();
      counts.runs++;
      counts.redriven += report.redriven;
      counts.gaveUp += report.gaveUp;
    },
    { immediately: true },
  );
  return { stats: () => ({ ...counts }), stop: schedule.stop, firstRun: schedule.firstRun };
}
