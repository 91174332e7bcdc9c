import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { hasSearch, matchesQuery, queryFingerprint } from '../domain/files/file-search';
import { isExpired, isProcessing, type FileChanges, type FileRecord, type FileVersion, type ListQuery } from '../domain/model';
import { BadCursor, StaleWrite, type FileRepository } from '../domain/ports';
import { createdOrder, indexEntries, planList, tenantPartition, type ListPlan } from './list-plan';
import { backOff, consistentRead, itemId, readItems } from './consistent-reads';
import { KEY_LIMITS, tableSchema } from './table-schema';
import { isWellFormed } from '../domain/text';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = tableSchema;
const { partitionKey: GSI_PK, sortKey: GSI_SK, name: GSI } = tableSchema.indexes.byTenant;
export const FILE_SK = 'FILE';

export const filePk = (id: string) => `FILE#${id}`;

/**
 * Files in `processing` also get an index item in one of a few cross-tenant partitions, sorted by
 * when processing began, so the reconciler finds files stuck there with a Query instead of a Scan.
 * Spread over shards so a burst of uploads does not write to one hot partition.
 */
const PROCESSING_SHARDS = 8;
const processingPartition = (shard: number) => `PROCESSING#${shard}`;
const processingShard = (fileId: string) => parseInt(fileId.slice(-2), 16) % PROCESSING_SHARDS || 0;
const isProcessingPartition = (gsiPk: string) => gsiPk.startsWith('PROCESSING#');
/** When a processing hint says its file began processing: the first part of its sort key. */
const sinceOf = (hint: Record<string, unknown>): Date => new Date(String(hint[GSI_SK]).split('#')[0] as string);
/** How old a processing hint whose file is not processing must be before it counts as a crash's leftover. */
const PROCESSING_HINT_GRACE_MS = 60_000;

/** DynamoDB's TTL attribute: epoch seconds, rounded up so nothing is deleted before `expiresAt`. */
const ttlOf = (file: Pick<FileRecord, 'expiresAt'>): { [TTL]: number } | Record<string, never> =>
  file.expiresAt === null ? {} : { [TTL]: Math.ceil(Date.parse(file.expiresAt) / 1000) };

type IndexItem = Record<string, string | number>;

function indexItems(file: FileRecord, now: string): Map<string, IndexItem> {
  const items = new Map<string, IndexItem>();
  for (const { partition: gsiPk, sortKey } of indexEntries(file)) {
    // A temporary file's index items expire with it: DynamoDB deletes each item on its own.
    items.set(gsiPk, { [PK]: filePk(file.id), [SK]: `IDX#${gsiPk}`, [GSI_PK]: gsiPk, [GSI_SK]: sortKey, ...ttlOf(file) });
  }
  if (isProcessing(file)) {
    // Written once when processing begins (later writes keep it), so its sort key says since when.
    const gsiPk = processingPartition(processingShard(file.id));
    items.set(gsiPk, { [PK]: filePk(file.id), [SK]: `IDX#${gsiPk}`, [GSI_PK]: gsiPk, [GSI_SK]: `${now}#${file.id}` });
  }
  return items;
}

/**
 * An index item kept across a write that must be written again: its expiry changed, or its sort
 * key did (the name index, on a rename). The processing item keeps its first sort key on purpose.
 */
const mustRewrite = (before: IndexItem, after: IndexItem): boolean =>
  before[TTL] !== after[TTL] || (before[GSI_SK] !== after[GSI_SK] && !isProcessingPartition(String(after[GSI_PK])));

/** A file item (as the table holds it, unmarshalled) as this code reads it; also how the events publisher reads the stream's images. */
export function toRecord(item: Record<string, unknown>): FileRecord {
  const { [PK]: _pk, [SK]: _sk, [GSI_PK]: _gpk, [GSI_SK]: _gsk, [TTL]: _ttl, ...record } = item;
  return upgradeRecord(record);
}

/**
 * A file item as this code reads it. Items written before versions existed (one fixed content
 * key per file) have no `versions`: their content, if any, becomes version 1, so they read,
 * download and delete like any other file, and the next upload is version 2.
 */
export function upgradeRecord(item: Record<string, unknown>): FileRecord {
  // Files from before access control were private.
  if (item.accessControl === undefined) item = { ...item, accessControl: 'private' };
  if (Array.isArray(item.versions)) return item as unknown as FileRecord;
  const old = item as unknown as FileRecord & { contentSequencer?: string | null; contentETag?: string | null };
  const { contentSequencer, contentETag, ...file } = old;
  const hadContent = old.status !== 'pending' && typeof old.contentKey === 'string';
  const version: FileVersion | undefined = hadContent
    ? {
        version: 1,
        key: old.contentKey as string,
        sequencer: contentSequencer ?? '',
        eTag: contentETag ?? '',
        uploadedAt: old.uploadedAt ?? old.createdAt,
        uploadedBy: null,
        status: old.status as FileVersion['status'],
        size: old.size,
        checksumSha256: null,
        pageCount: old.pageCount,
        detectedMimeType: old.detectedMimeType ?? null,
        error: old.error,
        contentRemoved: false,
      }
    : undefined;
  return {
    ...file,
    checksumSha256: null,
    contentKey: version ? version.key : null,
    versions: version ? [version] : [],
    // Old files never expired: they keep not expiring.
    expiresAt: null,
  };
}

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
 * Files in one DynamoDB table. The file item is the truth; index items are hints written before
 * and removed after the file item changes, and every list verifies hits against the file item,
 * so a crash between the writes can leave a stale hint but never a wrong answer.
 */
