import { notifiedObjectsOf, objectCorrelationId } from '../adapters/processing-messages';
import { processUploadedObject } from '../domain/processing/metadata-processing';
import { log, withLogContext } from '../log';
import { metadataServices } from '../composition';
import type { ProcessingDeps } from '../domain/ports';
import { sqsBatch, timedProcessing } from './sqs-batch';

/** The metadata processor: each SQS message carries one S3 event notification. */
export function createMetadataHandler(deps: () => ProcessingDeps) {
  return sqsBatch('Metadata processing', async (message) => {
    for (const { object, bucket, versionId } of notifiedObjectsOf(message.body)) {
      const fields = { correlationId: objectCorrelationId(object.key, object.sequencer), bucket, key: object.key, sequencer: object.sequencer, ...(versionId && { versionId }) };
      await withLogContext(fields, async () => {
        const outcome = await timedProcessing(deps(), 'metadata', (objects) => processUploadedObject({ ...deps(), objects }, object));
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

export const handler = createMetadataHandler(metadataServices);
