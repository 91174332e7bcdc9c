import { grantThumbnail } from '../domain/transfer/downloads';
import { useShareToken } from '../domain/sharing/share-tokens';
import { json, type AnonymousRouteHandler } from '../http/request';
import { getServices } from '../services';
import { shareTokenSecret } from './share-token-secret';
import { settingsOf } from './tenant-settings';
import { thumbnailSizeParam } from './thumbnail-size';

export const createSharedThumbnailUrl: AnonymousRouteHandler = async (request) => {
  const secret = shareTokenSecret(request);
  const size = thumbnailSizeParam(request);
  const services = getServices();
  const { token, file, alongside: settings } = await useShareToken(services, secret, 'read', services.config.sharing, (tenantId) => settingsOf(services, tenantId));
  const thumbnail = await grantThumbnail(services, file, size, { expiresIn: settings.downloadUrlTtlSeconds, actor: { type: 'token', id: token.id }, action: 'share-thumbnail' });
  return json(200, thumbnail, { 'cache-control': 'no-store' });
};
