import { S3Client } from '@aws-sdk/client-s3';
import { postPolicySignature, S3ObjectStore } from '../../../../lambdas/adapters/s3-object-store';
import { createFile, fileIdOfContentKey } from '../../../../lambdas/domain/files/files';
import { processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import type { Principal } from '../../../../lambdas/domain/model';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  getMultipartUpload,
  partUrlsFor,
  planParts,
} from '../../../../lambdas/domain/transfer/multipart';
import { sizeLimitsOf, type SizeLimits } from '../../../../lambdas/domain/transfer/size-limits';
import { createUploadForm, createUploadUrl } from '../../../../lambdas/domain/transfer/uploads';
import { setup, writer, type TestDeps } from '../../support/grants';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const limits: SizeLimits = { maxFileSize: 10 * MiB, maxMultipartFileSize: 40 * MiB, tenants: { t2: { maxMultipartFileSize: 100 * MiB } } };
const otherTenant: Principal = { tenantId: 't2', userId: 'u9', scopes: new Set(['files:read', 'files:write']) };
const zip = (size: number, fill = 1) => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(size - 4, fill)]);

async function zipFile(deps: TestDeps, principal: Principal = writer) {
  return createFile(deps, principal, { name: 'a.zip', fileTypeId: 'zip' });
}

/** The object key behind an upload: the only key the in-memory S3 holds an upload for. */
const keyOfUpload = (deps: TestDeps) => [...deps.objects.uploads.values()].at(-1)!.key;

describe('size limits', () => {
  it('are the deployment\'s unless the tenant has its own', () => {
    expect(sizeLimitsOf(limits, 't1')).toEqual({ maxFileSize: 10 * MiB, maxMultipartFileSize: 40 * MiB });
    expect(sizeLimitsOf(limits, 't2')).toEqual({ maxFileSize: 10 * MiB, maxMultipartFileSize: 100 * MiB });
    expect(sizeLimitsOf(limits, '__proto__')).toEqual({ maxFileSize: 10 * MiB, maxMultipartFileSize: 40 * MiB });
    expect(sizeLimitsOf(undefined, 't1')).toEqual({ maxFileSize: 5 * GiB, maxMultipartFileSize: 1024 ** 4 });
  });

  it('refuse a declared size over the limit with 413 FILE_TOO_LARGE, and sign the limit into every grant', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const grant = { expiresIn: 900, sizeLimits: limits };
    await expect(createUploadUrl(deps, writer, file.id, { ...grant, size: 10 * MiB + 1 })).rejects.toMatchObject({ status: 413, code: 'FILE_TOO_LARGE' });
    await expect(createUploadForm(deps, writer, file.id, { ...grant, size: 10 * MiB + 1 })).rejects.toMatchObject({ status: 413, code: 'FILE_TOO_LARGE' });
    await expect(createMultipartUpload(deps, writer, file.id, { ...grant, size: 40 * MiB + 1 })).rejects.toMatchObject({ status: 413, code: 'FILE_TOO_LARGE' });
    expect(deps.objects.presigned).toEqual([]);
    expect(deps.objects.uploads.size).toBe(0);

    await createUploadUrl(deps, writer, file.id, grant);
    await createUploadForm(deps, writer, file.id, grant);
    await createMultipartUpload(deps, writer, file.id, { ...grant, size: 40 * MiB });
    expect(deps.objects.presigned[0]?.metadata['max-size']).toBe(String(10 * MiB));
    expect(deps.objects.posted[0]?.metadata['max-size']).toBe(String(10 * MiB));
    expect([...deps.objects.uploads.values()][0]?.metadata['max-size']).toBe(String(40 * MiB));
  });
});

describe('form uploads', () => {
  it('sign a fresh key of the file, its type, the grant, and a size range up to the limit (or exactly the declared size)', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const open = await createUploadForm(deps, writer, file.id, { expiresIn: 60, sizeLimits: limits });
    const sized = await createUploadForm(deps, writer, file.id, { expiresIn: 60, sizeLimits: limits, size: 1234 });
    const [first, second] = deps.objects.posted;
    expect(first).toMatchObject({ contentType: 'application/pdf', minSize: 0, maxSize: 10 * MiB, metadata: { 'uploaded-by': 'u1', overwrite: 'false' } });
    expect(second).toMatchObject({ minSize: 1234, maxSize: 1234 });
    expect(fileIdOfContentKey(first!.key)).toBe(file.id);
    expect(second!.key).not.toBe(first!.key);
    expect(open).toMatchObject({ method: 'POST', fileField: 'file', maxFileSize: 10 * MiB, expiresAt: '2026-01-01T00:01:00.000Z' });
    expect(sized.maxFileSize).toBe(1234);
  });
});

