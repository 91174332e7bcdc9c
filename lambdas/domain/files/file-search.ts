import { createHash } from 'node:crypto';
import type { FileRecord, FileSearch, ListFilter, ListQuery } from '../model';

/**
 * What every file repository agrees on about lists, so that the DynamoDB one and the in-memory one
 * of the unit tests answer the same query with the same files in the same order.
 */

/**
 * Lists are newest first, except a search by name prefix without tag, externalId or link: that one
 * reads an index sorted by name, so its pages come in name order (lower-cased, A→Z; equal names
 * oldest first). The order follows from the parameters given, never from the data.
 */
export type ListOrder = 'newest' | 'name';

export const listOrderOf = (query: Pick<ListQuery, 'filter' | 'search'>): ListOrder =>
  query.search?.namePrefix !== undefined && query.filter === undefined ? 'name' : 'newest';

/** Names compare lower-cased as JavaScript does it, the same in every runtime (no locale). */
export const nameKey = (name: string): string => name.toLowerCase();

export function matchesFilter(file: FileRecord, filter: ListFilter): boolean {
  switch (filter.kind) {
    case 'tag':
      return file.tags.includes(filter.tag);
    case 'externalId':
      return file.externalId === filter.externalId;
    case 'link':
      return file.links.some((l) => l.type === filter.link.type && l.id === filter.link.id);
  }
}

export function matchesSearch(file: FileRecord, search: FileSearch): boolean {
  const { tags, namePrefix, fileTypeId, status, createdBy, createdAfter, createdBefore } = search;
  return (
    (tags === undefined || tags.every((tag) => file.tags.includes(tag))) &&
    (namePrefix === undefined || nameKey(file.name).startsWith(nameKey(namePrefix))) &&
    (fileTypeId === undefined || file.fileTypeId === fileTypeId) &&
    (status === undefined || file.status === status) &&
    (createdBy === undefined || file.createdBy === createdBy) &&
    // ISO timestamps of one format compare as strings.
    (createdAfter === undefined || file.createdAt > createdAfter) &&
    (createdBefore === undefined || file.createdAt <= createdBefore)
  );
}

/** Every condition of the query holds for the file (tenant and expiry are the repository's to check). */
export const matchesQuery = (file: FileRecord, query: Pick<ListQuery, 'filter' | 'search'>): boolean =>
  (query.filter === undefined || matchesFilter(file, query.filter)) && (query.search === undefined || matchesSearch(file, query.search));

const SEARCH_FIELDS = ['tags', 'namePrefix', 'fileTypeId', 'status', 'createdBy', 'createdAfter', 'createdBefore'] as const;

export const hasSearch = (search: FileSearch | undefined): boolean => search !== undefined && SEARCH_FIELDS.some((f) => search[f] !== undefined);

/**
 * A short digest of the query's conditions, carried in its cursors: a cursor continues the query
 * that issued it and no other, even one that reads the same index partition.
 */
export function queryFingerprint(query: Pick<ListQuery, 'filter' | 'search'>): string {
  const search = query.search ?? {};
  const canonical = [query.filter ?? null, ...SEARCH_FIELDS.map((f) => (f === 'namePrefix' && search[f] !== undefined ? nameKey(search[f]) : (search[f] ?? null)))];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 16);
}
