import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Crc64Nvme } from '@aws-sdk/checksums/crc';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createClient, FileportError, NotFoundError, PermissionError, StorageError, type FetchLike, type Progress } from '../../client/src/index';
import { fromPath } from '../../client/src/node';
import { putBytes } from '../../client/src/put';
import { quickstart } from '../../client/examples/quickstart';
import { useStack } from './support/local-stack';
import { EmulatorS3 } from './support/s3';

jest.setTimeout(300_000);

const MiB = 1024 * 1024;
const local = useStack();
/** Folders of files the tests upload from, removed after them. */
const temporaryDirs: string[] = [];
afterAll(() => temporaryDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
/** S3's CRC-64/NVME of the bytes (the AWS SDK's implementation, not the client's). */
async function crc64nvme(bytes: Uint8Array): Promise<string> {
  const crc = new Crc64Nvme();
  crc.update(bytes);
  return Buffer.from(await crc.digest()).toString('base64');
}

/** Random bytes that processing takes for a zip (it checks the signature, then only measures and hashes). */
function zipBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(randomBytes(size));
  bytes.set([0x50, 0x4b, 0x03, 0x04]);
  return bytes;
}

const isPartPut = (url: string, init?: RequestInit) => init?.method === 'PUT' && /[?&]partNumber=\d+/.test(url);
const partNumberOf = (url: string) => Number(/[?&]partNumber=(\d+)/.exec(url)?.[1]);

/** Monotonic, never above total, ending at total. */
function expectWellFormed(events: Progress[], total: number) {
  expect(events.length).toBeGreaterThan(1);
  for (const [i, e] of events.entries()) {
    expect(e.total).toBe(total);
    expect(e.loaded).toBeLessThanOrEqual(total);
    if (i > 0) expect(e.loaded).toBeGreaterThan((events[i - 1] as Progress).loaded);
  }
  expect(events.at(-1)).toEqual({ loaded: total, total });
}

const client = (fetch?: FetchLike, token = local.stack().token) => createClient({ baseUrl: local.stack().apiUrl, token, fetch });

