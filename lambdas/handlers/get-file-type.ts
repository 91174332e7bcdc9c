import type { FileTypeCatalogue } from '../domain/files/file-types';
import { fileportError } from '../errors';
import { json, pathParam, type RouteHandler } from '../http/request';

export const getFileType: RouteHandler<{ fileTypes: FileTypeCatalogue }> = async (request) => {
  const id = pathParam(request, 'id');
  const type = request.services.fileTypes.find(id);
  if (!type) throw fileportError('FILE_TYPE_NOT_FOUND', { id });
  return json(200, type, { 'cache-control': 'max-age=300' });
};
