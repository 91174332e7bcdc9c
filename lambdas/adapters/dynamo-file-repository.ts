import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isExpired, isProcessing, type FileChanges, type FileRecord, type FileVersion, type ListFilter } from '../domain/model';
import { BadCursor, StaleWrite, type FileRepository } from '../domain/ports';
import { tableSchema } from './table-schema';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = tableSchema;
const { partitionKey: GSI_PK, sortKey: GSI_SK, name: GSI } = tableSchema.indexes.byTenant;
const FILE_SK = 'FILE';

const enc = encodeURIComponent;
const filePk = (id: string) => `FILE#${id}`;
const tenantPk = (tenantId: string) => `T#${enc(tenantId)}`;
const listOrder = (file: FileRecord) => `${file.createdAt}#${file.id}`;

/** One index item per tag, link and external id: its GSI partition is what a list filter queries. */
function indexPartition(tenantId: string, filter: ListFilter): string {
  switch (filter.kind) {
    case 'tag':
      return `${tenantPk(tenantId)}#TAG#${enc(filter.tag)}`;
    case 'externalId':
      return `${tenantPk(tenantId)}#EXT#${enc(filter.externalId)}`;
    case 'link':
      return `${tenantPk(tenantId)}#LINK#${enc(filter.link.type)}#${enc(filter.link.id)}`;
  }
}

function filtersOf(file: Pick<FileRecord, 'tags' | 'links' | 'externalId'>): ListFilter[] {
  return [
    ...file.tags.map((tag): ListFilter => ({ kind: 'tag', tag })),
    ...file.links.map((link): ListFilter => ({ kind: 'link', link })),
    ...(file.externalId === null ? [] : [{ kind: 'externalId', externalId: file.externalId } as ListFilter]),
  ];
}

function matches(file: FileRecord, filter: ListFilter): boolean {
  switch (filter.kind) {
    case 'tag':
      return file.tags.includes(filter.tag);
    case 'externalId':
      return file.externalId === filter.externalId;
    case 'link':
      return file.links.some((l) => l.type === filter.link.type && l.id === filter.link.id);
  }
}

/**
 * Files in `processing` also get an index item in one of a few cross-tenant partitions, sorted by
 * when processing began, so the reconciler finds files stuck there with a Query instead of a Scan.
 * Spread over shards so a burst of uploads does not write to one hot partition.
 */
const PROCESSING_SHARDS = 8;
const processingPartition = (shard: number) => `PROCESSING#${shard}`;
const processingShard = (fileId: string) => parseInt(fileId.slice(-2), 16) % PROCESSING_SHARDS || 0;

/** DynamoDB's TTL attribute: epoch seconds, rounded up so nothing is deleted before `expiresAt`. */
const ttlOf = (file: Pick<FileRecord, 'expiresAt'>): { [TTL]: number } | Record<string, never> =>
  file.expiresAt === null ? {} : { [TTL]: Math.ceil(Date.parse(file.expiresAt) / 1000) };

type IndexItem = Record<string, string | number>;

function indexItems(file: FileRecord, now: string): Map<string, IndexItem> {
  const items = new Map<string, IndexItem>();
  for (const filter of filtersOf(file)) {
    const gsiPk = indexPartition(file.tenantId, filter);
    // A temporary file's index items expire with it: DynamoDB deletes each item on its own.
    items.set(gsiPk, { [PK]: filePk(file.id), [SK]: `IDX#${gsiPk}`, [GSI_PK]: gsiPk, [GSI_SK]: listOrder(file), ...ttlOf(file) });
  }
  if (isProcessing(file)) {
    // Written once when processing begins (later writes keep it), so its sort key says since when.
    const gsiPk = processingPartition(processingShard(file.id));
    items.set(gsiPk, { [PK]: filePk(file.id), [SK]: `IDX#${gsiPk}`, [GSI_PK]: gsiPk, [GSI_SK]: `${now}#${file.id}` });
  }
  return items;
}

