import { deleteShareToken as remove } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { noContent, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { shareTokenIdParam } from './share-token-secret';

export const deleteShareToken: RouteHandler<ApiServices> = async (request) => {
  await remove(request.services, request.principal, fileIdParam(request), shareTokenIdParam(request));
  return noContent();
};
