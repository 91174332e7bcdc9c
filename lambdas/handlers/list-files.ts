import * as z from '../validation';
import { listFiles as list } from '../domain/files/files';
import type { FileSearch, ListFilter } from '../domain/model';
import { FileportError } from '../errors';
import type { FileServices } from '../composition';
import { toApiFile } from '../http/answers';
import { apiUrlOf, json, parseQuery, type RouteHandler } from '../http/request';
import { fileName, tags } from './schemas';

/** Stored timestamps are `toISOString` strings; these compare with them only while the year has four digits. */
const timestamp = z.iso.datetime({ offset: true }).check(
  z.refine((v) => {
    const time = Date.parse(v);
    return Number.isNaN(time) || /^\d{4}-/.test(new Date(time).toISOString());
  }, 'must be between the years 0000 and 9999 (UTC)'),
);

export const listFilesQuery = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  /** Repeated, every tag must be on the file: the first one's index is read, the others checked on the files found. */
  tag: z.optional(tags),
  externalId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  link: z.optional(z.string().check(z.regex(/^[^:]{1,128}:.{1,128}$/u, 'must be TYPE:ID'))),
  /** A prefix of a name, so what a name may be. */
  name: z.optional(fileName),
  // Any id shaped like one: files of a type removed from the catalogue stay findable by it.
  fileTypeId: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a file type id'))),
  status: z.optional(z.enum(['pending', 'processing', 'ready', 'failed'])),
  createdBy: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  createdAfter: z.optional(timestamp),
  createdBefore: z.optional(timestamp),
});

/** At most one of tag (one or more), externalId and link: each has an index partition, and one Query reads one. */
function filterOf(q: z.infer<typeof listFilesQuery>): ListFilter | undefined {
  const given = [q.tag, q.externalId, q.link].filter((v) => v !== undefined);
  if (given.length > 1) throw new FileportError('VALIDATION_ERROR', 'Use at most one of tag, externalId and link per query.');
  if (q.tag !== undefined) return { kind: 'tag', tag: q.tag[0]! };
  if (q.externalId !== undefined) return { kind: 'externalId', externalId: q.externalId };
  if (q.link !== undefined) {
    const at = q.link.indexOf(':');
    return { kind: 'link', link: { type: q.link.slice(0, at), id: q.link.slice(at + 1) } };
  }
  return undefined;
}

/** The other conditions, combinable with each other and with the filter; timestamps in the stored form. */
function searchOf(q: z.infer<typeof listFilesQuery>): FileSearch | undefined {
  const createdAfter = q.createdAfter === undefined ? undefined : new Date(q.createdAfter).toISOString();
  const createdBefore = q.createdBefore === undefined ? undefined : new Date(q.createdBefore).toISOString();
  if (createdAfter !== undefined && createdBefore !== undefined && createdAfter >= createdBefore) {
    throw new FileportError('VALIDATION_ERROR', 'query.createdAfter must be earlier than query.createdBefore.');
  }
  const search: FileSearch = { tags: q.tag && q.tag.length > 1 ? q.tag.slice(1) : undefined, namePrefix: q.name, fileTypeId: q.fileTypeId, status: q.status, createdBy: q.createdBy, createdAfter, createdBefore };
  const given = Object.entries(search).filter(([, v]) => v !== undefined);
  return given.length === 0 ? undefined : (Object.fromEntries(given) as FileSearch);
}

export const listFiles: RouteHandler<FileServices> = async (request) => {
  const q = parseQuery(request, listFilesQuery);
  const page = await list(request.services, request.principal, { limit: q.limit, cursor: q.cursor, filter: filterOf(q), search: searchOf(q) });
  return json(200, { items: page.items.map((file) => toApiFile(file, apiUrlOf(request), request.services.fileTypes)), nextCursor: page.nextCursor });
};
