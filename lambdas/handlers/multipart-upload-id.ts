import { NotFound } from '../errors';
import { pathParam, type ApiRequest } from '../http/request';

/** The `{uploadId}` of a multipart route: an opaque base64url token (see lambdas/domain/multipart.ts). */
export function uploadIdParam(request: ApiRequest): string {
  const uploadId = pathParam(request, 'uploadId');
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(uploadId)) throw new NotFound(`Multipart upload ${uploadId.slice(0, 100)} was not found.`, 'UPLOAD_NOT_FOUND');
  return uploadId;
}
