import * as z from '../validation';
import { createMultipartUpload as start } from '../domain/transfer/multipart';
import type { UploadServices } from '../composition';
import { json, parseBody, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { uploadTermsOf } from './tenant-settings';
import { checksumCrc64nvme, checksumSha256 } from './schemas';
import { declaredSize } from './size';

export const createMultipartUploadBody = z.strictObject({
  size: declaredSize.check(z.minimum(1)),
  partSize: z.optional(z.number().check(z.int())),
  checksumSha256: z.optional(checksumSha256),
  checksumCrc64nvme: z.optional(checksumCrc64nvme),
  partChecksums: z.optional(z.boolean()),
});

export const createMultipartUpload: RouteHandler<UploadServices> = async (request) => {
  const id = fileIdParam(request);
  const input = parseBody(request, createMultipartUploadBody);
  const { services } = request;
  // Not awaited: the file is read beside the terms, in the same round trip.
  const terms = uploadTermsOf(services, request.principal.tenantId).then((t) => ({ ...input, ...t }));
  const upload = await start(services, request.principal, id, terms);
  return json(201, upload, { 'cache-control': 'no-store' });
};
