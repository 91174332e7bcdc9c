import { abortMultipartUpload as abort } from '../domain/transfer/multipart';
import { noContent, type RouteHandler } from '../http/request';
import { getUploadServices } from '../upload-services';
import { fileIdParam } from './file-id';
import { uploadIdParam } from './multipart-upload-id';

export const abortMultipartUpload: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const uploadId = uploadIdParam(request);
  await abort(getUploadServices(), request.principal, id, uploadId);
  return noContent();
};