describe('SDK uploads', () => {
  it('uploads a small PNG with one PUT, waits until it is processed, gets its thumbnail URLs and copies it', async () => {
    const png = new Uint8Array(await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } }).png().toBuffer());
    const events: Progress[] = [];
    const fileport = client();
    const result = await fileport.files.upload(new Blob([png], { type: 'image/png' }), { name: 'Logo.png', fileTypeId: 'png', tags: ['sdk'], links: [{ type: 'case', id: '7' }], onProgress: (p) => events.push(p) });
    expect(result).toMatchObject({ method: 'single', uploadId: null, checksumSha256: sha256(png), size: png.length, partsSent: [] });
    expectWellFormed(events, png.length);
    const file = await fileport.files.waitUntilProcessed(result.file.id);
    expect(file).toMatchObject({ status: 'ready', size: png.length, checksumSha256: sha256(png), tags: ['sdk'], links: [{ type: 'case', id: '7' }] });
    expect(file.thumbnails.map((t) => t.size).sort()).toEqual(['medium', 'small']);

    // Its thumbnail through the SDK: a WebP of the size the file lists, for a member and a token holder.
    const small = file.thumbnails.find((t) => t.size === 'small');
    for (const grant of [await fileport.files.thumbnailUrl(file.id, 'small'), await fileport.shared((await fileport.tokens.create(file.id, { accessLevel: 'read' })).token).thumbnailUrl('small')]) {
      expect({ width: grant.width, height: grant.height }).toEqual({ width: small?.width, height: small?.height });
      const image = await sharp(Buffer.from(await (await fetch(grant.url)).arrayBuffer())).metadata();
      expect({ format: image.format, width: image.width, height: image.height }).toEqual({ format: 'webp', width: small?.width, height: small?.height });
    }

    // A copy: a new file with the same content, processed like an upload, with the changes asked for.
    const copy = await fileport.files.copy(file.id, { name: 'Logo copy.png', tags: ['copied'] });
    expect(copy).toMatchObject({ name: 'Logo copy.png', tags: ['copied'], links: [{ type: 'case', id: '7' }], fileTypeId: 'png' });
    expect(copy.id).not.toBe(file.id);
    const copied = await fileport.files.waitUntilProcessed(copy.id);
    expect(copied).toMatchObject({ status: 'ready', size: png.length, checksumSha256: sha256(png) });
    expect((await fileport.files.download(copy.id)).bytes).toEqual(png);
  });

  it('a single PUT whose answer was lost is not sent twice: the retry finds the object there (412) and the upload succeeds with the first bytes', async () => {
    const png = new Uint8Array(await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c63' } }).png().toBuffer());
    const puts: number[] = [];
    const lossy: FetchLike = async (url, init) => {
      if (init?.method !== 'PUT' || !url.includes('X-Amz-Signature')) return fetch(url, init);
      const response = await fetch(url, init);
      puts.push(response.status);
      // The bytes reached S3; the connection dropped before the client read the answer.
      if (puts.length === 1) throw new TypeError('socket hang up (injected)');
      return response;
    };
    const fileport = createClient({ baseUrl: local.stack().apiUrl, token: local.stack().token, fetch: lossy, retry: { baseDelayMs: 10 } });
    const result = await fileport.files.upload(new Blob([png], { type: 'image/png' }), { name: 'Once.png', fileTypeId: 'png' });
    expect(puts).toEqual([200, 412]);
    expect(await fileport.files.waitUntilProcessed(result.file.id)).toMatchObject({ status: 'ready', checksumSha256: sha256(png), contentVersion: 1 });
  });

  it('uploads ~40 MB in parallel parts (concurrency 3), retries a failed part without double-counting progress, and verifies it on download', async () => {
    const bytes = zipBytes(40 * MiB + 12345);
    const dir = mkdtempSync(join(tmpdir(), 'fileport-sdk-'));
    temporaryDirs.push(dir);
    const path = join(dir, 'big.zip');
    writeFileSync(path, bytes);
    const puts: number[] = [];
    let failed = false;
    let inFlight = 0;
    let maxInFlight = 0;
    const flaky: FetchLike = async (url, init) => {
      if (!isPartPut(url, init)) return fetch(url, init);
      puts.push(partNumberOf(url));
      if (partNumberOf(url) === 2 && !failed) {
        failed = true;
        // Drain part of the body first, so the failed attempt had already reported bytes.
        const reader = (init?.body as ReadableStream<Uint8Array>).getReader();
        for (let i = 0; i < 8; i++) await reader.read();
        throw new TypeError('connection reset (injected)');
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await fetch(url, init);
      } finally {
        inFlight--;
      }
    };
    const events: Progress[] = [];
    const started: unknown[] = [];
    const fileport = createClient({ baseUrl: local.stack().apiUrl, token: local.stack().token, fetch: flaky, concurrency: 3, partSize: 5 * MiB, retry: { baseDelayMs: 50 } });
    const result = await fileport.files.upload(await fromPath(path), { name: 'Big.zip', fileTypeId: 'zip', onProgress: (p) => events.push(p), onUploadStarted: (p) => void started.push(p) });
    // A multipart upload declares the whole file's CRC-64/NVME, which S3 checks at completion and keeps.
    expect(result).toMatchObject({ method: 'multipart', checksumSha256: null, checksumCrc64nvme: await crc64nvme(bytes), size: bytes.length });
    expect(started).toEqual([{ fileId: result.file.id, uploadId: result.uploadId }]);
    expect(result.partsSent).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(puts.filter((n) => n === 2)).toHaveLength(2);
    expect(puts).toHaveLength(10);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThan(1);
    expectWellFormed(events, bytes.length);

    const file = await fileport.files.waitUntilProcessed(result.file.id);
    // Processing took S3's verified CRC instead of reading the object for a SHA-256.
    expect(file).toMatchObject({ status: 'ready', size: bytes.length, checksumSha256: null, checksumCrc64nvme: await crc64nvme(bytes), unavailable: { checksumSha256: { code: 'CHECKSUM_NOT_COMPUTED' } } });
    const downloaded: Progress[] = [];
    const download = await fileport.files.download(file.id, { onProgress: (p) => downloaded.push(p) });
    expect(download).toMatchObject({ verified: true, checksumSha256: null, checksumCrc64nvme: await crc64nvme(bytes) });
    expect(Buffer.from(download.bytes).equals(Buffer.from(bytes))).toBe(true);
    expectWellFormed(downloaded, bytes.length);
  });

  it('resumes after a crash: only the parts S3 does not hold are sent, and the file ends ready with the declared checksum (its CRC-64/NVME)', async () => {
    const bytes = zipBytes(6 * 5 * MiB + 100);
    const controller = new AbortController();
    const done: number[] = [];
    let uploadId = '';
    let fileId = '';
    const crashing: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (isPartPut(url, init) && response.ok) {
        done.push(partNumberOf(url));
        if (done.length === 3) controller.abort(new Error('crash (simulated)'));
      }
      return response;
    };
    const first = createClient({ baseUrl: local.stack().apiUrl, token: local.stack().token, fetch: crashing, concurrency: 2, partSize: 5 * MiB });
    const interrupted = await first.files
      .upload(bytes, { name: 'Resumed.zip', fileTypeId: 'zip', signal: controller.signal, onUploadStarted: (p) => void ({ fileId, uploadId } = p) })
      .catch((e: unknown) => e);
    expect(interrupted).toBeInstanceOf(FileportError);
    expect(interrupted).toMatchObject({ code: 'ABORTED', resume: { fileId, uploadId } });
    expect((await first.files.get(fileId)).status).toBe('pending');

    const sent: number[] = [];
    const counting: FetchLike = (url, init) => {
      if (isPartPut(url, init)) sent.push(partNumberOf(url));
      return fetch(url, init);
    };
    const events: Progress[] = [];
    const second = createClient({ baseUrl: local.stack().apiUrl, token: local.stack().token, fetch: counting });
    const result = await second.files.resumeUpload(fileId, uploadId, new Blob([bytes]), { onProgress: (p) => events.push(p) });
    const held = [1, 2, 3, 4, 5, 6, 7].filter((n) => !result.partsSent.includes(n));
    expect(held.length).toBeGreaterThanOrEqual(3);
    for (const n of done) expect(result.partsSent).not.toContain(n);
    expect(sent.sort()).toEqual(result.partsSent);
    expect(events[0]?.loaded).toBeGreaterThanOrEqual(3 * 5 * MiB);
    expectWellFormed(events, bytes.length);
    // The declared CRC rides in the upload id: the resumed upload is checked against it too.
    expect(await second.files.waitUntilProcessed(fileId)).toMatchObject({ status: 'ready', size: bytes.length, checksumCrc64nvme: await crc64nvme(bytes) });
    // Completed: the upload id names nothing any more.
    await expect(second.files.resumeUpload(fileId, uploadId, new Uint8Array(10))).rejects.toMatchObject({ code: 'UPLOAD_NOT_FOUND', status: 404 });
  });
});

