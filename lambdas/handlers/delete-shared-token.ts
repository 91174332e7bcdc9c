import { deleteTokenWithToken } from '../domain/sharing/share-tokens';
import { noContent, type AnonymousRouteHandler } from '../http/request';
import { getServices } from '../services';
import { shareTokenIdParam, shareTokenSecret } from './share-token-secret';

export const deleteSharedToken: AnonymousRouteHandler = async (request) => {
  const secret = shareTokenSecret(request);
  const services = getServices();
  await deleteTokenWithToken(services, secret, shareTokenIdParam(request), services.config.sharing);
  return noContent();
};
