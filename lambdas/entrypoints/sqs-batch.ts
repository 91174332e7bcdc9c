import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { countingReads } from '../adapters/counting-object-store';
import type { ObjectStore, Telemetry } from '../domain/ports';
import { describeError, log, withLogContext } from '../log';
import { traceInvocation } from '../observability/tracing';

/**
 * Runs each SQS message on its own and reports only the failed ones, so one bad message is retried
 * (and finally dead-lettered) without re-running the rest of its batch. Every line written for a
 * message carries its id and delivery count (and the invocation's request id, which Lambda's own
 * START/END/REPORT lines name).
 */
export function sqsBatch(name: string, handle: (record: SQSRecord) => Promise<void>) {
  return async (event: SQSEvent, context?: Pick<Context, 'awsRequestId'>): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const fields = { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount, ...(context && { lambdaRequestId: context.awsRequestId }) };
      await withLogContext(fields, async () => {
        try {
          await traceInvocation(`## ${name}`, { messageId: record.messageId }, () => handle(record));
        } catch (error) {
          log('error', `${name} failed; the message will be retried`, { error: describeError(error) });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      });
    }
    return { batchItemFailures };
  };
}

/**
 * One processor's work on one message, timed and its object reads counted (the work reads through
 * the store it is given) for the processing metrics, whether it succeeds or throws.
 */
export async function timedProcessing<T>(
  deps: { telemetry: Telemetry; objects: ObjectStore },
  processor: Parameters<Telemetry['processed']>[0],
  work: (objects: ObjectStore) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const reads = countingReads(deps.objects);
  try {
    return await work(reads.store);
  } finally {
    deps.telemetry.processed(processor, Date.now() - started, { bytesRead: reads.bytesRead() });
  }
}