describe('SDK downloads, sharing, settings and errors', () => {
  it('verifies downloads: a tampered body is CHECKSUM_MISMATCH; streams verify at their end', async () => {
    const bytes = new TextEncoder().encode('integrity matters\n'.repeat(1000));
    const fileport = client();
    const { file } = await fileport.files.upload(bytes, { name: 'notes.txt', fileTypeId: 'txt' });
    await fileport.files.waitUntilProcessed(file.id);

    const streamed = await fileport.files.download(file.id, { as: 'stream' });
    expect(Buffer.from(await new Response(streamed.stream).arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

    const api = local.stack().apiUrl;
    const tampering: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (url.startsWith(api)) return response;
      const body = new Uint8Array(await response.arrayBuffer());
      body[10] = (body[10] as number) ^ 1;
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const fooled = client(tampering);
    await expect(fooled.files.download(file.id)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', details: { expected: sha256(bytes) } });
    const stream = (await fooled.files.download(file.id, { as: 'stream' })).stream;
    await expect(new Response(stream).arrayBuffer()).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
  });

  it('share tokens: create, list, download as the holder, delete', async () => {
    const fileport = client();
    const bytes = new TextEncoder().encode('shared,data\n1,2\n');
    const { file } = await fileport.files.upload(bytes, { name: 'table.csv', fileTypeId: 'csv' });
    await fileport.files.waitUntilProcessed(file.id);
    const token = await fileport.tokens.create(file.id, { accessLevel: 'read' });
    expect(token.token).toMatch(/^fps_/);
    expect((await fileport.tokens.list(file.id)).map((t) => t.id)).toEqual([token.id]);

    const holder = createClient({ baseUrl: local.stack().apiUrl }).shared(token.token);
    expect(await holder.get()).toMatchObject({ id: file.id, name: 'table.csv' });
    const download = await holder.download();
    expect(download).toMatchObject({ verified: true, checksumSha256: sha256(bytes) });
    expect(new TextDecoder().decode(download.bytes)).toBe('shared,data\n1,2\n');
    await expect(holder.delete()).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });

    await fileport.tokens.delete(file.id, token.id);
    await expect(holder.get()).rejects.toMatchObject({ status: 404, code: 'SHARE_TOKEN_NOT_FOUND' });
  });

  it('settings: an admin reads and changes them; a writer gets 403', async () => {
    const adminToken = await local.api().tokenFor('sdk-tenant', ['files:admin'], 'admin');
    const admin = client(undefined, adminToken);
    const before = await admin.settings.get();
    expect(before).toMatchObject({ disableForceDownloadForMimeTypes: [], warnings: [] });
    const after = await admin.settings.update({ downloadUrlTtlSeconds: 120 });
    expect(after).toMatchObject({ ...before, downloadUrlTtlSeconds: 120 });
    expect((await admin.settings.get()).downloadUrlTtlSeconds).toBe(120);

    const writer = client(undefined, await local.api().tokenFor('sdk-tenant', ['files:read', 'files:write'], 'w'));
    const denied = await writer.settings.get().catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PermissionError);
    expect(denied).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('typed errors carry the API code: 404 FILE_NOT_FOUND, 403 on another member\'s file, 409 ALREADY_UPLOADED', async () => {
    const missing = await client().files.get('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ status: 404, code: 'FILE_NOT_FOUND', message: expect.stringContaining('was not found') });

    const api = local.api();
    const alice = client(undefined, await api.tokenFor('demo', ['files:read', 'files:write'], 'alice'));
    const bob = client(undefined, await api.tokenFor('demo', ['files:read', 'files:write'], 'bob'));
    const { file } = await alice.files.upload(new TextEncoder().encode('mine'), { name: 'alice.txt', fileTypeId: 'txt' });
    await expect(bob.files.delete(file.id)).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
    // Once processing has recorded the content, a writer without files:overwrite cannot replace it.
    await alice.files.waitUntilProcessed(file.id);
    await expect(alice.files.upload(new TextEncoder().encode('again'), { fileId: file.id })).rejects.toMatchObject({ status: 409, code: 'ALREADY_UPLOADED' });
    expect((await alice.fileTypes.list()).map((t) => t.id)).toContain('pdf');
    await alice.files.delete(file.id);
  });

  it('runs the README quickstart (client/examples/quickstart.ts)', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await quickstart(local.stack().apiUrl, local.stack().token)).toMatchObject({ text: 'Hello, Fileport!\n', sharedName: 'hello.txt' });
    } finally {
      log.mockRestore();
    }
  });
});

