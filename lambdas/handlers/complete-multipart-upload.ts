import * as z from '../validation';
import { completeMultipartUpload as complete } from '../domain/transfer/multipart';
import { S3_LIMITS } from '../domain/transfer/size-limits';
import type { UploadServices } from '../composition';
import { toApiFile } from '../http/answers';
import { apiUrlOf, json, parseBody, type RouteHandler } from '../http/request';
import { uploadTermsOf } from './tenant-settings';
import { fileIdParam } from './file-id';
import { uploadIdParam } from './multipart-upload-id';
import { partNumber } from './schemas';

export const completeMultipartUploadBody = z.strictObject({
  parts: z
    .array(z.strictObject({ partNumber, etag: z.string().check(z.minLength(1), z.maxLength(100)) }))
    .check(z.minLength(1), z.maxLength(S3_LIMITS.maxParts)),
});

export const completeMultipartUpload: RouteHandler<UploadServices> = async (request) => {
  const id = fileIdParam(request);
  const uploadId = uploadIdParam(request);
  const { parts } = parseBody(request, completeMultipartUploadBody);
  const { services } = request;
  // The tenant's limit as it is now, its own settings included: it may have been lowered since the upload began.
  const { sizeLimits, maxFileSize } = await uploadTermsOf(services, request.principal.tenantId);
  const file = await complete(services, request.principal, id, uploadId, { parts, sizeLimits, maxFileSize });
  return json(200, toApiFile(file, apiUrlOf(request), request.services.fileTypes), { etag: `"${file.version}"` });
};
