import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Change } from '../domain/events/derive';
import { FILE_SK, toRecord } from './dynamo-file-repository';
import { TOKEN_SK_PREFIX, toToken } from './dynamo-share-token-repository';
import { tableSchema } from './table-schema';

const { partitionKey: PK, sortKey: SK } = tableSchema;

/**
 * The records of the table's stream that can mean events: a file's own item (sort key `FILE`), and
 * a share token's own item (`TOKEN#<id>`, in its file's or its tenant's drop-box partition) when it
 * is written or removed; its use counters' updates mean nothing. Index items, the tokens' lookup
 * and set items, rate counters, settings and webhooks are left out before the publisher is invoked:
 * deployed as the event source mapping's filter criteria (lib/events.ts), locally by the stream
 * reader (local/dynamodb-stream.ts), both from this list. Each is a Lambda event filter pattern.
 */
export const eventSourceFilters = [
  { dynamodb: { Keys: { [SK]: { S: [FILE_SK] } } } },
  { eventName: ['INSERT', 'REMOVE'], dynamodb: { Keys: { [SK]: { S: [{ prefix: TOKEN_SK_PREFIX }] } } } },
] as const;

/** Whether a record passes `eventSourceFilters`, as Lambda decides it (only the operators used there). */
export function passesEventSourceFilters(record: Pick<DynamoDBRecord, 'eventName' | 'dynamodb'>): boolean {
  const sk = record.dynamodb?.Keys?.[SK]?.S;
  if (sk === undefined) return false;
  return sk === FILE_SK || (sk.startsWith(TOKEN_SK_PREFIX) && (record.eventName === 'INSERT' || record.eventName === 'REMOVE'));
}

type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;
const itemOf = (image: Image | undefined): Record<string, unknown> | undefined =>
  image === undefined ? undefined : unmarshall(image as unknown as Record<string, AttributeValue>);

/**
 * The change a stream record stands for, its images read as the repositories read their items;
 * undefined for an item events say nothing of. Needs NEW_AND_OLD_IMAGES (both images).
 */
export function changeOfRecord(record: DynamoDBRecord): Change | undefined {
  const keys = record.dynamodb?.Keys;
  const pk = keys?.[PK]?.S;
  const sk = keys?.[SK]?.S;
  if (pk === undefined || sk === undefined || !record.eventID) return undefined;
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  const at = new Date(seconds === undefined ? Date.now() : seconds * 1000).toISOString();
  const before = itemOf(record.dynamodb?.OldImage);
  const after = itemOf(record.dynamodb?.NewImage);
  if (record.eventName !== 'REMOVE' && after === undefined) throw new Error(`Stream record ${record.eventID} has no new image: the stream must carry NEW_AND_OLD_IMAGES.`);
  if (record.eventName !== 'INSERT' && before === undefined) throw new Error(`Stream record ${record.eventID} has no old image: the stream must carry NEW_AND_OLD_IMAGES.`);
  if (sk === FILE_SK && pk.startsWith('FILE#')) {
    return { kind: 'file', id: record.eventID, at, before: before && toRecord(before), after: after && toRecord(after) };
  }
  if (sk.startsWith(TOKEN_SK_PREFIX)) {
    return { kind: 'share-token', id: record.eventID, at, before: before && toToken(before), after: after && toToken(after) };
  }
  return undefined;
}
