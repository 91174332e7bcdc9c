import * as z from '../validation';
import { signUploadRequest as sign } from '../domain/transfer/upload-requests';
import type { UploadServices } from '../composition';
import { json, parseBody, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { uploadTermsOf } from './tenant-settings';
import { checksumSha256, partNumber } from './schemas';
import { declaredSize } from './size';

/**
 * An S3 request to sign, as Uppy 6's `signRequest` hands it over (its `contentType` is accepted and
 * not used: the file type decides the Content-Type). No bucket, no endpoint, no headers of the
 * client's: every request is signed for the deployment's bucket, with the headers Fileport sets.
 */
export const signUploadRequestBody = z.strictObject({
  method: z.string().check(z.minLength(1), z.maxLength(20)),
  key: z.optional(z.string().check(z.maxLength(1024))),
  uploadId: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
  partNumber: z.optional(partNumber),
  contentType: z.optional(z.string().check(z.maxLength(255))),
  size: z.optional(declaredSize),
  checksumSha256: z.optional(checksumSha256),
});

export const signUploadRequest: RouteHandler<UploadServices> = async (request) => {
  const id = fileIdParam(request);
  const input = parseBody(request, signUploadRequestBody);
  const { services } = request;
  // Not awaited: the file is read beside the terms, in the same round trip.
  const terms = uploadTermsOf(services, request.principal.tenantId);
  return json(200, await sign(services, request.principal, id, input, terms), { 'cache-control': 'no-store' });
};
