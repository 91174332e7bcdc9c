import { getMultipartUpload as status } from '../domain/multipart';
import { json, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { uploadIdParam } from './multipart-upload-id';

export const getMultipartUpload: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const uploadId = uploadIdParam(request);
  const { config, ...deps } = getServices();
  const upload = await status(deps, request.principal, id, uploadId, { expiresIn: config.uploadUrlTtlSeconds });
  return json(200, upload, { 'cache-control': 'no-store' });
};