describe('S3ObjectStore.presignPost', () => {
  it('signs a policy as AWS documents SigV4 POST signatures (their published example)', () => {
    // docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html: its policy, key and date.
    const policy =
      'eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9';
    const signature = postPolicySignature(policy, { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', day: '20151229', region: 'us-east-1' });
    expect(signature).toBe('8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e');
  });

  it('pins every field in the policy, with the bucket, the size range and the session token of temporary credentials', async () => {
    const s3 = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' },
    });
    const form = await new S3ObjectStore(s3, 'files-bucket').presignPost('content/abc/def', {
      contentType: 'application/pdf',
      minSize: 0,
      maxSize: 100,
      metadata: { 'uploaded-by': 'u1' },
      expiresIn: 60,
    });
    expect(form.url).toBe('https://files-bucket.s3.eu-west-1.amazonaws.com/');
    const policy = JSON.parse(Buffer.from(form.fields.policy as string, 'base64').toString());
    const { policy: _policy, 'x-amz-signature': signature, ...signed } = form.fields;
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(signed['x-amz-security-token']).toBe('session-token');
    expect(signed['x-amz-credential']).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
    const day = (signed['x-amz-date'] as string).slice(0, 8);
    expect(signed['x-amz-credential']).toContain(`/${day}/`);
    expect(signature).toBe(postPolicySignature(form.fields.policy as string, { secretAccessKey: 'secret', day, region: 'eu-west-1' }));
    expect(Date.parse(policy.expiration) - Date.now()).toBeGreaterThan(55_000);
    expect(policy.conditions).toEqual([{ bucket: 'files-bucket' }, ...Object.entries(signed).map(([name, value]) => ({ [name]: value })), ['content-length-range', 0, 100]]);
    s3.destroy();
  });

  it('pins SSE-S3 by default, and the customer-managed key when the bucket uses one (not AES256, which would override it)', async () => {
    const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const options = { contentType: 'application/pdf', minSize: 0, maxSize: 100, metadata: {}, expiresIn: 60 };
    const managed = await new S3ObjectStore(s3, 'files-bucket').presignPost('content/abc/def', options);
    expect(managed.fields['x-amz-server-side-encryption']).toBe('AES256');
    expect(managed.fields).not.toHaveProperty('x-amz-server-side-encryption-aws-kms-key-id');

    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const form = await new S3ObjectStore(s3, 'files-bucket', { kmsKeyArn: keyArn }).presignPost('content/abc/def', options);
    expect(form.fields).toMatchObject({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': keyArn });
    const policy = JSON.parse(Buffer.from(form.fields.policy as string, 'base64').toString());
    expect(policy.conditions).toEqual(
      expect.arrayContaining([{ 'x-amz-server-side-encryption': 'aws:kms' }, { 'x-amz-server-side-encryption-aws-kms-key-id': keyArn }]),
    );
    s3.destroy();
  });

  it('resolves where forms go once, and again after a failure instead of remembering it', async () => {
    let endpoint: string | undefined;
    const s3 = new S3Client({
      region: 'eu-west-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      endpoint: async () => {
        if (!endpoint) throw new Error('No endpoint yet');
        return { url: new URL(endpoint) };
      },
    });
    const store = new S3ObjectStore(s3, 'files-bucket');
    const options = { contentType: 'application/pdf', minSize: 0, maxSize: 100, metadata: {}, expiresIn: 60 };
    await expect(store.presignPost('content/abc/def', options)).rejects.toThrow('No endpoint yet');
    endpoint = 'http://127.0.0.1:4569';
    expect((await store.presignPost('content/abc/def', options)).url).toBe('http://127.0.0.1:4569/files-bucket/');
    endpoint = 'http://127.0.0.1:9999';
    expect((await store.presignPost('content/abc/ghi', options)).url).toBe('http://127.0.0.1:4569/files-bucket/');
    s3.destroy();
  });
});

describe('multipart uploads', () => {
  it('plan 8 MiB parts by default, raised past 10,000 parts; a client\'s part size within S3\'s rules', () => {
    expect(planParts(1, undefined)).toEqual({ partSize: 8 * MiB, partCount: 1 });
    expect(planParts(GiB, undefined)).toEqual({ partSize: 8 * MiB, partCount: 128 });
    expect(planParts(1024 ** 4, undefined)).toEqual({ partSize: 105 * MiB, partCount: 9987 });
    expect(planParts(5 * 1024 ** 4, undefined).partCount).toBeLessThanOrEqual(10_000);
    expect(planParts(GiB, 5 * MiB)).toEqual({ partSize: 5 * MiB, partCount: 205 });
    expect(() => planParts(GiB, 5 * MiB - 1)).toThrow(/partSize/);
    expect(() => planParts(GiB, 5 * GiB + 1)).toThrow(/partSize/);
    expect(() => planParts(100 * GiB, 5 * MiB)).toThrow(/at most 10000/);
  });

  it('hand out a URL per part, each for its exact size, after starting the upload with the grant\'s metadata', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const upload = await createMultipartUpload(deps, writer, file.id, { size: 13 * MiB + 1, partSize: 5 * MiB, expiresIn: 900, sizeLimits: limits });
    expect(upload).toMatchObject({ size: 13 * MiB + 1, partSize: 5 * MiB, partCount: 3, expiresAt: '2026-01-01T00:15:00.000Z' });
    expect(upload.parts.map((p) => [p.partNumber, p.size])).toEqual([
      [1, 5 * MiB],
      [2, 5 * MiB],
      [3, 3 * MiB + 1],
    ]);
    const [started] = deps.objects.uploads.values();
    expect(fileIdOfContentKey(started!.key)).toBe(file.id);
    expect(started).toMatchObject({ contentType: 'application/zip', partChecksums: false, metadata: { 'uploaded-by': 'u1', overwrite: 'false' } });
    // URL-safe: the signed facts, a dot, their HMAC-SHA256.
    expect(upload.uploadId).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('list what S3 holds and give fresh URLs for the missing parts only', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const { uploadId } = await createMultipartUpload(deps, writer, file.id, { size: 11 * MiB, partSize: 5 * MiB, expiresIn: 900 });
    const key = keyOfUpload(deps);
    const s3Id = [...deps.objects.uploads.keys()][0]!;
    const etag = deps.objects.uploadPart(key, s3Id, 2, Buffer.alloc(5 * MiB, 2));
    const status = await getMultipartUpload(deps, writer, file.id, uploadId, { expiresIn: 900 });
    expect(status.uploadedParts).toEqual([{ partNumber: 2, size: 5 * MiB, etag }]);
    expect(status.missingPartNumbers).toEqual([1, 3]);
    expect(status.parts.map((p) => [p.partNumber, p.size])).toEqual([
      [1, 5 * MiB],
      [3, 1 * MiB],
    ]);
  });

  it('are bound to their file: another file of the tenant, another tenant, or a forged token find nothing', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const other = await zipFile(deps);
    const theirs = await zipFile(deps, otherTenant);
    const { uploadId } = await createMultipartUpload(deps, writer, file.id, { size: 6 * MiB, expiresIn: 900 });
    await expect(getMultipartUpload(deps, writer, other.id, uploadId, { expiresIn: 900 })).rejects.toMatchObject({ status: 404, code: 'UPLOAD_NOT_FOUND' });
    await expect(abortMultipartUpload(deps, writer, other.id, uploadId)).rejects.toMatchObject({ status: 404, code: 'UPLOAD_NOT_FOUND' });
    await expect(getMultipartUpload(deps, otherTenant, file.id, uploadId, { expiresIn: 900 })).rejects.toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' });
    await expect(getMultipartUpload(deps, otherTenant, theirs.id, uploadId, { expiresIn: 900 })).rejects.toMatchObject({ status: 404, code: 'UPLOAD_NOT_FOUND' });
    for (const forged of ['x', Buffer.from('[1,2,3]').toString('base64url'), Buffer.from(JSON.stringify(['../x', 'u', 1, 1, 0])).toString('base64url')]) {
      await expect(getMultipartUpload(deps, writer, file.id, forged, { expiresIn: 900 })).rejects.toMatchObject({ status: 404, code: 'UPLOAD_NOT_FOUND' });
    }
    expect(deps.objects.uploads.size).toBe(1);
  });

  it('complete only with every part of the plan as S3 holds it, naming what is missing or wrong', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const { uploadId } = await createMultipartUpload(deps, writer, file.id, { size: 10 * MiB + 3, partSize: 5 * MiB, expiresIn: 900, sizeLimits: limits });
    const key = keyOfUpload(deps);
    const s3Id = [...deps.objects.uploads.keys()][0]!;
    const e1 = deps.objects.uploadPart(key, s3Id, 1, zip(5 * MiB));
    const e2 = deps.objects.uploadPart(key, s3Id, 2, Buffer.alloc(5 * MiB, 2));
    const complete = (parts: { partNumber: number; etag: string }[]) => completeMultipartUpload(deps, writer, file.id, uploadId, { parts, sizeLimits: limits });
    await expect(complete([{ partNumber: 1, etag: e1 }, { partNumber: 2, etag: e2 }])).rejects.toMatchObject({ status: 400, code: 'INVALID_PARTS', message: expect.stringContaining('part 3 not listed') });
    await expect(complete([{ partNumber: 1, etag: e1 }, { partNumber: 2, etag: e2 }, { partNumber: 3, etag: e2 }])).rejects.toMatchObject({ message: expect.stringContaining('part 3 not uploaded') });
    const e3 = deps.objects.uploadPart(key, s3Id, 3, Buffer.from('end'));
    await expect(complete([{ partNumber: 1, etag: e2 }, { partNumber: 2, etag: e2 }, { partNumber: 3, etag: e3 }])).rejects.toMatchObject({ message: expect.stringContaining('part 1 with another ETag') });
    await expect(complete([{ partNumber: 1, etag: e1 }, { partNumber: 3, etag: e3 }, { partNumber: 2, etag: e2 }])).rejects.toMatchObject({ code: 'INVALID_PARTS' });
    await expect(complete([{ partNumber: 1, etag: e1 }, { partNumber: 2, etag: e2 }, { partNumber: 3, etag: e3 }, { partNumber: 4, etag: e3 }])).rejects.toMatchObject({ message: expect.stringContaining('not part 4') });
    expect(deps.objects.objects.size).toBe(0);

    const done = await complete([{ partNumber: 1, etag: `"${e1}"` }, { partNumber: 2, etag: e2 }, { partNumber: 3, etag: e3 }]);
    // Processing has not seen the object yet: shown as processing all the same.
    expect(done).toMatchObject({ id: file.id, status: 'processing' });
    expect(deps.objects.bytesOf(key)?.length).toBe(10 * MiB + 3);
    expect(deps.objects.uploads.size).toBe(0);
    // A retry after the first answer was lost finds the object and answers the same.
    expect(await complete([{ partNumber: 1, etag: e1 }, { partNumber: 2, etag: e2 }, { partNumber: 3, etag: e3 }])).toMatchObject({ status: 'processing' });
  });

  it('complete only while the key is free: racing a completion of the same upload that won, it answers as that one did and replaces nothing', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const { uploadId } = await createMultipartUpload(deps, writer, file.id, { size: 5, partSize: 5 * MiB, expiresIn: 900, sizeLimits: limits });
    const key = keyOfUpload(deps);
    const s3Id = [...deps.objects.uploads.keys()][0]!;
    const etag = deps.objects.uploadPart(key, s3Id, 1, zip(5));
    // The other completion stored the object after this one listed the parts.
    await deps.objects.put(key, Buffer.from('theirs'));
    expect(await completeMultipartUpload(deps, writer, file.id, uploadId, { parts: [{ partNumber: 1, etag }], sizeLimits: limits })).toMatchObject({ status: 'processing' });
    expect(deps.objects.bytesOf(key)?.toString()).toBe('theirs');
  });

  it('abort an upload whose parts add up past the tenant\'s limit instead of completing it', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    // The plan says 10 MiB in one part; a client that forged the token's size sent more.
    const small: SizeLimits = { ...limits, maxMultipartFileSize: 6 * MiB };
    const { uploadId } = await createMultipartUpload(deps, writer, file.id, { size: 6 * MiB, partSize: 8 * MiB, expiresIn: 900, sizeLimits: small });
    const key = keyOfUpload(deps);
    const s3Id = [...deps.objects.uploads.keys()][0]!;
    const etag = deps.objects.uploadPart(key, s3Id, 1, zip(7 * MiB));
    await expect(completeMultipartUpload(deps, writer, file.id, uploadId, { parts: [{ partNumber: 1, etag }], sizeLimits: small })).rejects.toMatchObject({
      status: 413,
      code: 'FILE_TOO_LARGE',
    });
    expect(deps.objects.uploads.size).toBe(0);
  });

  it('with part checksums, give no URLs until asked with the checksums, which are then signed', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const upload = await createMultipartUpload(deps, writer, file.id, { size: 6 * MiB, partSize: 5 * MiB, partChecksums: true, expiresIn: 900 });
    expect(upload.parts).toEqual([]);
    expect([...deps.objects.uploads.values()][0]?.partChecksums).toBe(true);
    expect((await getMultipartUpload(deps, writer, file.id, upload.uploadId, { expiresIn: 900 })).parts).toEqual([]);
    const checksumSha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';
    const urls = await partUrlsFor(deps, writer, file.id, upload.uploadId, { parts: [{ partNumber: 2, checksumSha256 }], expiresIn: 900 });
    expect(urls.parts).toEqual([expect.objectContaining({ partNumber: 2, size: 1 * MiB, headers: { 'x-amz-checksum-sha256': checksumSha256 } })]);
    await expect(partUrlsFor(deps, writer, file.id, upload.uploadId, { parts: [{ partNumber: 1 }], expiresIn: 900 })).rejects.toMatchObject({ status: 400 });
    await expect(partUrlsFor(deps, writer, file.id, upload.uploadId, { parts: [{ partNumber: 3, checksumSha256 }], expiresIn: 900 })).rejects.toMatchObject({ status: 400 });
  });
});

