import { Api, expectError } from './support/api';
import { useStack } from './support/local-stack';
import { partBytes } from './support/parts';

jest.setTimeout(300_000);

const MiB = 1024 ** 2;
const local = useStack();
let alice: Api;
let bob: Api;
beforeAll(async () => {
  const api = local.api();
  alice = api.as(await api.tokenFor('demo', ['files:read', 'files:write'], 'alice'));
  bob = api.as(await api.tokenFor('other', ['files:read', 'files:write'], 'bob'));
});

/** A part of a zip: the first starts with a zip signature, so processing takes the object as `zip`. */
const zipPart = (n: number, size: number) => {
  const bytes = partBytes(7, n, size);
  if (n === 1) bytes.set([0x50, 0x4b, 0x03, 0x04]);
  return bytes;
};

/** What Uppy 6 does with a request Fileport signed: sends it to S3 as signed, with its headers. */
async function send(signed: { method: string; url: string; headers: Record<string, string> }, body?: BodyInit, headers: Record<string, string> = {}) {
  const response = await fetch(signed.url, { method: signed.method, headers: { ...headers, ...signed.headers }, body });
  return { status: response.status, text: await response.text(), etag: response.headers.get('etag') };
}

const sign = (api: Api, id: string, body: Record<string, unknown>) => api.call('POST', `/v1/files/${id}/upload-requests`, { body });

describe('the signing route (Uppy 6 signRequest) against the S3 emulator', () => {
  it('signs create, parts in Uppy’s 5 MiB, list, complete: the file ends ready with its size', async () => {
    const size = 5 * MiB + 1000;
    const id = await alice.create({ name: 'a.zip', fileTypeId: 'zip' });
    const created = await sign(alice, id, { method: 'POST', key: 'uppy-proposal-a.zip', size });
    expect(created.status).toBe(200);
    const key: string = created.body.key;
    expect(key).toMatch(/^content\/[0-9a-f]{32}\/[0-9a-f]{32}$/);
    const started = await send(created.body, undefined, { 'Content-Type': 'application/octet-stream' });
    expect(started.status).toBe(200);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(started.text)?.[1] as string;
    expect(uploadId).toBeTruthy();

    const etags: string[] = [];
    for (const [n, bytes] of [[1, 5 * MiB], [2, 1000]] as const) {
      const part = await sign(alice, id, { method: 'PUT', key, uploadId, partNumber: n });
      expect(part.status).toBe(200);
      const sent = await send(part.body, zipPart(n, bytes));
      expect(sent.status).toBe(200);
      etags.push((sent.etag ?? '').replaceAll('"', ''));
    }
    const listing = await send((await sign(alice, id, { method: 'GET', key, uploadId })).body);
    expect(listing.status).toBe(200);
    expect(listing.text.match(/<PartNumber>/g)).toHaveLength(2);

    const complete = await sign(alice, id, { method: 'POST', key, uploadId });
    expect(complete.status).toBe(200);
    const xml = `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const completed = await send(complete.body, xml, { 'Content-Type': 'application/xml' });
    expect(completed.status).toBe(200);
    expect(await alice.settled(id)).toMatchObject({ status: 'ready', size, error: null });
  });

  it('signs a PutObject with the declared size: the file ends ready', async () => {
    const id = await alice.create({ name: 'b.zip', fileTypeId: 'zip' });
    const signed = await sign(alice, id, { method: 'PUT', key: 'uppy-proposal-b.zip', contentType: 'application/zip', size: 2000 });
    expect(signed.status).toBe(200);
    expect((await send(signed.body, zipPart(1, 2000))).status).toBe(200);
    expect(await alice.settled(id)).toMatchObject({ status: 'ready', size: 2000 });
  });

  it('signs the grant into the create: the object may not outgrow the declared size (processing fails it), and altered metadata is refused by S3', async () => {
    const id = await alice.create({ name: 'c.zip', fileTypeId: 'zip' });
    const created = (await sign(alice, id, { method: 'POST', key: 'p', size: 5 * MiB })).body;
    const forged = await fetch(created.url, { method: 'POST', headers: { ...created.headers, 'x-amz-meta-max-size': String(50 * MiB) } });
    expect(forged.status).toBe(403);
    const started = await send(created);
    expect(started.status).toBe(200);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(started.text)?.[1] as string;
    const etags: string[] = [];
    for (const n of [1, 2]) {
      const part = (await sign(alice, id, { method: 'PUT', key: created.key, uploadId, partNumber: n })).body;
      etags.push(((await send(part, zipPart(n, 5 * MiB))).etag ?? '').replaceAll('"', ''));
    }
    const complete = (await sign(alice, id, { method: 'POST', key: created.key, uploadId })).body;
    const xml = `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    expect((await send(complete, xml, { 'Content-Type': 'application/xml' })).status).toBe(200);
    expect(await alice.settled(id)).toMatchObject({ status: 'failed', error: { code: 'FILE_TOO_LARGE' } });
  });

  it('signs an abort: S3 then holds no such upload', async () => {
    const id = await alice.create({ name: 'd.zip', fileTypeId: 'zip' });
    const created = (await sign(alice, id, { method: 'POST', key: 'p', size: 6 * MiB })).body;
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec((await send(created)).text)?.[1] as string;
    const aborted = await send((await sign(alice, id, { method: 'DELETE', key: created.key, uploadId })).body);
    expect(aborted.status).toBe(204);
    expect((await send((await sign(alice, id, { method: 'GET', key: created.key, uploadId })).body)).status).toBe(404);
    expectError(await sign(alice, id, { method: 'POST', key: created.key, uploadId }), 404, 'UPLOAD_NOT_FOUND');
  });

  it('refuses every request that is not one of the file’s own upload', async () => {
    const id = await alice.create({ name: 'e.zip', fileTypeId: 'zip' });
    const other = await alice.create({ name: 'f.zip', fileTypeId: 'zip' });
    const otherKey = (await sign(alice, other, { method: 'POST', key: 'p', size: 6 * MiB })).body.key;
    const own = (await sign(alice, id, { method: 'POST', key: 'p', size: 6 * MiB })).body.key;
    for (const body of [
      { method: 'GET', key: own },
      { method: 'GET', key: otherKey },
      { method: 'DELETE', key: own },
      { method: 'HEAD', key: own },
      { method: 'PUT', key: otherKey, uploadId: 'u', partNumber: 1 },
      { method: 'GET', key: otherKey, uploadId: 'u' },
      { method: 'DELETE', key: otherKey, uploadId: 'u' },
      { method: 'PUT', key: 'thumbnails/x', uploadId: 'u', partNumber: 1 },
      { method: 'POST', key: own, uploadId: 'u', partNumber: 1 },
    ]) {
      expectError(await sign(alice, id, body), 400, 'UNSIGNABLE_REQUEST');
    }
    expectError(await sign(alice, id, { method: 'GET', key: own, bucket: 'another-bucket' }), 400, 'VALIDATION_ERROR');
    expectError(await sign(alice, id, { method: 'POST', key: own }), 400, 'VALIDATION_ERROR');
    expectError(await sign(bob, id, { method: 'POST', key: own, size: 10 }), 404, 'FILE_NOT_FOUND');
    expectError(await sign(alice, id, { method: 'POST', key: own, size: 2 * 1024 ** 4 }), 413, 'FILE_TOO_LARGE');
  });
});
