import * as z from '../validation';
import { actorOf } from '../domain/audit';
import { grantDownload } from '../domain/downloads';
import { loadOwnFile } from '../domain/files';
import { json, parseQuery, redirect, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { settingsOf } from './tenant-settings';

const query = z.object({
  redirect: z._default(z.enum(['true', 'false']), 'false'),
  disposition: z._default(z.enum(['attachment', 'inline']), 'attachment'),
  version: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(Number.MAX_SAFE_INTEGER))),
});

export const createDownloadUrl: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const q = parseQuery(request, query);
  const services = getServices();
  const { principal } = request;
  const [file, settings] = await Promise.all([loadOwnFile(services, principal, id), settingsOf(services, principal.tenantId)]);
  const download = await grantDownload(services, file, {
    disposition: q.disposition,
    version: q.version,
    expiresIn: settings.downloadUrlTtlSeconds,
    inlineMimeTypes: settings.disableForceDownloadForMimeTypes,
    actor: actorOf(principal),
  });
  return q.redirect === 'true' ? redirect(download.url) : json(200, download, { 'cache-control': 'no-store' });
};
