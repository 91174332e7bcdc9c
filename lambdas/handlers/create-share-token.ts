import { createShareToken as create } from '../domain/sharing/share-tokens';
import { json, parseBody, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { newShareToken } from './schemas';

export const createShareToken: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const token = await create(getServices(), request.principal, id, parseBody(request, newShareToken));
  // The secret is in this answer only: nothing may keep a copy of it.
  return json(201, token, { 'cache-control': 'no-store' });
};