export class DynamoFileRepository implements FileRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Decides which temporary files have expired; DynamoDB deletes them only some time later. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(file: FileRecord): Promise<void> {
    await this.writeIndexItems([...indexItems(file, file.updatedAt).values()], []);
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...file, [PK]: filePk(file.id), [SK]: FILE_SK, [GSI_PK]: tenantPartition(file.tenantId), [GSI_SK]: createdOrder(file), ...ttlOf(file) },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }),
    );
  }

  async get(id: string): Promise<FileRecord | undefined> {
    const Item = await consistentRead(this.db, this.tableName, { [PK]: filePk(id), [SK]: FILE_SK });
    const file = Item ? toRecord(Item) : undefined;
    return file && !isExpired(file, this.now()) ? file : undefined;
  }

  async update(current: FileRecord, changes: FileChanges, now: Date): Promise<FileRecord> {
    const next: FileRecord = { ...current, ...changes, version: current.version + 1, updatedAt: now.toISOString() };
    const before = indexItems(current, current.updatedAt);
    // A processing item is stamped with the store's clock as it is written, not with the caller's
    // `now` (taken when its work began, maybe seconds earlier): it is written just before the file
    // item, so the reconciler, which reads only items older than its stuck threshold and drops
    // those whose file is not processing, can never see it before the file item says processing.
    const after = indexItems(next, this.now().toISOString());
    const added = [...after].filter(([k]) => !before.has(k)).map(([, item]) => item);
    const removed = [...before].filter(([k]) => !after.has(k)).map(([, item]) => item);
    // Items that stay but lose (or change) their expiry, or move (a rename), rewritten before the
    // file item like new ones: a crash in between leaves index items that outlive their file or
    // point to the new name (stale hints, which lists drop), never a live file whose index items
    // expire.
    const retimed = [...after].filter(([k, item]) => {
      const old = before.get(k);
      return old !== undefined && mustRewrite(old, item);
    });
    await this.writeIndexItems([...added, ...retimed.map(([, item]) => item)], []);

    const fields = Object.entries({ ...changes, version: next.version, updatedAt: next.updatedAt });
    const names: Record<string, string> = { '#v': 'version', '#exp': 'expiresAt' };
    const values: Record<string, unknown> = { ':expected': current.version, ':now': now.toISOString(), ':null': 'NULL' };
    const sets = fields.map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      return `#f${i} = :f${i}`;
    });
    let ttlUpdate = '';
    if ('expiresAt' in changes && changes.expiresAt !== current.expiresAt) {
      const ttl = ttlOf(next);
      names['#ttl'] = TTL;
      if (TTL in ttl) {
        values[':ttl'] = ttl[TTL];
        sets.push('#ttl = :ttl');
      } else {
        ttlUpdate = ' REMOVE #ttl';
      }
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: filePk(current.id), [SK]: FILE_SK },
          UpdateExpression: `SET ${sets.join(', ')}${ttlUpdate}`,
          // An expired temporary file is gone even while DynamoDB has not deleted it yet.
          ConditionExpression: '#v = :expected AND (attribute_not_exists(#exp) OR attribute_type(#exp, :null) OR #exp > :now)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        await this.writeIndexItems(
          retimed.flatMap(([k]) => {
            const item = before.get(k);
            return item ? [item] : [];
          }),
          added,
        );
        throw new StaleWrite(`File ${current.id}`);
      }
      throw error;
    }
    await this.writeIndexItems([], removed);
    return next;
  }

  async delete(file: FileRecord): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { [PK]: filePk(file.id), [SK]: FILE_SK } }));
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': filePk(file.id) },
        ProjectionExpression: '#pk, #sk',
      }),
    );
    await this.writeIndexItems([], Items);
  }

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

  /**
   * Writes every index item a stored file item implies, but the processing one (only the write
   * that starts processing may date it): the backfill for files stored before an index existed.
   * Idempotent. Racing an update or a delete, it can leave a stale hint, which lists drop.
   */
  async reindex(item: Record<string, unknown>): Promise<void> {
    const file = toRecord(item);
    const items = [...indexItems(file, file.updatedAt).values()].filter((i) => !isProcessingPartition(String(i[GSI_PK])));
    await this.writeIndexItems(items, []);
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

  private async getMany(pks: string[]): Promise<FileRecord[]> {
    const found = await readItems(this.db, this.tableName, pks.map((pk) => ({ [PK]: pk, [SK]: FILE_SK })));
    return pks.flatMap((pk) => {
      const item = found.get(itemId({ [PK]: pk, [SK]: FILE_SK }));
      return item ? [toRecord(item)] : [];
    });
  }

  private async writeIndexItems(puts: Record<string, unknown>[], deletes: Record<string, unknown>[]): Promise<void> {
    const requests = [
      ...puts.map((Item) => ({ PutRequest: { Item } })),
      ...deletes.map((item) => ({ DeleteRequest: { Key: { [PK]: item[PK], [SK]: item[SK] } } })),
    ];
    for (let i = 0; i < requests.length; i += 25) {
      let pending: typeof requests | undefined = requests.slice(i, i + 25);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0) await backOff(attempt);
        const result: BatchWriteCommandOutput = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = result.UnprocessedItems?.[this.tableName] as typeof requests | undefined;
      }
    }
  }
}

