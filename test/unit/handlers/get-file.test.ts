import { createFile } from '../../../lambdas/domain/files/files';
import { getFile } from '../../../lambdas/handlers/get-file';
import { apiEvent } from '../support/api-event';
import { writer } from '../support/grants';
import { callRoute, memoryServices } from '../support/route-call';

const get = (id: string, claims?: Record<string, string>) => apiEvent('GET /v1/files/{id}', { pathParameters: { id }, ...(claims && { claims }) });

describe('GET /v1/files/{id}', () => {
  it('answers the API shape of the file, its version as ETag', async () => {
    const { services } = memoryServices();
    const file = await createFile(services, writer, { name: 'Lease.pdf', fileTypeId: 'pdf', tags: ['lease'] });
    const answer = await callRoute(getFile, get(file.id), services);
    expect(answer).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json', etag: `"${file.version}"` },
      body: { id: file.id, name: 'Lease.pdf', mimeType: 'application/pdf', extension: 'pdf', status: 'pending', tags: ['lease'], contentVersion: null, version: file.version },
    });
    // The stored record's own fields stay inside: no tenant, no versions list.
    expect(Object.keys(answer.body as object)).not.toEqual(expect.arrayContaining(['tenantId']));
    expect(Object.keys(answer.body as object)).not.toEqual(expect.arrayContaining(['versions']));
  });

  it('links a public file at the address the caller reached the API by', async () => {
    const { services } = memoryServices();
    const file = await createFile(services, writer, { name: 'Lease 2026.pdf', fileTypeId: 'pdf', accessControl: 'public' });
    const answer = await callRoute(getFile, { ...get(file.id), headers: { 'X-Forwarded-Proto': 'http' } }, services);
    expect(answer.body).toMatchObject({ accessControl: 'public', publicUrl: `http://x/v1/public/${file.id}/Lease%202026.pdf` });
  });

  it("answers another tenant's file, and an id that cannot be one, as missing", async () => {
    const { services } = memoryServices();
    const file = await createFile(services, writer, { name: 'Lease.pdf', fileTypeId: 'pdf' });
    const otherTenant = { sub: 'u9', tenant_id: 't2', scope: 'files:read files:write files:admin' };
    expect(await callRoute(getFile, get(file.id, otherTenant), services)).toMatchObject({ status: 404, body: { error: { code: 'FILE_NOT_FOUND' } } });
    expect(await callRoute(getFile, get('not-a-uuid'), services)).toMatchObject({ status: 404, body: { error: { code: 'FILE_NOT_FOUND' } } });
  });
});
