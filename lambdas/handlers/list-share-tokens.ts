import { listShareTokens as list } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { json, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';

export const listShareTokens: RouteHandler<ApiServices> = async (request) => {
  const items = await list(request.services, request.principal, fileIdParam(request));
  return json(200, { items });
};
