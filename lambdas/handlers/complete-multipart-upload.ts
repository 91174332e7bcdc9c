import * as z from '../validation';
import { toApiFile } from '../domain/files';
import { completeMultipartUpload as complete } from '../domain/multipart';
import { S3_LIMITS } from '../domain/size-limits';
import { apiUrlOf, json, parseBody, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { uploadIdParam } from './multipart-upload-id';
import { partNumber } from './schemas';

export const completeMultipartUploadBody = z.strictObject({
  parts: z
    .array(z.strictObject({ partNumber, etag: z.string().check(z.minLength(1), z.maxLength(100)) }))
    .check(z.minLength(1), z.maxLength(S3_LIMITS.maxParts)),
});

export const completeMultipartUpload: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const uploadId = uploadIdParam(request);
  const { parts } = parseBody(request, completeMultipartUploadBody);
  const { config, ...deps } = getServices();
  const file = await complete(deps, request.principal, id, uploadId, { parts, sizeLimits: config.sizeLimits });
  return json(200, toApiFile(file, apiUrlOf(request)), { etag: `"${file.version}"` });
};
