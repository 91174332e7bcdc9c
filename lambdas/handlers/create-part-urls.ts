import * as z from '../validation';
import { MAX_URLS_PER_ANSWER, partUrlsFor } from '../domain/multipart';
import { json, parseBody, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { uploadIdParam } from './multipart-upload-id';
import { checksumSha256, partNumber } from './schemas';

const body = z.strictObject({
  parts: z
    .array(z.strictObject({ partNumber, checksumSha256: z.optional(checksumSha256) }))
    .check(
      z.minLength(1),
      z.maxLength(MAX_URLS_PER_ANSWER),
      z.refine((parts) => new Set(parts.map((p) => p.partNumber)).size === parts.length, 'each part at most once'),
    ),
});

export const createPartUrls: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const uploadId = uploadIdParam(request);
  const { parts } = parseBody(request, body);
  const { config, ...deps } = getServices();
  const urls = await partUrlsFor(deps, request.principal, id, uploadId, { parts, expiresIn: config.uploadUrlTtlSeconds });
  return json(200, urls, { 'cache-control': 'no-store' });
};
