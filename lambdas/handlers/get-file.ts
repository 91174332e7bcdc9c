import * as z from '../validation';
import { getFile as get } from '../domain/files/files';
import type { ApiServices } from '../composition';
import { toApiFile } from '../http/answers';
import { apiUrlOf, json, parseQuery, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';

export const getFileQuery = z.object({ wait: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(10)), 0) });

export const getFile: RouteHandler<ApiServices> = async (request) => {
  const id = fileIdParam(request);
  const { wait } = parseQuery(request, getFileQuery);
  const file = await get(request.services, request.principal, id, wait);
  return json(200, toApiFile(file, apiUrlOf(request), request.services.fileTypes), { etag: `"${file.version}"` });
};
