import { listOrderOf, nameKey } from '../domain/files/file-search';
import type { FileRecord, FileSearch, FileStatus, ListFilter, ListQuery } from '../domain/model';
import { compactKey, KEY_LIMITS } from './table-schema';

/**
 * Where lists find files in GSI1, and which one Query serves a list.
 *
 * The file item itself sits in partition `T#<tenant>`, sorted by `createdAt#id`. Every other entry
 * is an index item (a hint, verified against the file item on read) in a partition of its own:
 *
 * | partition                    | sort key                          | one per                 |
 * | ---------------------------- | --------------------------------- | ----------------------- |
 * | `T#<t>#TAG#<tag>`            | `createdAt#id`                    | tag                     |
 * | `T#<t>#LINK#<type>#<id>`     | `createdAt#id`                    | link                    |
 * | `T#<t>#EXT#<externalId>`     | `createdAt#id`                    | external id             |
 * | `T#<t>#TYPE#<fileTypeId>`    | `createdAt#id`                    | file                    |
 * | `T#<t>#STATUS#<status>`      | `createdAt#id`                    | file (moves with status)|
 * | `T#<t>#BY#<createdBy>`       | `createdAt#id`                    | file                    |
 * | `T#<t>#NAME`                 | `<lower-cased name>\u0001createdAt#id` | file (moves on rename) |
 *
 * Values are URI-encoded, so no value can contain the `#` that separates them; a partition whose
 * plain form would not fit an index item's sort key (`IDX#<partition>`) holds digests of its long
 * values instead (`compactKey`).
 */

const { partitionKeyBytes, sortKeyBytes } = KEY_LIMITS;
/** Every partition but the tenant's is also the sort key `IDX#<partition>` of its index items. */
const INDEX_PARTITION_BYTES = sortKeyBytes - 'IDX#'.length;
const tenant = (tenantId: string) => [{ label: 'T' }, { value: tenantId }];
const indexPartition = (tenantId: string, kind: string, ...values: string[]) =>
  compactKey(INDEX_PARTITION_BYTES, [...tenant(tenantId), { label: kind }, ...values.map((value) => ({ value }))]);

/** The partition of the tenant's file items themselves: a GSI partition key only. */
export const tenantPartition = (tenantId: string) => compactKey(partitionKeyBytes, tenant(tenantId));

export function filterPartition(tenantId: string, filter: ListFilter): string {
  switch (filter.kind) {
    case 'tag':
      return indexPartition(tenantId, 'TAG', filter.tag);
    case 'externalId':
      return indexPartition(tenantId, 'EXT', filter.externalId);
    case 'link':
      return indexPartition(tenantId, 'LINK', filter.link.type, filter.link.id);
  }
}

const typePartition = (tenantId: string, fileTypeId: string) => indexPartition(tenantId, 'TYPE', fileTypeId);
const statusPartition = (tenantId: string, status: FileStatus) => indexPartition(tenantId, 'STATUS', status);
const creatorPartition = (tenantId: string, userId: string) => indexPartition(tenantId, 'BY', userId);
const namePartition = (tenantId: string) => indexPartition(tenantId, 'NAME');

/** Newest first: the order of the tenant partition and of every partition but the name one. */
export const createdOrder = (file: Pick<FileRecord, 'createdAt' | 'id'>) => `${file.createdAt}#${file.id}`;

/**
 * GSI sort keys are limited to 1,024 bytes: the name index holds the first 200 code points of the
 * lower-cased name (at most 800 bytes); a longer prefix is checked on the file item.
 */
const NAME_KEY_LENGTH = 200;
const indexedName = (name: string) => Array.from(nameKey(name)).slice(0, NAME_KEY_LENGTH).join('');
/** Below every character a name may hold (names have no control characters): "a" sorts before "a b". */
const NAME_END = '\u0001';
const nameOrder = (file: Pick<FileRecord, 'name' | 'createdAt' | 'id'>) => `${indexedName(file.name)}${NAME_END}${createdOrder(file)}`;

/** The index entries a file has (the processing index aside, which is the reconciler's). */
export function indexEntries(file: FileRecord): { partition: string; sortKey: string }[] {
  const { tenantId } = file;
  const filters: ListFilter[] = [
    ...file.tags.map((tag): ListFilter => ({ kind: 'tag', tag })),
    ...file.links.map((link): ListFilter => ({ kind: 'link', link })),
    ...(file.externalId === null ? [] : [{ kind: 'externalId', externalId: file.externalId } as ListFilter]),
  ];
  return [
    ...[
      ...filters.map((f) => filterPartition(tenantId, f)),
      typePartition(tenantId, file.fileTypeId),
      statusPartition(tenantId, file.status),
      creatorPartition(tenantId, file.createdBy),
    ].map((partition) => ({ partition, sortKey: createdOrder(file) })),
    { partition: namePartition(tenantId), sortKey: nameOrder(file) },
  ];
}