describe('S3 refusals reach the caller as a StorageError naming the cause, never as XML', () => {
  /** S3's refusal as the SDK gives it: a StorageError with the code, S3's words kept apart from the message. */
  async function refusal(promise: Promise<unknown>): Promise<StorageError> {
    const error = await promise.then(
      () => {
        throw new Error('S3 accepted what it should have refused');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    const refused = error as StorageError;
    expect(refused.message).not.toMatch(/[<>]/);
    // S3's request id, what AWS support asks for, stays on the error (the emulator sends one as S3 does).
    expect(refused.s3?.requestId).toMatch(/^[0-9A-F]{16}$/);
    return refused;
  }
  const emulator = () => new S3Client({ endpoint: local.stack().s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const txt = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;

  it('a grant whose signed header was changed on the way: S3_SIGNATURE_MISMATCH, sent once (another attempt would be refused the same way)', async () => {
    const puts: number[] = [];
    const tampering: FetchLike = async (url, init) => {
      if (init?.method !== 'PUT' || !url.includes('X-Amz-Signature')) return fetch(url, init);
      const headers = Object.fromEntries(Object.entries(init.headers as Record<string, string>).map(([name, value]) => [name, name.toLowerCase() === 'content-type' ? 'text/html' : value]));
      const response = await fetch(url, { ...init, headers });
      puts.push(response.status);
      return response;
    };
    const fileport = createClient({ baseUrl: local.stack().apiUrl, token: local.stack().token, fetch: tampering, retry: { baseDelayMs: 10 } });
    const error = await refusal(fileport.files.upload(txt('signed headers matter\n'), { name: 'signed.txt', fileTypeId: 'txt' }));
    expect(error).toMatchObject({ status: 403, code: 'S3_SIGNATURE_MISMATCH', s3: { code: 'SignatureDoesNotMatch' } });
    expect(error.message).toContain('a signed header is missing or differs (send every header the grant listed, unchanged)');
    expect(puts).toEqual([403]);
  });

  it('an upload URL used a second time: S3_URL_ALREADY_USED (412), and the first bytes stay', async () => {
    const api = local.api();
    const id = await api.create({ name: 'once.txt', fileTypeId: 'txt' });
    const first = txt('first bytes\n');
    const grant = (await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: first.length } })).body;
    const put = (body: Uint8Array<ArrayBuffer>) => putBytes({ url: grant.url, headers: grant.headers, body, what: 'the file' }, { fetch, transport: 'fetch-stream' });
    await put(first);
    const error = await refusal(put(txt('other bytes\n')));
    expect(error).toMatchObject({ status: 412, code: 'S3_URL_ALREADY_USED', s3: { code: 'PreconditionFailed' } });
    expect(error.message).toMatch(/^This upload URL was already used/);
    const settled = await api.settled(id);
    expect(settled).toMatchObject({ status: 'ready', checksumSha256: sha256(first) });
  });

  it('bytes that do not match the SHA-256 the URL was signed with: S3_CHECKSUM_MISMATCH, and nothing is stored', async () => {
    const api = local.api();
    const id = await api.create({ name: 'digest.txt', fileTypeId: 'txt' });
    const declared = txt('the bytes that were hashed\n');
    const sent = txt('the bytes that were sent!!\n');
    expect(sent.length).toBe(declared.length);
    const grant = (await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: declared.length, checksumSha256: sha256(declared) } })).body;
    const error = await refusal(putBytes({ url: grant.url, headers: grant.headers, body: sent, what: 'the file' }, { fetch, transport: 'fetch-stream' }));
    expect(error).toMatchObject({ status: 400, code: 'S3_CHECKSUM_MISMATCH', s3: { code: 'BadDigest' } });
    expect(error.message).toContain('the bytes do not match the declared checksum');
    const s3 = new EmulatorS3(local.stack().s3Endpoint);
    try {
      expect(await s3.exists(grant.url)).toBe(false);
    } finally {
      s3.close();
    }
  });

  it('an expired URL: S3_URL_EXPIRED, "ask the API for a new one"', async () => {
    // The API's shortest URL lifetime is minutes; a URL of one second, signed as the API signs, shows what S3 answers.
    const s3 = emulator();
    try {
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'fileport-local', Key: `expiry-test/${Date.now()}` }), { expiresIn: 1 });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const error = await refusal(putBytes({ url, headers: {}, body: txt('late\n'), what: 'the file' }, { fetch, transport: 'fetch-stream' }));
      expect(error).toMatchObject({ status: 403, code: 'S3_URL_EXPIRED', s3: { code: 'AccessDenied', message: 'Request has expired' } });
      expect(error.message).toMatch(/^The URL for the file expired: ask the API for a new one\./);
    } finally {
      s3.destroy();
    }
  });

  it('a part sent after its multipart upload was aborted: S3_UPLOAD_NOT_FOUND', async () => {
    const api = local.api();
    const id = await api.create({ name: 'parts.zip', fileTypeId: 'zip' });
    const size = 6 * MiB;
    const upload = await api.call('POST', `/v1/files/${id}/multipart`, { body: { size, partChecksums: false } });
    expect(upload.status).toBe(201);
    const part = upload.body.parts[0];
    expect((await api.call('DELETE', `/v1/files/${id}/multipart/${upload.body.uploadId}`)).status).toBe(204);
    const error = await refusal(putBytes({ url: part.url, headers: part.headers, body: zipBytes(Math.min(size, upload.body.partSize)), what: 'part 1' }, { fetch, transport: 'fetch-stream' }));
    expect(error).toMatchObject({ status: 404, code: 'S3_UPLOAD_NOT_FOUND', s3: { code: 'NoSuchUpload' } });
    expect(error.message).toMatch(/^The multipart upload of part 1 no longer exists/);
  });

  it('a download whose object S3 no longer holds: S3_OBJECT_NOT_FOUND', async () => {
    const fileport = client();
    const { file } = await fileport.files.upload(txt('soon gone\n'), { name: 'gone.txt', fileTypeId: 'txt' });
    await fileport.files.waitUntilProcessed(file.id);
    const grant = await fileport.files.downloadUrl(file.id);
    const { bucket, key } = EmulatorS3.objectOf(grant.url);
    const s3 = emulator();
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } finally {
      s3.destroy();
    }
    const error = await refusal(fileport.files.download(file.id));
    expect(error).toMatchObject({ status: 404, code: 'S3_OBJECT_NOT_FOUND', s3: { code: 'NoSuchKey' } });
    expect(error.message).toMatch(/^S3 has no object for the download/);
  });
});
