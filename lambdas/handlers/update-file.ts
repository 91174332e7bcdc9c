import { toApiFile, updateFile as update } from '../domain/files/files';
import { apiUrlOf, header, json, parseBody, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { fileUpdate, ifMatchVersion } from './schemas';

export const updateFile: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const changes = parseBody(request, fileUpdate);
  const file = await update(getServices(), request.principal, id, changes, ifMatchVersion(header(request, 'if-match')));
  return json(200, toApiFile(file, apiUrlOf(request)), { etag: `"${file.version}"` });
};
