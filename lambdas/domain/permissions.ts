import type { Principal } from './model';
import type { Scope } from '../routes';

/** Admins hold every right of their tenant. */
export const hasScope = (principal: Pick<Principal, 'scopes'>, scope: Scope): boolean =>
  principal.scopes.has(scope) || principal.scopes.has('files:admin');

/** Whether the caller may replace content a file already has. */
export const mayOverwrite = (principal: Pick<Principal, 'scopes'>): boolean => hasScope(principal, 'files:overwrite');
