import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { hasSearch, matchesQuery, queryFingerprint } from '../domain/files/file-search';
import { isExpired, isProcessing, type FileRecord, type ListQuery } from '../domain/model';
import { BadCursor, type FileQueries } from '../domain/ports';
import { isWellFormed } from '../domain/text';
import { DynamoFileRepository, FILE_SK, filePk, PROCESSING_SHARDS, processingPartition, toRecord } from './dynamo-file-repository';
import { planList, type ListPlan } from './list-plan';
import { KEY_LIMITS, tableSchema } from './table-schema';

const { partitionKey: PK, sortKey: SK } = tableSchema;
const { partitionKey: GSI_PK, sortKey: GSI_SK, name: GSI } = tableSchema.indexes.byTenant;

/** When a processing hint says its file began processing: the first part of its sort key. */
const sinceOf = (hint: Record<string, unknown>): Date => new Date(String(hint[GSI_SK]).split('#')[0] as string);
/** How old a processing hint whose file is not processing must be before it counts as a crash's leftover. */
const PROCESSING_HINT_GRACE_MS = 60_000;

type Key = Record<string, unknown>;

/** Where a list stopped: the GSI key of the last item read (a valid ExclusiveStartKey). */
const keyOf = (item: Key): Key => ({ [PK]: item[PK], [SK]: item[SK], [GSI_PK]: item[GSI_PK], [GSI_SK]: item[GSI_SK] });

/** The key plus the query's fingerprint (`q`), so the cursor continues that query and no other. */
function encodeCursor(key: Key, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ ...keyOf(key), q: fingerprint })).toString('base64url');
}

/** A key attribute DynamoDB accepts as a start key: a non-empty, well-formed string within its byte limit. */
const isKeyString = (value: unknown, maxBytes: number): value is string =>
  typeof value === 'string' && value !== '' && isWellFormed(value) && Buffer.byteLength(value) <= maxBytes;
const FILE_PK = /^FILE#[0-9a-f-]{36}$/;

