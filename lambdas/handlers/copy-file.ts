import * as z from '../validation';
import { copyFile as copy } from '../domain/files/copies';
import type { ApiServices } from '../composition';
import { toApiFile } from '../http/answers';
import { apiUrlOf, json, parseBody, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { fileName, links, tags } from './schemas';

export const copyFileBody = z.strictObject({ name: z.optional(fileName), tags: z.optional(tags), links: z.optional(links) });

export const copyFile: RouteHandler<ApiServices> = async (request) => {
  const id = fileIdParam(request);
  const input = parseBody(request, copyFileBody, { optional: true });
  const { services } = request;
  const file = await copy(services, request.principal, id, input, { pendingTtlSeconds: services.config.pendingFileTtlSeconds });
  return json(201, toApiFile(file, apiUrlOf(request), request.services.fileTypes), { location: `/v1/files/${file.id}`, etag: `"${file.version}"` });
};
