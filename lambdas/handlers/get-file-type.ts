import { findFileType } from '../domain/files/file-types';
import { NotFound } from '../errors';
import { json, pathParam, type RouteHandler } from '../http/request';

export const getFileType: RouteHandler = async (request) => {
  const id = pathParam(request, 'id');
  const type = findFileType(id);
  if (!type) throw new NotFound(`File type ${id} does not exist.`, 'FILE_TYPE_NOT_FOUND');
  return json(200, type, { 'cache-control': 'max-age=300' });
};
