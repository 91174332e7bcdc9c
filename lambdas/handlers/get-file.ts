import { z } from 'zod';
import { getFile as get, toApiFile } from '../domain/files';
import { json, parseQuery, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';

const query = z.object({ wait: z.coerce.number().int().min(0).max(10).default(0) });

export const getFile: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const { wait } = parseQuery(request, query);
  const file = await get(getServices(), request.principal, id, wait);
  return json(200, toApiFile(file), { etag: `"${file.version}"` });
};
