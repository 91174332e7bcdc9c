import { objectCorrelationId, thumbnailJobOf } from '../adapters/processing-messages';
import { processThumbnails } from '../domain/processing/thumbnail-processing';
import { log, withLogContext } from '../log';
import { thumbnailServices } from '../composition';
import type { Deps } from '../domain/ports';
import { sqsBatch, timedProcessing } from './sqs-batch';

/** The thumbnail processor: each SQS message is a job queued by the metadata processor. */
export function createThumbnailsHandler(deps: () => Deps) {
  return sqsBatch('Thumbnail processing', async (message) => {
    const job = thumbnailJobOf(message.body);
    // The same correlation id as the metadata step's lines for these bytes.
    const fields = { correlationId: objectCorrelationId(job.contentKey, job.contentSequencer), fileId: job.fileId, key: job.contentKey, sequencer: job.contentSequencer };
    await withLogContext(fields, async () => {
      const outcome = await timedProcessing(deps(), 'thumbnails', (objects) => processThumbnails({ ...deps(), objects }, job));
      log('info', 'Made thumbnails', { outcome });
    });
  });
}

export const handler = createThumbnailsHandler(thumbnailServices);
