import { updateFile as update } from '../domain/files/files';
import type { ApiServices } from '../composition';
import { toApiFile } from '../http/answers';
import { apiUrlOf, header, json, parseBody, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { fileUpdate, ifMatchVersion } from './schemas';

export const updateFile: RouteHandler<ApiServices> = async (request) => {
  const id = fileIdParam(request);
  const changes = parseBody(request, fileUpdate);
  const file = await update(request.services, request.principal, id, changes, ifMatchVersion(header(request, 'if-match')));
  return json(200, toApiFile(file, apiUrlOf(request), request.services.fileTypes), { etag: `"${file.version}"` });
};
