import * as z from '../validation';
import { FileportError, fileportError } from '../errors';
import { pathParam, type AnonymousRequest } from '../http/request';

/** A `{token}`: the secret itself (`fps_` and 43 characters when it is one). */
export const shareTokenSecretParam = z.string().check(z.maxLength(256));
/** A `{tokenId}`: a token's id, a UUID. */
export const shareTokenId = z.string().check(z.regex(/^[0-9a-f-]{36}$/));

/**
 * The `{token}` of a shared route: the secret itself. Anything that cannot be one answers like an
 * unknown token; the rest is looked up, whatever its shape, so no answer tells shapes apart.
 */
export function shareTokenSecret(request: AnonymousRequest): string {
  const secret = pathParam(request, 'token');
  if (!shareTokenSecretParam.safeParse(secret).success) throw fileportError('SHARE_TOKEN_NOT_FOUND');
  return secret;
}

/** The `{tokenId}` of a token route. */
export function shareTokenIdParam(request: AnonymousRequest): string {
  const id = pathParam(request, 'tokenId');
  if (!shareTokenId.safeParse(id).success) throw new FileportError('SHARE_TOKEN_NOT_FOUND', `Share token ${id.slice(0, 100)} was not found.`);
  return id;
}