function decodeCursor(cursor: string, plan: ListPlan, fingerprint: string, searched: boolean): Key {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursor('The cursor is not one this API issued.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadCursor('The cursor is not one this API issued.');
  const { q, ...key } = parsed as Key;
  // Cursors issued before searches existed carry no fingerprint: they still continue a list without one.
  const sameQuery = q === fingerprint || (q === undefined && !searched);
  const valid =
    sameQuery &&
    Object.keys(key).length === 4 &&
    isKeyString(key[PK], KEY_LIMITS.partitionKeyBytes) &&
    isKeyString(key[SK], KEY_LIMITS.sortKeyBytes) &&
    isKeyString(key[GSI_PK], KEY_LIMITS.partitionKeyBytes) &&
    isKeyString(key[GSI_SK], KEY_LIMITS.sortKeyBytes) &&
    key[GSI_PK] === plan.partition &&
    FILE_PK.test(key[PK]) &&
    key[SK] === (plan.holdsFiles ? FILE_SK : `IDX#${plan.partition}`) &&
    // DynamoDB refuses a start key outside the key condition with an error, not an empty page.
    plan.admits(key[GSI_SK]);
  if (!valid) throw new BadCursor('The cursor does not belong to this query.');
  return key;
}

/**
 * At most this many items are read from the index per request, whatever the query: a search whose
 * conditions the Query cannot enforce returns what it found among them, with a cursor to go on.
 */
export const MAX_ITEMS_READ = 1000;
/** Query page size when conditions are checked after reading: fewer round trips for sparse matches. */
const READ_AHEAD = 100;

/**
 * The repository's files, listed: a tenant's (by tag, link, external id, type, status, creator or
 * name, searched), and those stuck in processing. Every list verifies its index hits against the
 * file items. Only the functions that list build it (lambdas/composition.ts), so the others carry
 * none of this.
 */
export class DynamoFileQueries extends DynamoFileRepository implements FileQueries {
  async list(tenantId: string, query: ListQuery) {
    const { limit } = query;
    const plan = planList(tenantId, query);
    const fingerprint = queryFingerprint(query);
    let startKey = query.cursor ? decodeCursor(query.cursor, plan, fingerprint, hasSearch(query.search)) : undefined;
    const items: FileRecord[] = [];
    let read = 0;
    // Each page's items are examined in order and the cursor is the key of the last one examined,
    // so a page may stop anywhere in a Query page and the next request starts right after it.
    while (items.length < limit && read < MAX_ITEMS_READ) {
      const wanted = plan.residual.length === 0 ? limit - items.length : Math.max(limit - items.length, READ_AHEAD);
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI,
          KeyConditionExpression: plan.keyCondition,
          ExpressionAttributeNames: { '#gpk': GSI_PK, ...(plan.keyCondition.includes('#gsk') && { '#gsk': GSI_SK }) },
          ExpressionAttributeValues: plan.values,
          ScanIndexForward: plan.forward,
          Limit: Math.min(wanted, MAX_ITEMS_READ - read),
          ExclusiveStartKey: startKey,
        }),
      );
      const found = page.Items ?? [];
      const files = await this.filesOf(found, plan);
      const now = this.now();
      let examined = 0;
      for (const item of found) {
        examined++;
        const file = files.get(String(item[PK]));
        if (file && file.tenantId === tenantId && !isExpired(file, now) && matchesQuery(file, query)) items.push(file);
        if (items.length === limit) break;
      }
      read += examined;
      const last = found[examined - 1];
      startKey = examined < found.length && last ? keyOf(last) : page.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, nextCursor: startKey ? encodeCursor(startKey, fingerprint) : null };
  }

  /** The files behind a page of GSI items: the items themselves in the tenant partition, else the file items they point to. */
  private async filesOf(found: Key[], plan: ListPlan): Promise<Map<string, FileRecord>> {
    if (plan.holdsFiles) return new Map(found.map((item) => [String(item[PK]), toRecord(item)]));
    const files = await this.getMany(found.map((i) => String(i[PK])));
    return new Map(files.map((f) => [filePk(f.id), f]));
  }

  async listProcessingSince(before: Date, limit: number): Promise<{ file: FileRecord; since: Date }[]> {
    const found: { file: FileRecord; since: Date }[] = [];
    for (let shard = 0; shard < PROCESSING_SHARDS && found.length < limit; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.processingPage(shard, before, limit - found.length, startKey);
        found.push(...page.found);
        startKey = page.next;
      } while (startKey && found.length < limit);
    }
    return found;
  }

  /** The oldest head of each shard (each is sorted by since when), then the oldest of those. */
  async oldestProcessingSince(): Promise<Date | undefined> {
    // Later than any sort key, and still a four-digit year: ISO strings compare as times only then.
    const before = new Date('9999-12-31T23:59:59.999Z');
    let oldest: Date | undefined;
    for (let shard = 0; shard < PROCESSING_SHARDS; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        // A few at a time: past the first, hints are there only if a crash left them behind.
        const page = await this.processingPage(shard, before, 5, startKey);
        const first = page.found[0];
        if (first) {
          if (!oldest || first.since < oldest) oldest = first.since;
          break;
        }
        startKey = page.next;
      } while (startKey);
    }
    return oldest;
  }

  /** One page of a shard's processing index, in since-when order, checked against the files themselves. */
  private async processingPage(
    shard: number,
    before: Date,
    limit: number,
    startKey: Record<string, unknown> | undefined,
  ): Promise<{ found: { file: FileRecord; since: Date }[]; next: Record<string, unknown> | undefined }> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: GSI,
        KeyConditionExpression: '#gpk = :gpk AND #gsk < :before',
        ExpressionAttributeNames: { '#gpk': GSI_PK, '#gsk': GSI_SK },
        ExpressionAttributeValues: { ':gpk': processingPartition(shard), ':before': before.toISOString() },
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const hints = page.Items ?? [];
    const files = await this.getMany(hints.map((i) => String(i[PK])));
    const processing = new Map(files.filter(isProcessing).map((f) => [filePk(f.id), f]));
    const found: { file: FileRecord; since: Date }[] = [];
    for (const hint of hints) {
      const file = processing.get(String(hint[PK]));
      if (file) found.push({ file, since: sinceOf(hint) });
    }
    // A hint outlives its file's processing only when a crash came between two writes: tidy up. A
    // young one may belong to a write in flight (the hint goes in just before its file item, and a
    // loaded machine can take seconds between the two): dropping it would hide that file from every
    // later run, so only hints older than any write takes are taken for a crash's leftovers.
    const settledBefore = this.now().getTime() - PROCESSING_HINT_GRACE_MS;
    const leftovers = hints.filter((hint) => !processing.has(String(hint[PK])) && sinceOf(hint).getTime() < settledBefore);
    await this.writeIndexItems([], leftovers);
    return { found, next: page.LastEvaluatedKey };
  }
}
