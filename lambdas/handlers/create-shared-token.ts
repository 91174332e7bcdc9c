import { createTokenWithToken } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { json, parseBody, type AnonymousRouteHandler } from '../http/request';
import { newShareToken } from './schemas';
import { shareTokenSecret } from './share-token-secret';

export const createSharedToken: AnonymousRouteHandler<ApiServices> = async (request) => {
  const secret = shareTokenSecret(request);
  const input = parseBody(request, newShareToken);
  const { services } = request;
  return json(201, await createTokenWithToken(services, secret, input, services.config.sharing), { 'cache-control': 'no-store' });
};
