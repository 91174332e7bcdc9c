import { deleteShareToken as remove } from '../domain/sharing/share-tokens';
import { noContent, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { shareTokenIdParam } from './share-token-secret';

export const deleteShareToken: RouteHandler = async (request) => {
  await remove(getServices(), request.principal, fileIdParam(request), shareTokenIdParam(request));
  return noContent();
};
