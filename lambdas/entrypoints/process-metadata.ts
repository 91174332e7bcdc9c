import { SQSClient } from '@aws-sdk/client-sqs';
import type { S3Event } from 'aws-lambda';
import { SqsThumbnailQueue } from '../adapters/sqs-thumbnail-queue';
import { processUploadedObject } from '../domain/metadata-processing';
import type { Deps, ThumbnailQueue } from '../domain/ports';
import { log } from '../log';
import { getServices } from '../services';
import { sqsBatch } from './sqs-batch';

/** S3 event keys are form-encoded: `+` is a space. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

/** The metadata processor: each SQS message carries one S3 event notification. */
export function createMetadataHandler(deps: () => Deps & { thumbnails: ThumbnailQueue }) {
  return sqsBatch('Metadata processing', async (message) => {
    const notification = JSON.parse(message.body) as Partial<S3Event> & { Event?: string };
    // S3 sends a test event when the notification is configured.
    if (notification.Event === 's3:TestEvent') return;
    for (const record of notification.Records ?? []) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const { key, eTag, sequencer } = record.s3.object;
      const outcome = await processUploadedObject(deps(), { key: decodeKey(key), eTag: eTag ?? '', sequencer: sequencer ?? '', eventTime: record.eventTime });
      log('info', 'Processed uploaded object', { key, sequencer, outcome });
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
