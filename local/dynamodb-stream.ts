import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record as StreamRecord,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describeError, log } from '../lambdas/log';
import { passesEventSourceFilters } from '../lambdas/adapters/stream-records';

/** The publisher, as its event source mapping invokes it. */
export type StreamConsumer = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

export interface StreamReaderStats {
  /** Records handed to the consumer and done with (filtered-out ones count as done). */
  records: number;
  invocations: number;
  /** Invocations that threw or reported a failed record: each retried from the first record not done. */
  failures: number;
}

export interface StreamReader {
  stats(): StreamReaderStats;
  stop(): Promise<void>;
}

interface ShardState {
  parent: string | undefined;
  iterator: string | undefined;
  /** The last record done with; where a retry or a restart goes on from. */
  checkpoint: string | undefined;
  /** The shard was closed (split) and every record of it is done. */
  finished: boolean;
  /** After a failure: when the batch may be tried again. */
  retryAt: number;
  backoffMs: number;
}

/**
 * Lambda's DynamoDB event source mapping, for the local stack: reads the table's stream from DynamoDB
 * Local (DescribeStream, GetShardIterator, GetRecords, every `pollMs`), shards in order (a child
 * only once its parent is done, as Lambda does after a split), applies the mapping's filter criteria
 * (lambdas/adapters/stream-records.ts, the same patterns lib/events.ts deploys) and invokes the
 * consumer with the batch event Lambda sends. With ReportBatchItemFailures semantics: when the
 * consumer throws, the whole batch is retried; when it reports a record, the batch is retried from
 * that record. Locally a batch is retried until it succeeds (deployed, after 10 retries it goes to the
 * dead-letter queue): a record is never skipped. Where each shard got to is kept in memory, and
 * written to `checkpointFile` when there is one (a data folder), so a restart goes on where the last
 * run stopped instead of publishing the stream again.
 */
