import * as z from '../validation';
import { createDownloadUrl as grant } from '../domain/downloads';
import { json, parseQuery, redirect, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';

const query = z.object({
  redirect: z._default(z.enum(['true', 'false']), 'false'),
  disposition: z._default(z.enum(['attachment', 'inline']), 'attachment'),
  version: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(Number.MAX_SAFE_INTEGER))),
});

export const createDownloadUrl: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const q = parseQuery(request, query);
  const services = getServices();
  const download = await grant(services, request.principal, id, { disposition: q.disposition, version: q.version, expiresIn: services.config.downloadUrlTtlSeconds });
  return q.redirect === 'true' ? redirect(download.url) : json(200, download, { 'cache-control': 'no-store' });
};
