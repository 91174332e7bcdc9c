import { isThumbnailJob, objectCorrelationId, thumbnailJobOf, uploadedObjectsOf } from '../adapters/processing-messages';
import { failDeadLetter, type DeadLetter } from '../domain/processing/processing-recovery';
import { log, withLogContext } from '../log';
import { deadLetterServices } from '../composition';
import type { Deps } from '../domain/ports';
import { sqsBatch } from './sqs-batch';

const correlationOf = (letter: DeadLetter) =>
  letter.kind === 'thumbnails'
    ? { correlationId: objectCorrelationId(letter.job.contentKey, letter.job.contentSequencer), key: letter.job.contentKey, sequencer: letter.job.contentSequencer }
    : { correlationId: objectCorrelationId(letter.object.key, letter.object.sequencer), key: letter.object.key, sequencer: letter.object.sequencer };

/**
 * Consumes both processing dead-letter queues: the file of every message that failed all its
 * attempts ends `failed`. The whole message is logged first, which is what an operator needs to
 * find the cause and, once fixed, have the file uploaded again.
 */
export function createDeadLettersHandler(deps: () => Deps) {
  return sqsBatch('Dead-letter handling', async (message) => {
    log('error', 'Processing gave up on a message', { body: message.body });
    const letters: DeadLetter[] = isThumbnailJob(message.body)
      ? [{ kind: 'thumbnails', job: thumbnailJobOf(message.body) }]
      : uploadedObjectsOf(message.body).map((object) => ({ kind: 'upload', object }));
    for (const letter of letters) {
      await withLogContext(correlationOf(letter), async () => {
        const outcome = await failDeadLetter(deps(), letter);
        log('info', 'Recorded a dead letter', { letter, outcome });
      });
    }
  });
}

export const handler = createDeadLettersHandler(deadLetterServices);
