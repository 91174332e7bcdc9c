import { createFile } from '../../../lambdas/domain/files/files';
import { processUploadedObject } from '../../../lambdas/domain/processing/metadata-processing';
import { createUploadUrl } from '../../../lambdas/handlers/create-upload-url';
import { apiEvent } from '../support/api-event';
import { uploadThroughGrant, writer } from '../support/grants';
import { callRoute, memoryServices } from '../support/route-call';

const grant = (id: string, options: { body?: unknown; scope?: string } = {}) =>
  apiEvent('PUT /v1/files/{id}/upload', {
    pathParameters: { id },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    ...(options.scope && { claims: { sub: 'u1', tenant_id: 't1', scope: options.scope } }),
  });

describe('PUT /v1/files/{id}/upload', () => {
  it('grants a PUT of the declared size under the tenant settings, and no cache may keep it', async () => {
    const { services } = memoryServices({ FILEPORT_UPLOAD_URL_TTL_SECONDS: '600' });
    await services.settings.put('t1', { disableForceDownloadForMimeTypes: [], maxFileSize: 1000, downloadUrlTtlSeconds: 300, uploadUrlTtlSeconds: 120 }, { updatedAt: new Date(), updatedBy: 'admin' });
    const file = await createFile(services, writer, { name: 'notes.txt', fileTypeId: 'txt' });
    const answer = await callRoute(createUploadUrl, grant(file.id, { body: { size: 10 } }), services);
    expect(answer).toMatchObject({ status: 200, headers: { 'cache-control': 'no-store' }, body: { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, expiresAt: '2026-01-01T00:02:00.000Z' } });
    expect(services.objects.presigned).toEqual([expect.objectContaining({ contentType: 'text/plain', contentLength: 10 })]);
    // The tenant's own cap, not the deployment's default.
    expect(await callRoute(createUploadUrl, grant(file.id, { body: { size: 1001 } }), services)).toMatchObject({ status: 413, body: { error: { code: 'FILE_TOO_LARGE' } } });
  });

  it('answers 409 ALREADY_UPLOADED once the file has content, unless the caller has files:overwrite', async () => {
    const { services } = memoryServices();
    const file = await createFile(services, writer, { name: 'notes.txt', fileTypeId: 'txt' });
    await processUploadedObject(services, await uploadThroughGrant(services, writer, file, new TextEncoder().encode('hello'), '0A'));
    expect(await callRoute(createUploadUrl, grant(file.id), services)).toMatchObject({ status: 409, body: { error: { code: 'ALREADY_UPLOADED' } } });
    expect(await callRoute(createUploadUrl, grant(file.id, { scope: 'files:read files:write files:overwrite' }), services)).toMatchObject({ status: 200 });
  });
});
