import { createHash, randomBytes } from 'node:crypto';
import { Crc64Nvme } from '@aws-sdk/checksums/crc';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../lambdas/adapters/s3-object-store';
import { ChecksumRefused } from '../../lambdas/domain/ports';
import { Api, eventually, expectError } from './support/api';
import { useStack } from './support/local-stack';
import { contentBody, contentSha256 } from '../support/generated-content';

jest.setTimeout(120_000);

/**
 * Issue 16, section 1: processing takes the checksum S3 verified instead of reading the object,
 * and the local S3 emulator keeps and returns checksums as S3 does.
 */
const local = useStack();
let writer: Api;
let s3: S3Client;
let store: S3ObjectStore;
const BUCKET = 'fileport-local';
const MiB = 1024 ** 2;
beforeAll(async () => {
  const api = local.api();
  writer = api.as(await api.tokenFor('demo', ['files:read', 'files:write'], 'alice'));
  s3 = new S3Client({ endpoint: local.stack().s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  store = new S3ObjectStore(s3, BUCKET);
});
afterAll(() => s3?.destroy());

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
async function crc64nvme(bytes: Uint8Array): Promise<string> {
  const crc = new Crc64Nvme();
  crc.update(bytes);
  return Buffer.from(await crc.digest()).toString('base64');
}

type Line = Record<string, unknown>;
/** The bytes the metadata processor read for the object at `key`: its ProcessingBytesRead metric line. */
async function bytesReadFor(key: string): Promise<number> {
  const lines = await eventually(
    async () =>
      local
        .stack()
        .logLines()
        .filter((text) => text.startsWith('{') && text.includes('"ProcessingBytesRead"'))
        .map((text) => JSON.parse(text) as Line)
        .filter((line) => line.key === key && line.processor === 'metadata'),
    (found) => found.length > 0,
    10_000,
  );
  return lines[0]!.ProcessingBytesRead as number;
}

/** The content key of the file's current version, as its download URL names it. */
async function contentKeyOf(id: string): Promise<string> {
  const download = await writer.call('GET', `/v1/files/${id}/download`);
  expect(download.status).toBe(200);
  return decodeURIComponent(new URL(download.body.url).pathname.split('/').slice(2).join('/'));
}

describe('the local S3 emulator, through the real adapter', () => {
  const key = () => `emulator-checks/${randomBytes(8).toString('hex')}`;

  it('keeps the SHA-256 a PUT sent and S3 verified, and returns it (FULL_OBJECT) on a HEAD or whole GET with checksum mode only, never for a range', async () => {
    const at = key();
    const bytes = randomBytes(10_000);
    const grant = await store.presignPut(at, { contentType: 'application/octet-stream', checksumSha256: sha256(bytes), metadata: {}, expiresIn: 60 });
    expect((await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: bytes })).status).toBe(200);
    const head = await store.readHead(at, 100);
    expect(head).toMatchObject({ size: 10_000, checksums: { sha256: sha256(bytes), crc64nvme: null, type: 'FULL_OBJECT' } });
    expect(Buffer.from(head!.bytes)).toEqual(bytes.subarray(0, 100));

    const whole = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: at, ChecksumMode: 'ENABLED' }));
    expect([whole.ChecksumSHA256, whole.ChecksumType]).toEqual([sha256(bytes), 'FULL_OBJECT']);
    await whole.Body?.transformToByteArray();
    const ranged = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: at, ChecksumMode: 'ENABLED', Range: 'bytes=0-99' }));
    expect(ranged.ChecksumSHA256).toBeUndefined();
    await ranged.Body?.transformToByteArray();
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: at }))).ChecksumSHA256).toBeUndefined();
    await store.delete([at]);
  });

  it('reads the head of an empty object (a range of it is unsatisfiable) as no bytes', async () => {
    const at = key();
    await store.put(at, Buffer.alloc(0), 'text/plain');
    const head = await store.readHead(at, 100);
    expect({ size: head?.size, bytes: Buffer.from(head!.bytes) }).toEqual({ size: 0, bytes: Buffer.alloc(0) });
    await store.delete([at]);
  });

  it('serves a range only while the object has the ETag asked for (If-Match)', async () => {
    const at = key();
    await store.put(at, Buffer.from('0123456789'), 'text/plain');
    const { eTag } = (await store.readHead(at, 1))!;
    expect(Buffer.from((await store.readRange(at, 2, 4, eTag)) as Uint8Array).toString()).toBe('234');
    await store.put(at, Buffer.from('abcdefghij'), 'text/plain');
    expect(await store.readRange(at, 2, 4, eTag)).toBe('changed');
    await store.delete([at]);
    expect(await store.readRange(at, 2, 4, eTag)).toBeUndefined();
  });

  async function multipart(at: string, parts: Buffer[], options: { partChecksums?: boolean; fullObjectCrc64nvme?: boolean }) {
    const uploadId = await store.createMultipartUpload(at, { contentType: 'application/octet-stream', metadata: {}, partChecksums: options.partChecksums ?? false, fullObjectCrc64nvme: options.fullObjectCrc64nvme });
    const uploaded = [];
    for (const [i, body] of parts.entries()) {
      const checksumSha256 = options.partChecksums ? sha256(body) : undefined;
      const signed = await store.presignUploadPart(at, uploadId, { partNumber: i + 1, size: body.length, checksumSha256, expiresIn: 60 });
      const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(body) });
      expect(put.status).toBe(200);
      uploaded.push({ partNumber: i + 1, eTag: (put.headers.get('etag') as string).replaceAll('"', ''), checksumSha256: checksumSha256 ?? null });
    }
    return { uploadId, uploaded };
  }

  it('checks a FULL_OBJECT CRC64NVME multipart upload against the whole-object CRC given at completion (BadDigest), then keeps and returns it', async () => {
    const at = key();
    const parts = [randomBytes(5 * MiB), randomBytes(1000)];
    const crc = await crc64nvme(Buffer.concat(parts));
    const { uploadId, uploaded } = await multipart(at, parts, { fullObjectCrc64nvme: true });
    const wrong = await crc64nvme(Buffer.from('other'));
    const refused = store.completeMultipartUpload(at, uploadId, uploaded, { checksumCrc64nvme: wrong });
    await expect(refused).rejects.toBeInstanceOf(ChecksumRefused);
    await expect(refused).rejects.toThrow(crc);
    expect(await store.readHead(at, 1)).toBeUndefined();
    // The upload stays open, as in S3: completed with the right value.
    await store.completeMultipartUpload(at, uploadId, uploaded, { checksumCrc64nvme: crc });
    expect((await store.readHead(at, 1))?.checksums).toEqual({ sha256: null, crc64nvme: crc, type: 'FULL_OBJECT' });
    await store.delete([at]);
  });

  it('gives a multipart upload with SHA-256 parts the COMPOSITE checksum S3 gives: the SHA-256 of the parts’ SHA-256s, a dash, the part count', async () => {
    const at = key();
    const parts = [randomBytes(5 * MiB), randomBytes(1000)];
    const { uploadId, uploaded } = await multipart(at, parts, { partChecksums: true });
    await store.completeMultipartUpload(at, uploadId, uploaded);
    const composite = createHash('sha256')
      .update(Buffer.concat(parts.map((p) => createHash('sha256').update(p).digest())))
      .digest('base64');
    expect((await store.readHead(at, 1))?.checksums).toEqual({ sha256: `${composite}-2`, crc64nvme: null, type: 'COMPOSITE' });
    await store.delete([at]);
  });
});

