import { deleteSharedFile as remove } from '../domain/sharing/share-tokens';
import { noContent, type AnonymousRouteHandler } from '../http/request';
import { getServices } from '../services';
import { shareTokenSecret } from './share-token-secret';

export const deleteSharedFile: AnonymousRouteHandler = async (request) => {
  const services = getServices();
  await remove(services, shareTokenSecret(request), services.config.sharing);
  return noContent();
};
