import { thumbnailJobOf } from '../adapters/processing-messages';
import type { Deps } from '../domain/ports';
import { processThumbnails } from '../domain/thumbnail-processing';
import { log } from '../log';
import { getServices } from '../services';
import { sqsBatch } from './sqs-batch';

/** The thumbnail processor: each SQS message is a job queued by the metadata processor. */
export function createThumbnailsHandler(deps: () => Deps) {
  return sqsBatch('Thumbnail processing', async (message) => {
    const job = thumbnailJobOf(message.body);
    const outcome = await processThumbnails(deps(), job);
    log('info', 'Made thumbnails', { fileId: job.fileId, key: job.contentKey, sequencer: job.contentSequencer, outcome });
  });
}

export const handler = createThumbnailsHandler(getServices);
