import { deleteTokenWithToken } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { noContent, type AnonymousRouteHandler } from '../http/request';
import { shareTokenIdParam, shareTokenSecret } from './share-token-secret';

export const deleteSharedToken: AnonymousRouteHandler<ApiServices> = async (request) => {
  const secret = shareTokenSecret(request);
  const { services } = request;
  await deleteTokenWithToken(services, secret, shareTokenIdParam(request), services.config.sharing);
  return noContent();
};
