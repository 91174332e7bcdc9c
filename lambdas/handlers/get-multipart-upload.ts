import { getMultipartUpload as status } from '../domain/transfer/multipart';
import type { UploadServices } from '../composition';
import { json, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { uploadTermsOf } from './tenant-settings';
import { uploadIdParam } from './multipart-upload-id';

export const getMultipartUpload: RouteHandler<UploadServices> = async (request) => {
  const id = fileIdParam(request);
  const uploadId = uploadIdParam(request);
  const { services } = request;
  const upload = await status(services, request.principal, id, uploadId, await uploadTermsOf(services, request.principal.tenantId));
  return json(200, upload, { 'cache-control': 'no-store' });
};
