import { FileportError } from '../errors';
import type { FileRecord, Principal } from './model';
import type { Scope } from '../domain/model';

/** Admins hold every right of their tenant. */
export const hasScope = (principal: Pick<Principal, 'scopes'>, scope: Scope): boolean =>
  principal.scopes.has(scope) || principal.scopes.has('files:admin');

/** Whether the caller may replace content a file already has. */
export const mayOverwrite = (principal: Pick<Principal, 'scopes'>): boolean => hasScope(principal, 'files:overwrite');

/**
 * Whether the caller may change or delete the file, and manage its share tokens: its creator
 * with `files:write`, or an admin. Others of the tenant may read it (a 403, not a 404).
 */
export const mayModify = (principal: Principal, file: Pick<FileRecord, 'tenantId' | 'createdBy'>): boolean =>
  principal.scopes.has('files:admin') || (file.tenantId === principal.tenantId && file.createdBy === principal.userId && hasScope(principal, 'files:write'));

export function checkMayModify(principal: Principal, file: Pick<FileRecord, 'id' | 'tenantId' | 'createdBy'>): void {
  if (!mayModify(principal, file)) {
    throw new FileportError('FORBIDDEN', `Only the creator of file ${file.id} or an admin (files:admin) may change it, delete it or manage its share tokens.`);
  }
}
