import { listTokensWithToken } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { json, type AnonymousRouteHandler } from '../http/request';
import { shareTokenSecret } from './share-token-secret';

export const listSharedTokens: AnonymousRouteHandler<ApiServices> = async (request) => {
  const { services } = request;
  return json(200, { items: await listTokensWithToken(services, shareTokenSecret(request), services.config.sharing) });
};
