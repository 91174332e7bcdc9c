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
import { isExpired, isProcessing, type FileChanges, type FileRecord, type FileVersion } from '../domain/model';
import { StaleWrite, type FileRepository } from '../domain/ports';
import { createdOrder, indexEntries, tenantPartition } from './list-plan';
import { backOff, consistentRead, itemId, readItems } from './consistent-reads';
import { tableSchema } from './table-schema';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = tableSchema;
const { partitionKey: GSI_PK, sortKey: GSI_SK } = tableSchema.indexes.byTenant;
export const FILE_SK = 'FILE';

export const filePk = (id: string) => `FILE#${id}`;

/**
 * Files in `processing` also get an index item in one of a few cross-tenant partitions, sorted by
 * when processing began, so the reconciler finds files stuck there with a Query instead of a Scan.
 * Spread over shards so a burst of uploads does not write to one hot partition.
 */
export const PROCESSING_SHARDS = 8;
export const processingPartition = (shard: number) => `PROCESSING#${shard}`;
const processingShard = (fileId: string) => parseInt(fileId.slice(-2), 16) % PROCESSING_SHARDS || 0;
const isProcessingPartition = (gsiPk: string) => gsiPk.startsWith('PROCESSING#');

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

/**
 * Files in one DynamoDB table. The file item is the truth; index items are hints written before
 * and removed after the file item changes, and every list (DynamoFileQueries) verifies hits against
 * the file item, so a crash between the writes can leave a stale hint but never a wrong answer.
 */
export class DynamoFileRepository implements FileRepository {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
    /** Decides which temporary files have expired; DynamoDB deletes them only some time later. */
    protected readonly now: () => Date = () => new Date(),
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

  protected async getMany(pks: string[]): Promise<FileRecord[]> {
    const found = await readItems(this.db, this.tableName, pks.map((pk) => ({ [PK]: pk, [SK]: FILE_SK })));
    return pks.flatMap((pk) => {
      const item = found.get(itemId({ [PK]: pk, [SK]: FILE_SK }));
      return item ? [toRecord(item)] : [];
    });
  }

  protected async writeIndexItems(puts: Record<string, unknown>[], deletes: Record<string, unknown>[]): Promise<void> {
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

