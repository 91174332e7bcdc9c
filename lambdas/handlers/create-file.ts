import * as z from '../validation';
import { createFile as create } from '../domain/files/files';
import type { ApiServices } from '../composition';
import { toApiFile } from '../http/answers';
import { apiUrlOf, json, parseBody, type RouteHandler } from '../http/request';
import { accessControl, externalId, fileName, links, tags } from './schemas';

export const createFileBody = z.strictObject({
  name: fileName,
  // The type: by id, else by MIME type (a browser File's `type`), else by the extension of `name`.
  fileTypeId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  mimeType: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  tags: z.optional(tags),
  externalId: z.optional(externalId),
  links: z.optional(links),
  accessControl: z.optional(accessControl),
});

export const createFile: RouteHandler<ApiServices> = async (request) => {
  const input = parseBody(request, createFileBody);
  const { services } = request;
  const file = await create(services, request.principal, input, { pendingTtlSeconds: services.config.pendingFileTtlSeconds });
  return json(201, toApiFile(file, apiUrlOf(request), services.fileTypes), { location: `/v1/files/${file.id}`, etag: `"${file.version}"` });
};
