import { makeSqsClient } from '../adapters/aws-clients';
import { notifiedObjectsOf, objectCorrelationId } from '../adapters/processing-messages';
import { SqsThumbnailQueue } from '../adapters/sqs-queues';
import { processUploadedObject } from '../domain/processing/metadata-processing';
import type { ProcessingDeps } from '../domain/ports';
import { log, withLogContext } from '../log';
import { getServices } from '../services';
import { sqsBatch } from './sqs-batch';

/** The metadata processor: each SQS message carries one S3 event notification. */
export function createMetadataHandler(deps: () => ProcessingDeps) {
  return sqsBatch('Metadata processing', async (message) => {
    for (const { object, bucket, versionId } of notifiedObjectsOf(message.body)) {
      const fields = { correlationId: objectCorrelationId(object.key, object.sequencer), bucket, key: object.key, sequencer: object.sequencer, ...(versionId && { versionId }) };
      await withLogContext(fields, async () => {
        const started = Date.now();
        let outcome;
        try {
          outcome = await processUploadedObject(deps(), object);
        } finally {
          deps().telemetry.processed('metadata', Date.now() - started);
        }
        if (outcome === 'refused') {
          // Two upload grants issued before any content arrived, the second without files:overwrite.
          log('warn', 'Refused an upload that would replace content without the overwrite right; its object was deleted');
        } else {
          log('info', 'Processed uploaded object', { outcome });
        }
      });
    }
  });
}

let deployed: ProcessingDeps | undefined;

export const handler = createMetadataHandler(() => {
  if (!deployed) {
    const services = getServices();
    const queueUrl = services.config.thumbnailQueueUrl;
    if (!queueUrl) throw new Error('FILEPORT_THUMBNAIL_QUEUE_URL is not set');
    deployed = { ...services, thumbnails: new SqsThumbnailQueue(makeSqsClient(), queueUrl), maxVersions: services.config.maxVersions };
  }
  return deployed;
});