describe('multipart upload ids and limits on every use', () => {
  /** The id with its size and part size replaced, as a client could write it: signature kept, and none. */
  const forgeries = (uploadId: string, size: number, partSize: number) => {
    const [payload, signature] = uploadId.split('.');
    const facts = JSON.parse(Buffer.from(payload as string, 'base64url').toString('utf8')) as unknown[];
    const forged = Buffer.from(JSON.stringify([facts[0], facts[1], size, partSize, ...facts.slice(4)])).toString('base64url');
    return [forged, `${forged}.${signature}`];
  };

  it('refuse an id whose size or part size was altered on every route, and never reach S3 with it', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const { uploadId } = await createMultipartUpload(deps, writer, file.id, { size: 6 * MiB, expiresIn: 900 });
    const presigned = deps.objects.presignedParts.length;
    for (const forged of [...forgeries(uploadId, Number.MAX_SAFE_INTEGER, 1), ...forgeries(uploadId, 1024 ** 4, 5 * MiB), ...forgeries(uploadId, 5 * GiB, 5 * GiB)]) {
      const notFound = { status: 404, code: 'UPLOAD_NOT_FOUND' };
      await expect(getMultipartUpload(deps, writer, file.id, forged, { expiresIn: 900 })).rejects.toMatchObject(notFound);
      await expect(partUrlsFor(deps, writer, file.id, forged, { parts: [{ partNumber: 1 }], expiresIn: 900 })).rejects.toMatchObject(notFound);
      await expect(completeMultipartUpload(deps, writer, file.id, forged, { parts: [{ partNumber: 1, etag: 'x' }] })).rejects.toMatchObject(notFound);
      await expect(abortMultipartUpload(deps, writer, file.id, forged)).rejects.toMatchObject(notFound);
    }
    expect(deps.objects.presignedParts.length).toBe(presigned);
    expect(deps.objects.uploads.size).toBe(1);
    expect((await getMultipartUpload(deps, writer, file.id, uploadId, { expiresIn: 900 })).missingPartNumbers).toEqual([1]);
  });

  it('refuse status, part URLs and completion with 413 once the tenant\'s maxFileSize is below the upload\'s size; completing aborts it', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const { uploadId } = await createMultipartUpload(deps, writer, file.id, { size: 6 * MiB, partSize: 5 * MiB, expiresIn: 900, sizeLimits: limits });
    const key = keyOfUpload(deps);
    const s3Id = [...deps.objects.uploads.keys()][0]!;
    const e1 = deps.objects.uploadPart(key, s3Id, 1, zip(5 * MiB));
    const e2 = deps.objects.uploadPart(key, s3Id, 2, Buffer.alloc(1 * MiB, 2));
    const lowered = { sizeLimits: limits, maxFileSize: 6 * MiB - 1 };
    const tooLarge = { status: 413, code: 'FILE_TOO_LARGE' };
    await expect(getMultipartUpload(deps, writer, file.id, uploadId, { expiresIn: 900, ...lowered })).rejects.toMatchObject(tooLarge);
    await expect(partUrlsFor(deps, writer, file.id, uploadId, { parts: [{ partNumber: 2 }], expiresIn: 900, ...lowered })).rejects.toMatchObject(tooLarge);
    // The operator's limit for the tenant counts as much as the tenant's own.
    await expect(getMultipartUpload(deps, writer, file.id, uploadId, { expiresIn: 900, sizeLimits: { ...limits, maxMultipartFileSize: 5 * MiB } })).rejects.toMatchObject(tooLarge);
    expect(deps.objects.uploads.size).toBe(1);
    expect((await getMultipartUpload(deps, writer, file.id, uploadId, { expiresIn: 900, sizeLimits: limits, maxFileSize: 6 * MiB })).missingPartNumbers).toEqual([]);

    const parts = [{ partNumber: 1, etag: e1 }, { partNumber: 2, etag: e2 }];
    await expect(completeMultipartUpload(deps, writer, file.id, uploadId, { parts, ...lowered })).rejects.toMatchObject(tooLarge);
    expect(deps.objects.uploads.size).toBe(0);
    expect(deps.objects.objects.size).toBe(0);
  });

  it('complete only parts that add up to the declared size', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    const { uploadId } = await createMultipartUpload(deps, writer, file.id, { size: 6 * MiB, expiresIn: 900, sizeLimits: limits });
    const key = keyOfUpload(deps);
    const s3Id = [...deps.objects.uploads.keys()][0]!;
    // More than planned, within the limit: only a URL signed for another size could have sent it.
    const etag = deps.objects.uploadPart(key, s3Id, 1, zip(7 * MiB));
    await expect(completeMultipartUpload(deps, writer, file.id, uploadId, { parts: [{ partNumber: 1, etag }], sizeLimits: limits })).rejects.toMatchObject({
      status: 400,
      code: 'INVALID_PARTS',
      message: expect.stringContaining(`${7 * MiB} bytes, not the declared ${6 * MiB}`),
    });
    expect(deps.objects.objects.size).toBe(0);
  });
});

