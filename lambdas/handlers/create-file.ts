import { z } from 'zod';
import { createFile as create, toApiFile } from '../domain/files';
import { json, parseBody, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { externalId, fileName, links, tags } from './schemas';

const body = z.strictObject({ name: fileName, fileTypeId: z.string().min(1).max(64), tags: tags.optional(), externalId: externalId.optional(), links: links.optional() });

export const createFile: RouteHandler = async (request) => {
  const input = parseBody(request, body);
  const file = await create(getServices(), request.principal, input);
  return json(201, toApiFile(file), { location: `/v1/files/${file.id}`, etag: `"${file.version}"` });
};