export function readStream(options: {
  client: DynamoDBStreamsClient;
  streamArn: string;
  consumer: StreamConsumer;
  region: string;
  batchSize?: number;
  pollMs?: number;
  /** The longest wait between polls of a quiet stream (default 1000 ms). */
  idlePollMs?: number;
  checkpointFile?: string | null;
}): StreamReader {
  const { client, streamArn, consumer, region } = options;
  const batchSize = options.batchSize ?? 25;
  const pollMs = options.pollMs ?? 150;
  // A quiet stream is asked less and less often, up to this, and its shards listed at most this
  // often: an idle local stack then costs DynamoDB Local next to nothing (polling every 150 ms kept
  // it at a tenth of a core). The first write after a quiet spell waits at most this long.
  const idlePollMs = Math.max(pollMs, options.idlePollMs ?? 1000);
  let waitMs = pollMs;
  let describedAt = 0;
  const shards = new Map<string, ShardState>();
  const saved = loadCheckpoints(options.checkpointFile, streamArn);
  const stats: StreamReaderStats = { records: 0, invocations: 0, failures: 0 };
  let running = true;

  const iteratorOf = async (shardId: string, state: ShardState, at?: string): Promise<string | undefined> => {
    const position: { ShardIteratorType: ShardIteratorType; SequenceNumber?: string } = at
      ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: at }
      : state.checkpoint
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.checkpoint }
        : { ShardIteratorType: 'TRIM_HORIZON' };
    try {
      return (await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ...position }))).ShardIterator;
    } catch (error) {
      // The record was trimmed (older than the stream keeps): nothing before the horizon is left to read.
      if (error instanceof TrimmedDataAccessException) return (await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      throw error;
    }
  };

  const describe = async (): Promise<Shard[]> => {
    const all: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      all.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return all;
  };

  /** One GetRecords of a shard and the consumer's invocation; true when it read something. */
  const pollShard = async (shardId: string, state: ShardState): Promise<boolean> => {
    state.iterator ??= await iteratorOf(shardId, state);
    if (!state.iterator) return false;
    let page;
    try {
      page = await client.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: batchSize }));
    } catch (error) {
      if (error instanceof ExpiredIteratorException) {
        state.iterator = undefined;
        return false;
      }
      throw error;
    }
    const records = page.Records ?? [];
    const next = page.NextShardIterator;
    const passing = records.filter((r) => passesEventSourceFilters(lambdaRecord(r, streamArn, region)));
    if (passing.length > 0) {
      stats.invocations++;
      let failedAt: string | undefined;
      try {
        const response = await consumer({ Records: passing.map((r) => lambdaRecord(r, streamArn, region)) });
        failedAt = response?.batchItemFailures?.[0]?.itemIdentifier;
        if (failedAt !== undefined && !passing.some((r) => r.dynamodb?.SequenceNumber === failedAt)) {
          // Lambda treats an identifier not in the batch as a failure of the whole batch.
          failedAt = passing[0]?.dynamodb?.SequenceNumber;
        }
      } catch (error) {
        log('warn', 'The events publisher failed a stream batch; it is retried', { error: describeError(error) });
        failedAt = passing[0]?.dynamodb?.SequenceNumber;
      }
      if (failedAt !== undefined) {
        stats.failures++;
        const done = records.slice(0, records.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt));
        if (done.length > 0) checkpoint(shardId, state, done.at(-1)!.dynamodb!.SequenceNumber!);
        stats.records += done.length;
        state.iterator = await iteratorOf(shardId, state, failedAt);
        state.backoffMs = Math.min(Math.max(state.backoffMs * 2, 100), 2000);
        state.retryAt = Date.now() + state.backoffMs;
        return true;
      }
    }
    state.backoffMs = 0;
    stats.records += records.length;
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) checkpoint(shardId, state, last);
    state.iterator = next ?? undefined;
    if (!next) state.finished = true;
    return records.length > 0;
  };

  const checkpoint = (shardId: string, state: ShardState, sequenceNumber: string) => {
    state.checkpoint = sequenceNumber;
    if (options.checkpointFile) {
      const shardsDone = Object.fromEntries([...shards].flatMap(([id, s]) => (s.checkpoint ? [[id, s.checkpoint]] : [])));
      writeFileSync(options.checkpointFile, JSON.stringify({ streamArn, shards: { ...shardsDone, [shardId]: sequenceNumber } }));
    }
  };

  /** One pass over the shards; true when some shard had records (or a batch to retry). */
  const round = async (): Promise<boolean> => {
    // New shards come only when one closes: listed again when none is open, else at the idle pace.
    if (Date.now() - describedAt >= idlePollMs || [...shards.values()].every((s) => s.finished)) {
      describedAt = Date.now();
      for (const shard of await describe()) {
        const id = shard.ShardId!;
        if (!shards.has(id)) shards.set(id, { parent: shard.ParentShardId, iterator: undefined, checkpoint: saved[id], finished: false, retryAt: 0, backoffMs: 0 });
      }
    }
    let busy = false;
    for (const [id, state] of shards) {
      if (state.finished || Date.now() < state.retryAt) continue;
      // A child shard waits for its parent (when the parent is still in the stream) to be done: records of one item stay in order across a split.
      const parent = state.parent === undefined ? undefined : shards.get(state.parent);
      if (parent && !parent.finished) continue;
      // Drain the shard while it has records, then go on.
      while (running && (await pollShard(id, state))) {
        busy = true;
        if (state.retryAt > Date.now() || state.finished) break;
      }
    }
    return busy;
  };

  const loop = (async () => {
    while (running) {
      try {
        waitMs = (await round()) ? pollMs : Math.min(waitMs * 2, idlePollMs);
      } catch (error) {
        if (running) log('error', 'Reading the table stream failed; trying again', { error: describeError(error) });
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  })();

  return {
    stats: () => ({ ...stats }),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

type Attribute = Record<string, unknown>;

/**
 * DynamoDB Local's stream writes an empty map attribute as `{}` where DynamoDB Streams (and
 * DynamoDB Local's own GetItem) write `{"M": {}}`; Lambda's event carries the latter. An attribute
 * value always has exactly one type key, so `{}` can only be that map.
 */
function repaired(value: Attribute): Attribute {
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M && typeof value.M === 'object') return { M: repairedImage(value.M as Record<string, Attribute>) };
  if (Array.isArray(value.L)) return { L: (value.L as Attribute[]).map(repaired) };
  return value;
}
const repairedImage = (image: Record<string, Attribute> | undefined) => image && Object.fromEntries(Object.entries(image).map(([k, v]) => [k, repaired(v)]));

/** A stream record as Lambda hands it to a function: the same fields, the time in epoch seconds. */
function lambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...stream } = record.dynamodb ?? {};
  const dynamodb = {
    ...stream,
    ...(stream.NewImage && { NewImage: repairedImage(stream.NewImage as unknown as Record<string, Attribute>) }),
    ...(stream.OldImage && { OldImage: repairedImage(stream.OldImage as unknown as Record<string, Attribute>) }),
  };
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(dynamodb as NonNullable<DynamoDBRecord['dynamodb']>),
      ...(ApproximateCreationDateTime && { ApproximateCreationDateTime: Math.floor(new Date(ApproximateCreationDateTime).getTime() / 1000) }),
    },
    ...(record.userIdentity && { userIdentity: record.userIdentity }),
  };
}

function loadCheckpoints(file: string | null | undefined, streamArn: string): Record<string, string> {
  if (!file || !existsSync(file)) return {};
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { streamArn?: string; shards?: Record<string, string> };
    // Another stream (the table was made again): its positions mean nothing here.
    return saved.streamArn === streamArn ? (saved.shards ?? {}) : {};
  } catch {
    return {};
  }
}
