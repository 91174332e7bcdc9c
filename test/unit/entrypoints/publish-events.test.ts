import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { changeOfRecord, passesEventSourceFilters } from '../../../lambdas/adapters/stream-records';
import type { EventBus, FileportEvent } from '../../../lambdas/domain/events/model';
import type { FileRecord } from '../../../lambdas/domain/model';
import { createPublishEventsHandler } from '../../../lambdas/entrypoints/publish-events';
import { fileRecord } from '../support/file-record';

const file = (id: string, changes: Partial<FileRecord> = {}): FileRecord => fileRecord({ id, ...changes });

/** A stream record of a file item as the repository writes it (keys, index attributes, TTL). */
let sequence = 0;
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', before: FileRecord | undefined, after: FileRecord | undefined, sk = 'FILE'): DynamoDBRecord {
  const id = (after ?? before)!.id;
  const item = (f: FileRecord | undefined) => f && (marshall({ ...f, pk: `FILE#${id}`, sk, gsi1pk: 'T#acme', gsi1sk: 'x', ttl: 1 }, { removeUndefinedValues: true }) as never);
  const n = String(++sequence).padStart(10, '0');
  return {
    eventID: `e${n}`,
    eventName,
    dynamodb: { Keys: { pk: { S: `FILE#${id}` }, sk: { S: sk } }, SequenceNumber: n, ApproximateCreationDateTime: 1767261600, OldImage: item(before), NewImage: item(after), StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

/** A bus that records what it published, and fails the calls `failing` names (1-based). */
function bus(failing: number[] = []) {
  const published: FileportEvent[][] = [];
  let calls = 0;
  const port: EventBus = {
    publish: (events) => {
      calls++;
      if (failing.includes(calls)) return Promise.reject(new Error('bus down'));
      published.push(events);
      return Promise.resolve();
    },
  };
  return { port, published };
}

describe('publish-events', () => {
  it("reads the repository's items from the stream's images: a file item is a file change, index items are none", () => {
    const change = changeOfRecord(record('INSERT', undefined, file('f1', { thumbnailKeys: { small: 'thumbnails/f1/s' } })));
    expect(change).toMatchObject({ kind: 'file', id: expect.any(String) as string, before: undefined, after: { id: 'f1', thumbnailKeys: { small: 'thumbnails/f1/s' } } });
    expect(change?.after).not.toHaveProperty('pk');
    expect(changeOfRecord(record('INSERT', undefined, file('f1'), 'IDX#T#acme'))).toBeUndefined();
    expect(passesEventSourceFilters(record('INSERT', undefined, file('f1'), 'IDX#T#acme'))).toBe(false);
    expect(passesEventSourceFilters(record('MODIFY', file('f1'), file('f1')))).toBe(true);
    expect(passesEventSourceFilters(record('MODIFY', file('f1'), file('f1'), 'TOKEN#t1'))).toBe(false);
    expect(passesEventSourceFilters(record('REMOVE', file('f1'), undefined, 'TOKEN#t1'))).toBe(true);
  });

  it('publishes every record’s events in stream order, and reports no failure', async () => {
    const b = bus();
    const handler = createPublishEventsHandler(() => ({ bus: b.port }));
    const response = await handler({
      Records: [record('INSERT', undefined, file('f1')), record('MODIFY', file('f1'), file('f1', { name: 'b.pdf', version: 2 })), record('REMOVE', file('f1'), undefined)],
    });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(b.published.flat().map((e) => e.type)).toEqual(['file.created', 'file.updated', 'file.deleted']);
  });

  it('when the bus fails, reports the first record not published: nothing after it was published ahead of it', async () => {
    // 12 creations: the first 10 are one call, which succeeds; the next call fails.
    const records = Array.from({ length: 12 }, (_, i) => record('INSERT', undefined, file(`f${i}`)));
    const b = bus([2]);
    const response = await createPublishEventsHandler(() => ({ bus: b.port }))({ Records: records });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[10]!.dynamodb!.SequenceNumber }] });
    expect(b.published.flat().map((e) => e.fileId)).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}`));
    // The first call failing: the batch is retried from its first record, and nothing was published.
    const down = bus([1]);
    expect(await createPublishEventsHandler(() => ({ bus: down.port }))({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }] });
    expect(down.published).toEqual([]);
  });

  it('a record that cannot be read fails the batch from that record, after what came before it was published', async () => {
    const broken = { ...record('MODIFY', file('f2'), file('f2')), dynamodb: { ...record('MODIFY', file('f2'), file('f2')).dynamodb, OldImage: undefined } };
    const records = [record('INSERT', undefined, file('f1')), broken, record('INSERT', undefined, file('f3'))];
    const b = bus();
    const response = await createPublishEventsHandler(() => ({ bus: b.port }))({ Records: records });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken.dynamodb.SequenceNumber }] });
    expect(b.published.flat().map((e) => e.fileId)).toEqual(['f1']);
  });
});
