import { useShareToken } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { toApiFile } from '../http/answers';
import { apiUrlOf, json, type AnonymousRouteHandler } from '../http/request';
import { shareTokenSecret } from './share-token-secret';

export const getSharedFile: AnonymousRouteHandler<ApiServices> = async (request) => {
  const { services } = request;
  const { file } = await useShareToken(services, shareTokenSecret(request), 'read', services.config.sharing);
  return json(200, toApiFile(file, apiUrlOf(request), request.services.fileTypes), { etag: `"${file.version}"`, 'cache-control': 'no-store' });
};
