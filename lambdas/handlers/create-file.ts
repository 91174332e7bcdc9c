import * as z from '../validation';
import { createFile as create, toApiFile } from '../domain/files/files';
import { apiUrlOf, json, parseBody, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { accessControl, externalId, fileName, links, tags } from './schemas';

export const createFileBody = z.strictObject({
  name: fileName,
  fileTypeId: z.string().check(z.minLength(1), z.maxLength(64)),
  tags: z.optional(tags),
  externalId: z.optional(externalId),
  links: z.optional(links),
  accessControl: z.optional(accessControl),
});

export const createFile: RouteHandler = async (request) => {
  const input = parseBody(request, createFileBody);
  const services = getServices();
  const file = await create(services, request.principal, input, { pendingTtlSeconds: services.config.pendingFileTtlSeconds });
  return json(201, toApiFile(file, apiUrlOf(request)), { location: `/v1/files/${file.id}`, etag: `"${file.version}"` });
};
