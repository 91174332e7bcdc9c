import { deleteSharedFile as remove } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { noContent, type AnonymousRouteHandler } from '../http/request';
import { shareTokenSecret } from './share-token-secret';

export const deleteSharedFile: AnonymousRouteHandler<ApiServices> = async (request) => {
  const { services } = request;
  await remove(services, shareTokenSecret(request), services.config.sharing);
  return noContent();
};
