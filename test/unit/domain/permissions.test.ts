import { hasScope, mayOverwrite } from '../../../lambdas/domain/permissions';

describe('permissions', () => {
  const principal = (...scopes: string[]) => ({ scopes: new Set(scopes) });

  it('lets files:overwrite or files:admin replace content, nothing else', () => {
    expect(mayOverwrite(principal('files:write', 'files:overwrite'))).toBe(true);
    expect(mayOverwrite(principal('files:admin'))).toBe(true);
    expect(mayOverwrite(principal('files:read', 'files:write'))).toBe(false);
  });

  it('gives admins every scope', () => {
    expect(hasScope(principal('files:admin'), 'files:write')).toBe(true);
    expect(hasScope(principal('files:read'), 'files:write')).toBe(false);
  });
});
