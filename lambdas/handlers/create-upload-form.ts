import { createUploadForm as grant } from '../domain/transfer/uploads';
import type { ApiServices } from '../composition';
import { json, parseBody, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { uploadTermsOf } from './tenant-settings';
import { singleUploadBody } from './size';

export const createUploadForm: RouteHandler<ApiServices> = async (request) => {
  const id = fileIdParam(request);
  const { size, checksumSha256 } = parseBody(request, singleUploadBody, { optional: true });
  const { services } = request;
  // Not awaited: the file is read beside the terms, in the same round trip.
  const terms = uploadTermsOf(services, request.principal.tenantId).then((t) => ({ size, checksumSha256, ...t }));
  const form = await grant(services, request.principal, id, terms);
  return json(200, form, { 'cache-control': 'no-store' });
};