describe('processing an object over its grant\'s limit', () => {
  it('fails the version with FILE_TOO_LARGE and deletes the bytes without reading them', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    await createUploadUrl(deps, writer, file.id, { expiresIn: 900, sizeLimits: { ...limits, maxFileSize: 1000 } });
    const { key, contentType, metadata } = deps.objects.presigned[0]!;
    await deps.objects.put(key, zip(1001), contentType, metadata);
    let reads = 0;
    const read = deps.objects.read.bind(deps.objects);
    deps.objects.read = async (k: string) => {
      reads++;
      return read(k);
    };
    expect(await processUploadedObject(deps, { key, eTag: deps.objects.eTagOf(key), sequencer: '0A', eventTime: '2026-01-01T00:00:01Z' })).toBe('processed');
    const stored = await deps.files.get(file.id);
    expect(stored).toMatchObject({ status: 'failed', size: 1001, error: { code: 'FILE_TOO_LARGE' } });
    expect(stored?.versions[0]).toMatchObject({ status: 'failed', contentRemoved: true });
    expect(deps.objects.objects.has(key)).toBe(false);
    expect(reads).toBe(0);
  });

  it('accepts an object of exactly the limit', async () => {
    const { deps } = setup();
    const file = await zipFile(deps);
    await createUploadUrl(deps, writer, file.id, { expiresIn: 900, sizeLimits: { ...limits, maxFileSize: 1000 } });
    const { key, contentType, metadata } = deps.objects.presigned[0]!;
    await deps.objects.put(key, zip(1000), contentType, metadata);
    await processUploadedObject(deps, { key, eTag: deps.objects.eTagOf(key), sequencer: '0A', eventTime: '2026-01-01T00:00:01Z' });
    expect(await deps.files.get(file.id)).toMatchObject({ status: 'ready', size: 1000 });
  });
});
