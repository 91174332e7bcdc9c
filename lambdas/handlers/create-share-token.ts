import { createShareToken as create } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { json, parseBody, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { newFileToken } from './schemas';

export const createShareToken: RouteHandler<ApiServices> = async (request) => {
  const id = fileIdParam(request);
  const token = await create(request.services, request.principal, id, parseBody(request, newFileToken));
  // The secret is in this answer only: nothing may keep a copy of it.
  return json(201, token, { 'cache-control': 'no-store' });
};
