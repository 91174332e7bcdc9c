import { grantThumbnail } from '../domain/transfer/downloads';
import { useShareToken } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { json, type AnonymousRouteHandler } from '../http/request';
import { shareTokenSecret } from './share-token-secret';
import { settingsOf } from './tenant-settings';
import { thumbnailSizeParam } from './thumbnail-size';

export const createSharedThumbnailUrl: AnonymousRouteHandler<ApiServices> = async (request) => {
  const secret = shareTokenSecret(request);
  const size = thumbnailSizeParam(request);
  const { services } = request;
  const { token, file, alongside: settings } = await useShareToken(services, secret, 'read', services.config.sharing, (tenantId) => settingsOf(services, tenantId));
  const thumbnail = await grantThumbnail(services, file, size, { expiresIn: settings.downloadUrlTtlSeconds, actor: { type: 'token', id: token.id }, action: 'share-thumbnail', scanHold: settings.scanHold });
  return json(200, thumbnail, { 'cache-control': 'no-store' });
};
