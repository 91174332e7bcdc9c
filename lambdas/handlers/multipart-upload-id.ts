import * as z from '../validation';
import { FileportError } from '../errors';
import { pathParam, type ApiRequest } from '../http/request';

/** An `{uploadId}`: an opaque, signed token (base64url, a dot, base64url; see lambdas/domain/transfer/upload-ids.ts). */
export const uploadId = z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,2048}$/));

/** The `{uploadId}` of a multipart route; anything else cannot name an upload and is a 404. */
export function uploadIdParam(request: Pick<ApiRequest, 'event'>): string {
  const value = pathParam(request, 'uploadId');
  if (!uploadId.safeParse(value).success) throw new FileportError('UPLOAD_NOT_FOUND', `Multipart upload ${value.slice(0, 100)} was not found.`);
  return value;
}
