import * as z from '../validation';
import { toApiFile, updateFile as update } from '../domain/files';
import { ValidationError } from '../errors';
import { header, json, parseBody, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { externalId, fileName, links, tags } from './schemas';

const body = z
  .strictObject({ name: z.optional(fileName), tags: z.optional(tags), externalId: z.optional(externalId), links: z.optional(links) })
  .check(z.refine((b) => Object.keys(b).length > 0, 'give at least one of name, tags, externalId, links'));

/** `If-Match: "3"`, `3` or `W/"3"` all name version 3. */
function expectedVersion(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  if (!match) throw new ValidationError('If-Match must be a file version, e.g. "3".', 'INVALID_IF_MATCH');
  return Number(match[1]);
}

export const updateFile: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const changes = parseBody(request, body);
  const file = await update(getServices(), request.principal, id, changes, expectedVersion(header(request, 'if-match')));
  return json(200, toApiFile(file), { etag: `"${file.version}"` });
};
