import { SQSClient } from '@aws-sdk/client-sqs';
import { uploadedObjectsOf } from '../adapters/processing-messages';
import { SqsThumbnailQueue } from '../adapters/sqs-queues';
import { processUploadedObject } from '../domain/metadata-processing';
import type { Deps, ThumbnailQueue } from '../domain/ports';
import { log } from '../log';
import { getServices } from '../services';
import { sqsBatch } from './sqs-batch';

/** The metadata processor: each SQS message carries one S3 event notification. */
export function createMetadataHandler(deps: () => Deps & { thumbnails: ThumbnailQueue }) {
  return sqsBatch('Metadata processing', async (message) => {
    for (const object of uploadedObjectsOf(message.body)) {
      const outcome = await processUploadedObject(deps(), object);
      log('info', 'Processed uploaded object', { key: object.key, sequencer: object.sequencer, outcome });
    }
  });
}

let deployed: (Deps & { thumbnails: ThumbnailQueue }) | undefined;

export const handler = createMetadataHandler(() => {
  if (!deployed) {
    const services = getServices();
    const queueUrl = services.config.thumbnailQueueUrl;
    if (!queueUrl) throw new Error('FILEPORT_THUMBNAIL_QUEUE_URL is not set');
    deployed = { ...services, thumbnails: new SqsThumbnailQueue(new SQSClient({}), queueUrl) };
  }
  return deployed;
});
