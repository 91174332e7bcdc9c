import { createFile } from '../../../../lambdas/domain/files/files';
import { processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import type { Principal } from '../../../../lambdas/domain/model';
import { kindOf, signUploadRequest, type UploadRequest } from '../../../../lambdas/domain/transfer/upload-requests';
import type { SizeLimits } from '../../../../lambdas/domain/transfer/size-limits';
import { overwriter, setup, uploadThroughGrant, writer, type TestDeps } from '../../support/grants';

const MiB = 1024 ** 2;
const limits: SizeLimits = { maxFileSize: 10 * MiB, maxMultipartFileSize: 40 * MiB, tenants: {} };
const terms = { expiresIn: 300, sizeLimits: limits };
const other: Principal = { tenantId: 't2', userId: 'u9', scopes: new Set(['files:read', 'files:write']) };

async function started(deps: TestDeps) {
  const file = await createFile(deps, writer, { name: 'a.zip', fileTypeId: 'zip' });
  const created = await signUploadRequest(deps, writer, file.id, { method: 'POST', key: 'uppy-proposal', size: 11 * MiB }, terms);
  // What the client does with the signed request: S3 starts the upload on the signed key.
  const uploadId = await deps.objects.createMultipartUpload(created.key, { contentType: 'application/zip', metadata: {}, partChecksums: false });
  return { file, key: created.key, uploadId, created };
}

describe('kindOf (what an S3 request to sign is)', () => {
  it.each<[UploadRequest, string]>([
    [{ method: 'PUT', key: 'k' }, 'PutObject'],
    [{ method: 'POST', key: 'k' }, 'CreateMultipartUpload'],
    [{ method: 'PUT', key: 'k', uploadId: 'u', partNumber: 3 }, 'UploadPart'],
    [{ method: 'GET', key: 'k', uploadId: 'u' }, 'ListParts'],
    [{ method: 'POST', key: 'k', uploadId: 'u' }, 'CompleteMultipartUpload'],
    [{ method: 'DELETE', key: 'k', uploadId: 'u' }, 'AbortMultipartUpload'],
  ])('%j is %s', (request, kind) => {
    expect(kindOf(request)).toBe(kind);
  });

  it.each<[string, UploadRequest, RegExp]>([
    ['GetObject', { method: 'GET', key: 'k' }, /GetObject/],
    ['DeleteObject', { method: 'DELETE', key: 'k' }, /DeleteObject/],
    ['HeadObject', { method: 'HEAD', key: 'k' }, /HEAD is not the method/],
    ['another method', { method: 'PATCH', key: 'k' }, /PATCH is not the method/],
    ['a part without its upload', { method: 'PUT', key: 'k', partNumber: 1 }, /both the uploadId and the partNumber/],
    ['an upload PUT without a part', { method: 'PUT', key: 'k', uploadId: 'u' }, /both the uploadId and the partNumber/],
    ['a POST with a part number', { method: 'POST', key: 'k', uploadId: 'u', partNumber: 1 }, /POST takes no partNumber/],
    ['a GET with a part number (GetObject of a part)', { method: 'GET', key: 'k', partNumber: 1 }, /GET takes no partNumber/],
  ])('refuses %s with UNSIGNABLE_REQUEST naming why', (_, request, why) => {
    expect(() => kindOf(request)).toThrow(expect.objectContaining({ code: 'UNSIGNABLE_REQUEST', status: 400, message: expect.stringMatching(why) }));
  });
});

describe('signUploadRequest', () => {
  it('starts a multipart upload on a fresh key of the file, with the file type, the grant and the declared size as the most processing accepts', async () => {
    const { deps } = setup();
    const { file, created } = await started(deps);
    expect(created.key).toMatch(new RegExp(`^content/${file.id.replaceAll('-', '')}/[0-9a-f]{32}$`));
    expect(created).toMatchObject({ method: 'POST', expiresAt: '2026-01-01T00:05:00.000Z' });
    expect(deps.objects.signedRequests[0]).toMatchObject({
      operation: 'CreateMultipartUpload',
      key: created.key,
      expiresIn: 300,
      contentType: 'application/zip',
      metadata: { 'uploaded-by': 'u1', overwrite: 'false', 'max-size': String(11 * MiB) },
    });
    expect(created.headers).toMatchObject({ 'Content-Type': 'application/zip', 'x-amz-meta-max-size': String(11 * MiB) });
  });

  it('signs a PutObject as a PUT URL grant: a fresh key, the declared size signed', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.zip', fileTypeId: 'zip' });
    const put = await signUploadRequest(deps, writer, file.id, { method: 'PUT', key: 'uppy-proposal', contentType: 'text/html', size: 1234 } as UploadRequest, terms);
    expect(put.method).toBe('PUT');
    expect(put.key).not.toBe('uppy-proposal');
    expect(deps.objects.presigned.at(-1)).toMatchObject({ key: put.key, contentType: 'application/zip', contentLength: 1234 });
  });

  it('signs the requests of an upload that exists, on the file\'s own key only', async () => {
    const { deps } = setup();
    const { file, key, uploadId } = await started(deps);
    for (const request of [
      { method: 'PUT', key, uploadId, partNumber: 2 },
      { method: 'GET', key, uploadId },
      { method: 'DELETE', key, uploadId },
    ]) {
      await signUploadRequest(deps, writer, file.id, request, terms);
    }
    expect(deps.objects.signedRequests.slice(1).map((r) => [r.operation, r.key])).toEqual([
      ['UploadPart', key],
      ['ListParts', key],
      ['AbortMultipartUpload', key],
    ]);
    expect(deps.objects.signedRequests[1]).toMatchObject({ uploadId, partNumber: 2 });
  });

  it.each<[string, (own: string, otherFile: string) => string | undefined]>([
    ['another file\'s key', (_, otherFile) => otherFile],
    ['a thumbnail key', (own) => own.replace('content/', 'thumbnails/')],
    ['a key outside the file\'s uploads', (own) => `${own.slice(0, own.lastIndexOf('/'))}/../../x`],
    ['no key', () => undefined],
  ])('refuses %s with UNSIGNABLE_REQUEST', async (_, keyOf) => {
    const { deps } = setup();
    const { file, key, uploadId } = await started(deps);
    const second = await started(deps);
    const signed = deps.objects.signedRequests.length;
    for (const request of [
      { method: 'PUT', key: keyOf(key, second.key), uploadId, partNumber: 1 },
      { method: 'GET', key: keyOf(key, second.key), uploadId },
      { method: 'POST', key: keyOf(key, second.key), uploadId },
      { method: 'DELETE', key: keyOf(key, second.key), uploadId },
    ]) {
      await expect(signUploadRequest(deps, writer, file.id, request, terms)).rejects.toMatchObject({ code: 'UNSIGNABLE_REQUEST', status: 400 });
    }
    expect(deps.objects.signedRequests.length).toBe(signed);
  });

  it('refuses the file of another tenant (404) and a reader (no grant without files:write is the route\'s scope)', async () => {
    const { deps } = setup();
    const { file, key, uploadId } = await started(deps);
    await expect(signUploadRequest(deps, other, file.id, { method: 'GET', key, uploadId }, terms)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(signUploadRequest(deps, other, file.id, { method: 'POST', key: 'k', size: 1 }, terms)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('keeps the grant\'s rules: the size limit, a size to start, and no second content without files:overwrite', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.zip', fileTypeId: 'zip' });
    await expect(signUploadRequest(deps, writer, file.id, { method: 'POST', key: 'k', size: 40 * MiB + 1 }, terms)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', status: 413 });
    await expect(signUploadRequest(deps, writer, file.id, { method: 'PUT', key: 'k', size: 10 * MiB + 1 }, terms)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', status: 413 });
    await expect(signUploadRequest(deps, writer, file.id, { method: 'POST', key: 'k' }, terms)).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/body\.size/) });
    expect(deps.objects.signedRequests).toEqual([]);

    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, file, Buffer.from('PK\x03\x04zip'), '0A'));
    await expect(signUploadRequest(deps, writer, file.id, { method: 'POST', key: 'k', size: 100 }, terms)).rejects.toMatchObject({ code: 'ALREADY_UPLOADED', status: 409 });
    await expect(signUploadRequest(deps, writer, file.id, { method: 'PUT', key: 'k', size: 100 }, terms)).rejects.toMatchObject({ code: 'ALREADY_UPLOADED', status: 409 });
    await expect(signUploadRequest(deps, overwriter, file.id, { method: 'POST', key: 'k', size: 100 }, terms)).resolves.toMatchObject({ method: 'POST' });
  });

  it('signs a completion only for an upload S3 holds on the key, whose parts fit the tenant\'s limit now (else aborts it, 413)', async () => {
    const { deps } = setup();
    const { file, key, uploadId } = await started(deps);
    await expect(signUploadRequest(deps, writer, file.id, { method: 'POST', key, uploadId: 'not-an-upload' }, terms)).rejects.toMatchObject({ code: 'UPLOAD_NOT_FOUND', status: 404 });
    deps.objects.uploadPart(key, uploadId, 1, Buffer.alloc(6 * MiB));
    await expect(signUploadRequest(deps, writer, file.id, { method: 'POST', key, uploadId }, terms)).resolves.toMatchObject({ method: 'POST', key });
    expect(deps.objects.signedRequests.at(-1)).toMatchObject({ operation: 'CompleteMultipartUpload', uploadId });

    const lowered = { expiresIn: 300, sizeLimits: { ...limits, maxMultipartFileSize: 5 * MiB } };
    await expect(signUploadRequest(deps, writer, file.id, { method: 'POST', key, uploadId }, lowered)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', status: 413 });
    expect(deps.objects.uploads.has(uploadId)).toBe(false);
  });
});
