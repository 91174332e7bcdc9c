import { toApiFile } from '../domain/files/files';
import { useShareToken } from '../domain/sharing/share-tokens';
import { apiUrlOf, json, type AnonymousRouteHandler } from '../http/request';
import { getServices } from '../services';
import { shareTokenSecret } from './share-token-secret';

export const getSharedFile: AnonymousRouteHandler = async (request) => {
  const services = getServices();
  const { file } = await useShareToken(services, shareTokenSecret(request), 'read', services.config.sharing);
  return json(200, toApiFile(file, apiUrlOf(request)), { etag: `"${file.version}"`, 'cache-control': 'no-store' });
};
