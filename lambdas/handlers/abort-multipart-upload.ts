import { abortMultipartUpload as abort } from '../domain/transfer/multipart';
import type { UploadServices } from '../composition';
import { noContent, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { uploadIdParam } from './multipart-upload-id';

export const abortMultipartUpload: RouteHandler<UploadServices> = async (request) => {
  const id = fileIdParam(request);
  const uploadId = uploadIdParam(request);
  await abort(request.services, request.principal, id, uploadId);
  return noContent();
};