function toRecord(item: Record<string, unknown>): FileRecord {
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

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, gsiPk: string): Record<string, unknown> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursor('The cursor is not one this API issued.');
  }
  const valid =
    typeof key === 'object' && key !== null &&
    [PK, SK, GSI_PK, GSI_SK].every((k) => typeof (key as Record<string, unknown>)[k] === 'string') &&
    Object.keys(key).length === 4 &&
    (key as Record<string, unknown>)[GSI_PK] === gsiPk;
  if (!valid) throw new BadCursor('The cursor does not belong to this query.');
  return key as Record<string, unknown>;
}

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
        Item: { ...file, [PK]: filePk(file.id), [SK]: FILE_SK, [GSI_PK]: tenantPk(file.tenantId), [GSI_SK]: listOrder(file), ...ttlOf(file) },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }),
    );
  }

  async get(id: string): Promise<FileRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { [PK]: filePk(id), [SK]: FILE_SK }, ConsistentRead: true }));
    const file = Item ? toRecord(Item) : undefined;
    return file && !isExpired(file, this.now()) ? file : undefined;
  }

  async update(current: FileRecord, changes: FileChanges, now: Date): Promise<FileRecord> {
    const next: FileRecord = { ...current, ...changes, version: current.version + 1, updatedAt: now.toISOString() };
    const before = indexItems(current, current.updatedAt);
    const after = indexItems(next, next.updatedAt);
    const added = [...after].filter(([k]) => !before.has(k)).map(([, item]) => item);
    const removed = [...before].filter(([k]) => !after.has(k)).map(([, item]) => item);
    // Items that stay but lose (or change) their expiry, rewritten before the file item like new
    // ones: a crash in between leaves index items that outlive their file (stale hints, which
    // lists drop), never a live file whose index items expire.
    const retimed = [...after].filter(([k, item]) => before.has(k) && before.get(k)?.[TTL] !== item[TTL]);
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

  async list(tenantId: string, query: { limit: number; cursor?: string; filter?: ListFilter }) {
    const { filter, limit } = query;
    const gsiPk = filter ? indexPartition(tenantId, filter) : tenantPk(tenantId);
    let startKey = query.cursor ? decodeCursor(query.cursor, gsiPk) : undefined;
    const items: FileRecord[] = [];
    // Whole pages are consumed, so the last page's key is an exact cursor even when stale hints
    // were dropped; looping fills the page the caller asked for.
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI,
          KeyConditionExpression: '#gpk = :gpk',
          ExpressionAttributeNames: { '#gpk': GSI_PK },
          ExpressionAttributeValues: { ':gpk': gsiPk },
          ScanIndexForward: false,
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      const found = page.Items ?? [];
      const files = filter ? await this.getMany(found.map((i) => String(i[PK]))) : found.map(toRecord);
      const now = this.now();
      items.push(...files.filter((f) => f.tenantId === tenantId && !isExpired(f, now) && (!filter || matches(f, filter))));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return { items, nextCursor: startKey ? encodeCursor(startKey) : null };
  }

  async listProcessingSince(before: Date, limit: number): Promise<{ file: FileRecord; since: Date }[]> {
    const found: { file: FileRecord; since: Date }[] = [];
    for (let shard = 0; shard < PROCESSING_SHARDS && found.length < limit; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: GSI,
            KeyConditionExpression: '#gpk = :gpk AND #gsk < :before',
            ExpressionAttributeNames: { '#gpk': GSI_PK, '#gsk': GSI_SK },
            ExpressionAttributeValues: { ':gpk': processingPartition(shard), ':before': before.toISOString() },
            Limit: limit - found.length,
            ExclusiveStartKey: startKey,
          }),
        );
        const hints = page.Items ?? [];
        const files = await this.getMany(hints.map((i) => String(i[PK])));
        const processing = new Map(files.filter(isProcessing).map((f) => [filePk(f.id), f]));
        for (const hint of hints) {
          const file = processing.get(String(hint[PK]));
          if (file) found.push({ file, since: new Date(String(hint[GSI_SK]).split('#')[0] as string) });
        }
        // A hint outlives its file's processing only when a crash came between two writes: tidy up.
        await this.writeIndexItems([], hints.filter((hint) => !processing.has(String(hint[PK]))));
        startKey = page.LastEvaluatedKey;
      } while (startKey && found.length < limit);
    }
    return found;
  }

  private async getMany(pks: string[]): Promise<FileRecord[]> {
    const byPk = new Map<string, FileRecord>();
    for (let i = 0; i < pks.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = pks.slice(i, i + 100).map((pk) => ({ [PK]: pk, [SK]: FILE_SK }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await backOff(attempt);
        const result: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of result.Responses?.[this.tableName] ?? []) byPk.set(String(item[PK]), toRecord(item));
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return pks.flatMap((pk) => byPk.get(pk) ?? []);
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

const backOff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
