import { NotFound } from '../errors';
import { pathParam, type AnonymousRequest } from '../http/request';

/**
 * The `{token}` of a shared route: the secret itself. Anything that cannot be one answers like an
 * unknown token; the rest is looked up, whatever its shape, so no answer tells shapes apart.
 */
export function shareTokenSecret(request: AnonymousRequest): string {
  const secret = pathParam(request, 'token');
  if (secret.length > 256) throw new NotFound('This share token does not exist, was deleted or has expired.', 'SHARE_TOKEN_NOT_FOUND');
  return secret;
}

/** The `{tokenId}` of a token route. */
export function shareTokenIdParam(request: AnonymousRequest): string {
  const id = pathParam(request, 'tokenId');
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new NotFound(`Share token ${id.slice(0, 100)} was not found.`, 'SHARE_TOKEN_NOT_FOUND');
  return id;
}
