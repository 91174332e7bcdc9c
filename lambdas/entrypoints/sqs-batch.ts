import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { describeError, log } from '../log';

/**
 * Runs each SQS message on its own and reports only the failed ones, so one bad message is retried
 * (and finally dead-lettered) without re-running the rest of its batch.
 */
export function sqsBatch(name: string, handle: (record: SQSRecord) => Promise<void>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await handle(record);
      } catch (error) {
        log('error', `${name} failed; the message will be retried`, {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          error: describeError(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
