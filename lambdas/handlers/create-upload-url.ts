import { createUploadUrl as grant } from '../domain/uploads';
import { json, parseBody, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { singleUploadBody } from './size';

export const createUploadUrl: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const { size, checksumSha256 } = parseBody(request, singleUploadBody, { optional: true });
  const { config, ...deps } = getServices();
  const upload = await grant(deps, request.principal, id, { size, checksumSha256, expiresIn: config.uploadUrlTtlSeconds, sizeLimits: config.sizeLimits });
  return json(200, upload, { 'cache-control': 'no-store' });
};
