import { actorOf } from '../domain/audit';
import { grantDownload } from '../domain/transfer/downloads';
import { loadOwnFile } from '../domain/files/files';
import type { ApiServices } from '../composition';
import { json, parseQuery, redirect, type RouteHandler } from '../http/request';
import { downloadQuery } from './download-query';
import { fileIdParam } from './file-id';
import { settingsOf } from './tenant-settings';

export const createDownloadUrl: RouteHandler<ApiServices> = async (request) => {
  const id = fileIdParam(request);
  const q = parseQuery(request, downloadQuery);
  const { services } = request;
  const { principal } = request;
  const [file, settings] = await Promise.all([loadOwnFile(services, principal, id), settingsOf(services, principal.tenantId)]);
  const download = await grantDownload(services, file, {
    disposition: q.disposition,
    version: q.version,
    expiresIn: settings.downloadUrlTtlSeconds,
    inlineMimeTypes: settings.disableForceDownloadForMimeTypes,
    actor: actorOf(principal),
    scanHold: settings.scanHold,
  });
  return q.redirect === 'true' ? redirect(download.url) : json(200, download, { 'cache-control': 'no-store' });
};
