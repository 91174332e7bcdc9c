import { useShareToken } from '../domain/sharing/share-tokens';
import { grantRendition } from '../domain/transfer/renditions';
import type { RenditionServices } from '../composition';
import { json, parseQuery, redirect, type AnonymousRouteHandler } from '../http/request';
import { renditionQuery, specOf } from './rendition-query';
import { shareTokenSecret } from './share-token-secret';
import { settingsOf } from './tenant-settings';

export const createSharedRenditionUrl: AnonymousRouteHandler<RenditionServices> = async (request) => {
  const secret = shareTokenSecret(request);
  const q = parseQuery(request, renditionQuery);
  const { services } = request;
  const { token, file, alongside: settings } = await useShareToken(services, secret, 'read', services.config.sharing, (tenantId) => settingsOf(services, tenantId));
  const rendition = await grantRendition(services, file, specOf(q), {
    allowlist: settings.renditions,
    expiresIn: settings.downloadUrlTtlSeconds,
    actor: { type: 'token', id: token.id },
    action: 'share-rendition',
    scanHold: settings.scanHold,
  });
  return q.redirect === 'true' ? redirect(rendition.url) : json(200, rendition, { 'cache-control': 'no-store' });
};
