import { createTokenWithToken } from '../domain/sharing/share-tokens';
import { json, parseBody, type AnonymousRouteHandler } from '../http/request';
import { getServices } from '../services';
import { newShareToken } from './schemas';
import { shareTokenSecret } from './share-token-secret';

export const createSharedToken: AnonymousRouteHandler = async (request) => {
  const secret = shareTokenSecret(request);
  const input = parseBody(request, newShareToken);
  const services = getServices();
  return json(201, await createTokenWithToken(services, secret, input, services.config.sharing), { 'cache-control': 'no-store' });
};
