import { grantDownload } from '../domain/transfer/downloads';
import { useShareToken } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { json, parseQuery, redirect, type AnonymousRouteHandler } from '../http/request';
import { downloadQuery } from './download-query';
import { shareTokenSecret } from './share-token-secret';
import { settingsOf } from './tenant-settings';

export const createSharedDownloadUrl: AnonymousRouteHandler<ApiServices> = async (request) => {
  const secret = shareTokenSecret(request);
  const q = parseQuery(request, downloadQuery);
  const { services } = request;
  const { token, file, alongside: settings } = await useShareToken(services, secret, 'read', services.config.sharing, (tenantId) => settingsOf(services, tenantId));
  const download = await grantDownload(services, file, {
    disposition: q.disposition,
    version: q.version,
    expiresIn: settings.downloadUrlTtlSeconds,
    inlineMimeTypes: settings.disableForceDownloadForMimeTypes,
    actor: { type: 'token', id: token.id },
    action: 'share-download',
    scanHold: settings.scanHold,
  });
  return q.redirect === 'true' ? redirect(download.url) : json(200, download, { 'cache-control': 'no-store' });
};
