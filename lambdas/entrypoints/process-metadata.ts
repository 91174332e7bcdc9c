import { uploadedObjectsOf } from '../adapters/processing-messages';
import { makeSqsClient, SqsThumbnailQueue } from '../adapters/sqs-queues';
import { processUploadedObject } from '../domain/metadata-processing';
import type { ProcessingDeps } from '../domain/ports';
import { log } from '../log';
import { getServices } from '../services';
import { sqsBatch } from './sqs-batch';

/** The metadata processor: each SQS message carries one S3 event notification. */
export function createMetadataHandler(deps: () => ProcessingDeps) {
  return sqsBatch('Metadata processing', async (message) => {
    for (const object of uploadedObjectsOf(message.body)) {
      const outcome = await processUploadedObject(deps(), object);
      if (outcome === 'refused') {
        // Two upload grants issued before any content arrived, the second without files:overwrite.
        log('warn', 'Refused an upload that would replace content without the overwrite right; its object was deleted', { key: object.key, sequencer: object.sequencer });
      } else {
        log('info', 'Processed uploaded object', { key: object.key, sequencer: object.sequencer, outcome });
      }
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
