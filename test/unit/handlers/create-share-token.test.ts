import { createFile } from '../../../lambdas/domain/files/files';
import { createShareToken } from '../../../lambdas/handlers/create-share-token';
import { apiEvent } from '../support/api-event';
import { writer } from '../support/grants';
import { callRoute, memoryServices } from '../support/route-call';

const create = (id: string, body: unknown, claims?: Record<string, string>) =>
  apiEvent('POST /v1/files/{id}/tokens', { pathParameters: { id }, body: JSON.stringify(body), ...(claims && { claims }) });

describe('POST /v1/files/{id}/tokens', () => {
  it('answers 201 with the secret, which no cache may keep, and stores only its hash', async () => {
    const { services } = memoryServices();
    const file = await createFile(services, writer, { name: 'Lease.pdf', fileTypeId: 'pdf' });
    const answer = await callRoute(createShareToken, create(file.id, { accessLevel: 'read' }), services);
    expect(answer).toMatchObject({ status: 201, headers: { 'cache-control': 'no-store' }, body: { fileId: file.id, accessLevel: 'read', createdBy: 'user:u1', expiresAt: null } });
    const { token } = answer.body as { token: string };
    expect(token).toMatch(/^fps_[A-Za-z0-9_-]{43}$/);
    const [stored] = services.shareTokens.tokens.values();
    expect(stored).toMatchObject({ fileId: file.id, tenantId: 't1' });
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('refuses a body that is not a new token, and a file of another tenant', async () => {
    const { services } = memoryServices();
    const file = await createFile(services, writer, { name: 'Lease.pdf', fileTypeId: 'pdf' });
    expect(await callRoute(createShareToken, create(file.id, { accessLevel: 'admin' }), services)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_ERROR' } } });
    const otherTenant = { sub: 'u9', tenant_id: 't2', scope: 'files:read files:write files:admin' };
    expect(await callRoute(createShareToken, create(file.id, { accessLevel: 'read' }, otherTenant), services)).toMatchObject({ status: 404, body: { error: { code: 'FILE_NOT_FOUND' } } });
    expect(services.shareTokens.tokens.size).toBe(0);
  });
});
