import { Forbidden, Unauthorized } from '../errors';
import type { Principal } from '../domain/model';
import type { ApiEvent } from './request';

type Claims = Record<string, unknown>;

/** API Gateway hands JWT claims over as strings; arrays arrive as `[a b]`. */
function scopesOf(claims: Claims): Set<string> {
  const raw = claims.scope ?? claims.scp;
  const text = Array.isArray(raw) ? raw.join(' ') : typeof raw === 'string' ? raw.replace(/^\[|\]$/g, '') : '';
  // Cognito prefixes resource-server scopes with the server id: `fileport/files:read`.
  return new Set(text.split(/[\s,]+/).filter(Boolean).map((scope) => scope.slice(scope.lastIndexOf('/') + 1)));
}

/** The caller as the JWT authorizer verified it. The token's signature was checked before the Lambda ran. */
export function principalOf(event: ApiEvent, tenantClaim: string): Principal {
  const claims = (event.requestContext.authorizer?.jwt?.claims ?? undefined) as Claims | undefined;
  if (!claims) throw new Unauthorized();
  const userId = claims.sub;
  if (typeof userId !== 'string' || userId === '') throw new Unauthorized('The token has no subject.');
  const tenantId = claims[tenantClaim];
  if (typeof tenantId !== 'string' || tenantId === '') throw new Forbidden(`The token carries no ${tenantClaim} claim.`);
  return { userId, tenantId, scopes: scopesOf(claims) };
}
