import { listVersions as list, toApiVersion } from '../domain/files/files';
import { json, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';

export const listVersions: RouteHandler = async (request) => {
  const versions = await list(getServices(), request.principal, fileIdParam(request));
  return json(200, { items: versions.map(toApiVersion) });
};
