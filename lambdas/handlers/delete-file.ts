import { deleteFile as remove } from '../domain/files/files';
import type { ApiServices } from '../composition';
import { noContent, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';

export const deleteFile: RouteHandler<ApiServices> = async (request) => {
  await remove(request.services, request.principal, fileIdParam(request));
  return noContent();
};
