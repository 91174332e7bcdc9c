import * as z from '../validation';
import { MAX_URLS_PER_ANSWER, partUrlsFor } from '../domain/transfer/multipart';
import type { UploadServices } from '../composition';
import { json, parseBody, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { uploadTermsOf } from './tenant-settings';
import { uploadIdParam } from './multipart-upload-id';
import { checksumSha256, partNumber } from './schemas';

export const createPartUrlsBody = z.strictObject({
  parts: z
    .array(z.strictObject({ partNumber, checksumSha256: z.optional(checksumSha256) }))
    .check(
      z.minLength(1),
      z.maxLength(MAX_URLS_PER_ANSWER),
      z.refine((parts) => new Set(parts.map((p) => p.partNumber)).size === parts.length, 'each part at most once'),
    ),
});

export const createPartUrls: RouteHandler<UploadServices> = async (request) => {
  const id = fileIdParam(request);
  const uploadId = uploadIdParam(request);
  const { parts } = parseBody(request, createPartUrlsBody);
  const { services } = request;
  const terms = await uploadTermsOf(services, request.principal.tenantId);
  const urls = await partUrlsFor(services, request.principal, id, uploadId, { parts, ...terms });
  return json(200, urls, { 'cache-control': 'no-store' });
};
