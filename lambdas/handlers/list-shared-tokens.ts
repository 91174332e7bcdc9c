import { listTokensWithToken } from '../domain/sharing/share-tokens';
import { json, type AnonymousRouteHandler } from '../http/request';
import { getServices } from '../services';
import { shareTokenSecret } from './share-token-secret';

export const listSharedTokens: AnonymousRouteHandler = async (request) => {
  const services = getServices();
  return json(200, { items: await listTokensWithToken(services, shareTokenSecret(request), services.config.sharing) });
};
