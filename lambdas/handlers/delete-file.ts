import { deleteFile as remove } from '../domain/files/files';
import { noContent, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';

export const deleteFile: RouteHandler = async (request) => {
  await remove(getServices(), request.principal, fileIdParam(request));
  return noContent();
};
