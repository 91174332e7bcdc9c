import * as z from '../validation';
import { createUploadUrl as grant } from '../domain/uploads';
import { json, parseBody, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { checksumSha256 } from './schemas';

/** S3's limit for a single PUT. */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

const body = z.strictObject({
  size: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_SINGLE_PUT_BYTES))),
  checksumSha256: z.optional(checksumSha256),
});

export const createUploadUrl: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const { size, checksumSha256 } = parseBody(request, body, { optional: true });
  const services = getServices();
  const upload = await grant(services, request.principal, id, { size, checksumSha256, expiresIn: services.config.uploadUrlTtlSeconds });
  return json(200, upload, { 'cache-control': 'no-store' });
};
