import { BatchGetCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableSchema } from './table-schema';

type Key = Record<string, string>;
type Item = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys a request. */
const BATCH_LIMIT = 100;

const { partitionKey: PK, sortKey: SK } = tableSchema;
/** The identity of an item (or of its key) within the table. */
export const itemId = (keyOrItem: Key | Item): string => `${String(keyOrItem[PK])}\u0000${String(keyOrItem[SK])}`;

/** Unprocessed keys or writes mean the table is throttled: wait longer each time before asking again. */
export const backOff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));

/** Strongly consistent BatchGetItem of any number of keys, unprocessed ones asked again: the items found, by `itemId`. */
export async function readItems(db: DynamoDBDocumentClient, tableName: string, keys: readonly Key[]): Promise<Map<string, Item>> {
  // BatchGetItem refuses a request that names one key twice.
  const unique = [...new Map(keys.map((key) => [itemId(key), key])).values()];
  const found = new Map<string, Item>();
  for (let i = 0; i < unique.length; i += BATCH_LIMIT) {
    let pending: Key[] = unique.slice(i, i + BATCH_LIMIT);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await backOff(attempt);
      const { Responses, UnprocessedKeys } = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }));
      for (const item of Responses?.[tableName] ?? []) found.set(itemId(item), item);
      pending = (UnprocessedKeys?.[tableName]?.Keys as Key[] | undefined) ?? [];
    }
  }
  return found;
}

interface Waiting {
  key: Key;
  resolve: (item: Item | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Strongly consistent reads of one table that coalesce: every read asked for in the same turn of
 * the event loop goes out as one request (a GetItem for one key, a BatchGetItem for several).
 */
class CoalescingReader {
  private waiting: Waiting[] = [];

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get(key: Key): Promise<Item | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      // Runs after the caller's synchronous code: reads started together (Promise.all) are all queued by then.
      if (this.waiting.length === 1) queueMicrotask(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      const found = batch.length === 1 ? await this.getOne((batch[0] as Waiting).key) : await readItems(this.db, this.tableName, batch.map((w) => w.key));
      for (const w of batch) w.resolve(found.get(itemId(w.key)));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }

  private async getOne(key: Key): Promise<Map<string, Item>> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return new Map(Item ? [[itemId(key), Item]] : []);
  }
}

const readers = new WeakMap<DynamoDBDocumentClient, Map<string, CoalescingReader>>();

/**
 * One item, strongly consistent. Reads of the same client and table started together share one
 * round trip: a grant reads its file and its tenant's settings side by side and pays for one, while
 * the repositories stay separate and the domain never learns that they were batched.
 */
export function consistentRead(db: DynamoDBDocumentClient, tableName: string, key: Key): Promise<Item | undefined> {
  let byTable = readers.get(db);
  if (!byTable) readers.set(db, (byTable = new Map()));
  let reader = byTable.get(tableName);
  if (!reader) byTable.set(tableName, (reader = new CoalescingReader(db, tableName)));
  return reader.get(key);
}