/** A condition of a list query, as the plan reports which ones the Query itself enforces. */
export type Condition = 'filter' | keyof FileSearch;

export interface ListPlan {
  /** The one GSI1 partition the Query reads. */
  partition: string;
  /** The tenant partition holds the file items themselves; every other one holds hints to verify. */
  holdsFiles: boolean;
  /** A KeyConditionExpression over `#gpk`, and `#gsk` when it has a range. */
  keyCondition: string;
  values: Record<string, string>;
  /** False for newest first (descending), true for name order. */
  forward: boolean;
  /** Conditions the Query does not enforce: checked on each file read, at the cost of reading the ones that fail. */
  residual: Condition[];
  /** Whether a sort key lies within the key condition: DynamoDB refuses a start key outside it. */
  admits(sortKey: string): boolean;
}

/** Above every character of a file id (hex and dashes): `<time>#~` sorts after every key of that millisecond. */
const AFTER_IDS = '~';

/**
 * Picks one partition for the query: the one its parameters make the likeliest to be small, by a
 * fixed rule (the order of results must follow from the parameters, not from the data):
 * tag/externalId/link, then name prefix, then creator, then a status other than `ready` (failed,
 * processing and pending files are few: pending ones expire), then file type, then `ready`, then
 * the whole tenant. Whatever the partition does not enforce is checked on the files read.
 */
export function planList(tenantId: string, query: Pick<ListQuery, 'filter' | 'search'>): ListPlan {
  const search = query.search ?? {};
  const given = conditionsOf(query);
  const { filter } = query;
  const { status } = search;
  if (filter) return datePlan(filterPartition(tenantId, filter), false, 'filter', search, given);
  if (listOrderOf(query) === 'name') return namePlan(tenantId, search.namePrefix as string, given);
  if (search.createdBy !== undefined) return datePlan(creatorPartition(tenantId, search.createdBy), false, 'createdBy', search, given);
  if (status !== undefined && status !== 'ready') return datePlan(statusPartition(tenantId, status), false, 'status', search, given);
  if (search.fileTypeId !== undefined) return datePlan(typePartition(tenantId, search.fileTypeId), false, 'fileTypeId', search, given);
  if (status !== undefined) return datePlan(statusPartition(tenantId, status), false, 'status', search, given);
  return datePlan(tenantPartition(tenantId), true, undefined, search, given);
}

const SEARCH_CONDITIONS = ['tags', 'namePrefix', 'fileTypeId', 'status', 'createdBy', 'createdAfter', 'createdBefore'] as const;

function conditionsOf(query: Pick<ListQuery, 'filter' | 'search'>): Condition[] {
  const search = query.search ?? {};
  return [...(query.filter ? ['filter' as const] : []), ...SEARCH_CONDITIONS.filter((k) => search[k] !== undefined)];
}

/** A partition sorted by `createdAt#id`: the creation range, if any, is its key condition. */
function datePlan(partition: string, holdsFiles: boolean, served: Condition | undefined, search: FileSearch, given: Condition[]): ListPlan {
  const from = search.createdAfter === undefined ? undefined : `${search.createdAfter}#${AFTER_IDS}`;
  const to = search.createdBefore === undefined ? undefined : `${search.createdBefore}#${AFTER_IDS}`;
  // `from` and `to` are never keys themselves, so BETWEEN (inclusive) excludes createdAfter's millisecond and includes createdBefore's.
  const range =
    from !== undefined && to !== undefined ? ' AND #gsk BETWEEN :from AND :to' : from !== undefined ? ' AND #gsk > :from' : to !== undefined ? ' AND #gsk <= :to' : '';
  return {
    partition,
    holdsFiles,
    keyCondition: `#gpk = :gpk${range}`,
    values: { ':gpk': partition, ...(from !== undefined && { ':from': from }), ...(to !== undefined && { ':to': to }) },
    forward: false,
    residual: given.filter((c) => c !== served && c !== 'createdAfter' && c !== 'createdBefore'),
    admits: (sortKey) => (from === undefined || sortKey > from) && (to === undefined || sortKey <= to),
  };
}

/** The name partition: a prefix is a `begins_with` range of its sort key; dates are checked on the files. */
function namePlan(tenantId: string, namePrefix: string, given: Condition[]): ListPlan {
  const prefix = indexedName(namePrefix);
  const whole = prefix === nameKey(namePrefix);
  const partition = namePartition(tenantId);
  return {
    partition,
    holdsFiles: false,
    keyCondition: '#gpk = :gpk AND begins_with(#gsk, :prefix)',
    values: { ':gpk': partition, ':prefix': prefix },
    forward: true,
    residual: given.filter((c) => c !== 'namePrefix' || !whole),
    admits: (sortKey) => sortKey.startsWith(prefix),
  };
}
