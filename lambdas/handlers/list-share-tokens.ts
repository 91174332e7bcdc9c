import { listShareTokens as list } from '../domain/sharing/share-tokens';
import { json, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';

export const listShareTokens: RouteHandler = async (request) => {
  const items = await list(getServices(), request.principal, fileIdParam(request));
  return json(200, { items });
};
