import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { changeOfRecord } from '../adapters/stream-records';
import { eventPublisherServices, type EventPublisherServices } from '../composition';
import { eventsOfChange } from '../domain/events/derive';
import type { FileportEvent } from '../domain/events/model';
import { describeError, log, withLogContext } from '../log';
import { traceInvocation } from '../observability/tracing';

/** Events put on the bus in one go: one PutEvents call's worth, so a failure repeats little. */
const EVENTS_PER_PUBLISH = 10;

/**
 * The table's stream, in order per item, to the bus: each record's events (lambdas/domain/events/derive.ts)
 * are published before the next record's. Records are published in runs of whole records; when a
 * run fails, its first record is reported as the batch's failure (ReportBatchItemFailures), so
 * Lambda retries from there: nothing after it is published ahead of it, and nothing before it
 * again. A retried run may put some of its events on the bus twice, with the same ids (they are
 * derived from the record): receivers deduplicate on `id`. A record that cannot be read fails the
 * same way; after its retries the event source mapping sends it to its on-failure destination
 * (lib/events.ts) rather than blocking its shard.
 */
export function createPublishEventsHandler(services: () => EventPublisherServices) {
  return async (event: DynamoDBStreamEvent, context?: Pick<Context, 'awsRequestId'>): Promise<DynamoDBBatchResponse> =>
    withLogContext(context ? { lambdaRequestId: context.awsRequestId } : {}, () =>
      traceInvocation('## Publish events', { records: String(event.Records.length) }, async () => {
        const { bus } = services();
        let run: { first: DynamoDBRecord; events: FileportEvent[] } | undefined;
        const publish = async (): Promise<boolean> => {
          if (!run || run.events.length === 0) return true;
          try {
            await bus.publish(run.events);
            return true;
          } catch (error) {
            log('error', 'Publishing events failed; the stream retries from the first record not published', {
              error: describeError(error),
              sequenceNumber: run.first.dynamodb?.SequenceNumber,
            });
            return false;
          }
        };
        const failure = (record: DynamoDBRecord): DynamoDBBatchResponse => ({ batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] });

        for (const record of event.Records) {
          let events: FileportEvent[];
          try {
            const change = changeOfRecord(record);
            events = change ? eventsOfChange(change) : [];
          } catch (error) {
            log('error', 'A stream record could not be read as a change', { error: describeError(error), eventID: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber });
            if (!(await publish())) return failure(run!.first);
            return failure(record);
          }
          if (run && run.events.length + events.length > EVENTS_PER_PUBLISH) {
            if (!(await publish())) return failure(run.first);
            run = undefined;
          }
          run ??= { first: record, events: [] };
          run.events.push(...events);
        }
        if (!(await publish())) return failure(run!.first);
        return { batchItemFailures: [] };
      }),
    );
}

export const handler = createPublishEventsHandler(eventPublisherServices);
