import * as z from '../validation';
import { listFiles as list, toApiFile } from '../domain/files';
import type { ListFilter } from '../domain/model';
import { ValidationError } from '../errors';
import { apiUrlOf, json, parseQuery, type RouteHandler } from '../http/request';
import { getServices } from '../services';

const query = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  tag: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  externalId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  link: z.optional(z.string().check(z.regex(/^[^:]{1,128}:.{1,128}$/, 'must be TYPE:ID'))),
});

/** One filter per query: each is served by its own index partition. */
function filterOf(q: z.infer<typeof query>): ListFilter | undefined {
  const given = [q.tag, q.externalId, q.link].filter((v) => v !== undefined);
  if (given.length > 1) throw new ValidationError('Use at most one of tag, externalId and link per query.');
  if (q.tag !== undefined) return { kind: 'tag', tag: q.tag };
  if (q.externalId !== undefined) return { kind: 'externalId', externalId: q.externalId };
  if (q.link !== undefined) {
    const at = q.link.indexOf(':');
    return { kind: 'link', link: { type: q.link.slice(0, at), id: q.link.slice(at + 1) } };
  }
  return undefined;
}

export const listFiles: RouteHandler = async (request) => {
  const q = parseQuery(request, query);
  const page = await list(getServices(), request.principal, { limit: q.limit, cursor: q.cursor, filter: filterOf(q) });
  return json(200, { items: page.items.map((file) => toApiFile(file, apiUrlOf(request))), nextCursor: page.nextCursor });
};
