import { FileportError, fileportError } from '../errors';
import type { Principal } from '../domain/model';
import { isWellFormed } from '../domain/text';
import type { ApiEvent } from './request';

type Claims = Record<string, unknown>;

/** API Gateway hands JWT claims over as strings; arrays arrive as `[a b]`. */
function scopesOf(claims: Claims): Set<string> {
  const raw = claims.scope ?? claims.scp;
  const text = Array.isArray(raw) ? raw.join(' ') : typeof raw === 'string' ? raw.replace(/^\[|\]$/g, '') : '';
  // Cognito prefixes resource-server scopes with the server id: `fileport/files:read`.
  return new Set(text.split(/[\s,]+/).filter(Boolean).map((scope) => scope.slice(scope.lastIndexOf('/') + 1)));
}

/**
 * Ids become parts of storage keys and of object metadata: they must be text those can hold. The
 * bound is generous for any identity provider's ids (Cognito's are 36 characters).
 */
const MAX_ID_LENGTH = 256;
const isUsableId = (id: unknown): id is string => typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH && isWellFormed(id);

/** The caller as the JWT authorizer verified it. The token's signature was checked before the Lambda ran. */
export function principalOf(event: ApiEvent, tenantClaim: string): Principal {
  const claims = (event.requestContext.authorizer?.jwt?.claims ?? undefined) as Claims | undefined;
  if (!claims) throw fileportError('UNAUTHORIZED');
  const userId = claims.sub;
  if (typeof userId !== 'string' || userId === '') throw new FileportError('UNAUTHORIZED', 'The token has no subject.');
  if (!isUsableId(userId)) throw new FileportError('UNAUTHORIZED', `The token's subject must be well-formed text of at most ${MAX_ID_LENGTH} characters.`);
  const tenantId = claims[tenantClaim];
  if (typeof tenantId !== 'string' || tenantId === '') throw new FileportError('FORBIDDEN', `The token carries no ${tenantClaim} claim.`);
  if (!isUsableId(tenantId)) throw new FileportError('FORBIDDEN', `The token's ${tenantClaim} claim must be well-formed text of at most ${MAX_ID_LENGTH} characters.`);
  return { userId, tenantId, scopes: scopesOf(claims) };
}
