import { listVersions as list } from '../domain/files/files';
import type { ApiServices } from '../composition';
import { toApiVersion } from '../http/answers';
import { json, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';

export const listVersions: RouteHandler<ApiServices> = async (request) => {
  const versions = await list(request.services, request.principal, fileIdParam(request));
  return json(200, { items: versions.map(toApiVersion) });
};