describe('a multipart upload with a declared whole-object CRC-64/NVME', () => {
  const parts = () => [Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(5 * MiB - 4)]), randomBytes(5 * MiB), randomBytes(3000)];

  async function uploadParts(id: string, body: Buffer[], declared: string) {
    const size = body.reduce((sum, p) => sum + p.length, 0);
    const started = await writer.call('POST', `/v1/files/${id}/multipart`, { body: { size, partSize: 5 * MiB, checksumCrc64nvme: declared } });
    expect(started.status).toBe(201);
    const etags = [];
    for (const [i, part] of body.entries()) {
      const put = await fetch(started.body.parts[i].url, { method: 'PUT', headers: started.body.parts[i].headers, body: new Uint8Array(part) });
      expect(put.status).toBe(200);
      etags.push({ partNumber: i + 1, etag: put.headers.get('etag') as string });
    }
    return { uploadId: started.body.uploadId as string, etags };
  }

  it('reaches ready with the CRC S3 verified, processing reading under 1 MiB of it', async () => {
    const body = parts();
    const crc = await crc64nvme(Buffer.concat(body));
    const id = await writer.create({ name: 'Verified.zip', fileTypeId: 'zip' });
    const { uploadId, etags } = await uploadParts(id, body, crc);
    expect((await writer.call('POST', `/v1/files/${id}/multipart/${uploadId}/complete`, { body: { parts: etags } })).status).toBe(200);
    expect(await writer.settled(id)).toMatchObject({
      status: 'ready',
      checksumCrc64nvme: crc,
      checksumSha256: null,
      unavailable: { checksumSha256: { code: 'CHECKSUM_NOT_COMPUTED', message: expect.any(String) } },
    });
    const read = await bytesReadFor(await contentKeyOf(id));
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(MiB);
    expect((await writer.call('GET', `/v1/files/${id}/versions`)).body.items).toEqual([expect.objectContaining({ version: 1, checksumCrc64nvme: crc })]);
  });

  it('that the parts do not make is refused at completion: 400 CHECKSUM_MISMATCH naming the declared value, nothing stored', async () => {
    const body = parts();
    const declared = await crc64nvme(Buffer.from('the content the client meant to send'));
    const id = await writer.create({ name: 'Corrupted.zip', fileTypeId: 'zip' });
    const { uploadId, etags } = await uploadParts(id, body, declared);
    const complete = await writer.call('POST', `/v1/files/${id}/multipart/${uploadId}/complete`, { body: { parts: etags } });
    expectError(complete, 400, 'CHECKSUM_MISMATCH');
    expect(complete.body.error.message).toContain(declared);
    expect((await writer.call('GET', `/v1/files/${id}`)).body).toMatchObject({ status: 'pending', contentVersion: null });
    expect((await writer.call('DELETE', `/v1/files/${id}/multipart/${uploadId}`)).status).toBe(204);
  });

  it('must be the base64 of 8 bytes, and not with SHA-256 part checksums', async () => {
    const id = await writer.create({ name: 'Bad.zip', fileTypeId: 'zip' });
    for (const checksumCrc64nvme of ['abc', sha256(Buffer.from('x')), 'AAAAAAAAAAA']) {
      expectError(await writer.call('POST', `/v1/files/${id}/multipart`, { body: { size: 6 * MiB, checksumCrc64nvme } }), 400, 'VALIDATION_ERROR');
    }
    expectError(await writer.call('POST', `/v1/files/${id}/multipart`, { body: { size: 6 * MiB, partChecksums: true, checksumCrc64nvme: await crc64nvme(Buffer.from('x')) } }), 400, 'VALIDATION_ERROR');
  });
});

describe('a 2 GiB upload with a declared SHA-256', () => {
  const SIZE = 2 * 1024 ** 3;

  it('reaches ready with its checksum while processing reads under 1 MiB of it', async () => {
    const checksumSha256 = contentSha256(SIZE);

    const id = await writer.create({ name: 'Large.bin', fileTypeId: 'binary' });
    const grant = await writer.call('PUT', `/v1/files/${id}/upload`, { body: { size: SIZE, checksumSha256 } });
    expect(grant.status).toBe(200);
    // Streamed from the generator, never held: Content-Length is signed, so it is sent as such.
    const body = contentBody(SIZE);
    const put = await fetch(grant.body.url, {
      method: 'PUT',
      headers: { ...grant.body.headers, 'Content-Length': String(SIZE) },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(put.status).toBe(200);
    expect(await writer.settled(id, 120_000)).toMatchObject({ status: 'ready', size: SIZE, checksumSha256, unavailable: {} });
    const read = await bytesReadFor(await contentKeyOf(id));
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(MiB);
    // The stack's disk: the object goes with its file.
    expect((await writer.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
  }, 600_000);
});
