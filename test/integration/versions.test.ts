import { createHash } from 'node:crypto';
import { Api, eventually, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';
import { postForm } from './support/parts';
import { EmulatorS3 } from './support/s3';

jest.setTimeout(180_000);

// Three versions kept, so pruning shows after a fourth upload.
const local = useStack({ FILEPORT_MAX_VERSIONS: '3' });
let alice: Api;
let service: Api;
let s3: EmulatorS3;
beforeAll(async () => {
  const api = local.api();
  alice = api.as(await api.tokenFor('demo', ['files:read', 'files:write'], 'alice'));
  service = api.as(await api.tokenFor('demo', ['files:read', 'files:write', 'files:overwrite'], 'billing-service'));
  s3 = new EmulatorS3(local.stack().s3Endpoint);
});
afterAll(() => s3?.close());

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

/** A grant for `id` as `who`, used to PUT `bytes`; the settled file once processing shows them. */
async function uploadVersion(who: Api, id: string, bytes: Uint8Array<ArrayBuffer>) {
  const grant = await who.call('PUT', `/v1/files/${id}/upload`);
  expect(grant.status).toBe(200);
  expect((await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: bytes })).status).toBe(200);
  return eventually(() => who.settled(id), (f) => f.checksumSha256 === sha256(bytes));
}

async function download(who: Api, id: string, query = '') {
  const answer = await who.call('GET', `/v1/files/${id}/download${query}`);
  expect(answer.status).toBe(200);
  return { ...answer.body, bytes: Buffer.from(await (await fetch(answer.body.url)).arrayBuffer()) };
}

describe('versions', () => {
  let id: string;
  const contents: Uint8Array<ArrayBuffer>[] = [];
  const firstDownloadUrls: string[] = [];

  it('makes every upload a version of its own; a plain writer may not replace content, a service with files:overwrite may', async () => {
    id = await alice.create({ name: 'Rent roll.pdf', fileTypeId: 'pdf' });
    contents.push(await makePdf(1));
    expect(await uploadVersion(alice, id, contents[0]!)).toMatchObject({ status: 'ready', pageCount: 1, contentVersion: 1 });

    expectError(await alice.call('PUT', `/v1/files/${id}/upload`), 409, 'ALREADY_UPLOADED');

    for (const pages of [2, 3]) {
      contents.push(await makePdf(pages));
      expect(await uploadVersion(service, id, contents[pages - 1]!)).toMatchObject({ status: 'ready', pageCount: pages, contentVersion: pages, size: contents[pages - 1]!.length });
    }
    const versions = await alice.call('GET', `/v1/files/${id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.items).toEqual(
      [3, 2, 1].map((n) => ({
        version: n,
        size: contents[n - 1]!.length,
        checksumSha256: sha256(contents[n - 1]!),
        // Single PUTs without a declared checksum: hashed by processing; the emulator adds no CRC of its own.
        checksumCrc64nvme: null,
        pageCount: n,
        unavailable: {},
        uploadedAt: expect.any(String),
        uploadedBy: n === 1 ? 'alice' : 'billing-service',
        status: 'ready',
        error: null,
        // The local stack scans nothing unless asked (FILEPORT_MALWARE_SCANNING).
        scan: { status: 'skipped', completedAt: null },
      })),
    );
  });

  it('serves an older version by number, with its own checksum; unknown numbers are VERSION_NOT_FOUND', async () => {
    const current = await download(alice, id);
    expect(current).toMatchObject({ version: 3, checksumSha256: sha256(contents[2]!) });
    expect(current.bytes.equals(Buffer.from(contents[2]!))).toBe(true);
    for (const n of [1, 2]) {
      const older = await download(alice, id, `?version=${n}`);
      expect(older).toMatchObject({ version: n, checksumSha256: sha256(contents[n - 1]!) });
      expect(sha256(older.bytes)).toBe(older.checksumSha256);
      firstDownloadUrls.push(older.url);
    }
    expectError(await alice.call('GET', `/v1/files/${id}/download?version=4`), 404, 'VERSION_NOT_FOUND');
    expectError(await alice.call('GET', `/v1/files/${id}/download?version=first`), 400, 'VALIDATION_ERROR');
    const other = alice.as(await alice.tokenFor('acme', ['files:read', 'files:write', 'files:admin']));
    expectError(await other.call('GET', `/v1/files/${id}/versions`), 404, 'FILE_NOT_FOUND');
    expectError(await other.call('GET', `/v1/files/${id}/download?version=1`), 404, 'FILE_NOT_FOUND');
  });

  it('keeps the configured number of versions: the oldest goes, object and all', async () => {
    contents.push(await makePdf(4));
    await uploadVersion(service, id, contents[3]!);
    const versions = (await alice.call('GET', `/v1/files/${id}/versions`)).body.items;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([4, 3, 2]);
    expectError(await alice.call('GET', `/v1/files/${id}/download?version=1`), 404, 'VERSION_NOT_FOUND');
    // The URL handed out for version 1 before finds nothing; version 2's still works.
    expect((await fetch(firstDownloadUrls[0]!)).status).toBe(404);
    expect((await fetch(firstDownloadUrls[1]!)).status).toBe(200);
  });

  it('deletes every version with the file', async () => {
    const urls = await Promise.all([2, 3, 4].map(async (n) => (await download(alice, id, `?version=${n}`)).url));
    expect((await alice.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
    for (const url of urls) expect(await s3.exists(url)).toBe(false);
  });
});

describe('two upload URLs issued before any content arrived', () => {
  it('keep the first upload; the second, from a grant that could not overwrite, is refused, deleted, and shown as a failed version ALREADY_UPLOADED', async () => {
    const id = await alice.create({ name: 'Race.pdf', fileTypeId: 'pdf' });
    const first = (await alice.call('PUT', `/v1/files/${id}/upload`)).body;
    const second = (await alice.call('PUT', `/v1/files/${id}/upload`)).body;
    const firstBytes = await makePdf(1);
    expect((await fetch(first.url, { method: 'PUT', headers: first.headers, body: firstBytes })).status).toBe(200);
    expect(await alice.settled(id)).toMatchObject({ status: 'ready', checksumSha256: sha256(firstBytes) });

    // S3 takes the second upload (its URL is valid); processing refuses it, and says so.
    const secondBytes = await makePdf(2);
    expect((await fetch(second.url, { method: 'PUT', headers: second.headers, body: secondBytes })).status).toBe(200);
    expect(await eventually(() => s3.exists(second.url), (exists) => !exists)).toBe(false);
    const versions = await eventually(
      async () => (await alice.call('GET', `/v1/files/${id}/versions`)).body.items as { version: number }[],
      (items) => items.length === 2,
    );
    expect(versions).toEqual([
      {
        version: 2,
        size: secondBytes.length,
        checksumSha256: null,
        checksumCrc64nvme: null,
        pageCount: null,
        unavailable: {},
        uploadedAt: expect.any(String),
        uploadedBy: 'alice',
        status: 'failed',
        error: { code: 'ALREADY_UPLOADED', message: expect.stringContaining('already had content') },
        scan: { status: 'skipped', completedAt: null },
      },
      expect.objectContaining({ version: 1, status: 'ready', checksumSha256: sha256(firstBytes) }),
    ]);
    // The file is still its first content: ready, version 1, and that is what downloads.
    expect(await alice.call('GET', `/v1/files/${id}`)).toMatchObject({ body: { status: 'ready', pageCount: 1, contentVersion: 1, checksumSha256: sha256(firstBytes), error: null } });
    const current = await download(alice, id);
    expect(current).toMatchObject({ version: 1, checksumSha256: sha256(firstBytes) });
    expect(current.bytes.equals(Buffer.from(firstBytes))).toBe(true);
    expectError(await alice.call('GET', `/v1/files/${id}/download?version=2`), 409, 'NOT_UPLOADED');
  });

  it('cannot be turned into an overwrite by changing the signed metadata header', async () => {
    const id = await alice.create({ name: 'Tamper.pdf', fileTypeId: 'pdf' });
    const grant = (await alice.call('PUT', `/v1/files/${id}/upload`)).body;
    expect(grant.headers['x-amz-meta-overwrite']).toBe('false');
    const put = await fetch(grant.url, { method: 'PUT', headers: { ...grant.headers, 'x-amz-meta-overwrite': 'true' }, body: await makePdf(1) });
    expect(put.status).toBe(403);
  });
});

describe('an upload URL or form used again after its content was accepted', () => {
  it('a PUT URL: S3 refuses the second PUT (412 PreconditionFailed) and the file keeps its content', async () => {
    const id = await alice.create({ name: 'Once.pdf', fileTypeId: 'pdf' });
    const grant = (await alice.call('PUT', `/v1/files/${id}/upload`)).body;
    expect(grant.headers['If-None-Match']).toBe('*');
    const first = await makePdf(1);
    expect((await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: first })).status).toBe(200);
    const ready = await alice.settled(id);
    expect(ready).toMatchObject({ status: 'ready', contentVersion: 1, checksumSha256: sha256(first) });
    expectError(await alice.call('PUT', `/v1/files/${id}/upload`), 409, 'ALREADY_UPLOADED');

    const again = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: await makePdf(5) });
    expect({ status: again.status, text: await again.text() }).toEqual({ status: 412, text: expect.stringContaining('<Code>PreconditionFailed</Code>') });
    // Even without the signed condition header: the signature then fails.
    const { 'If-None-Match': _condition, ...unconditional } = grant.headers;
    expect((await fetch(grant.url, { method: 'PUT', headers: unconditional, body: await makePdf(5) })).status).toBe(403);
    const after = (await alice.call('GET', `/v1/files/${id}`)).body;
    expect(after).toMatchObject({ status: 'ready', contentVersion: 1, checksumSha256: sha256(first), pageCount: 1, version: ready.version });
    expect((await download(alice, id)).bytes.equals(Buffer.from(first))).toBe(true);
  });

  it('a form (which S3 cannot make conditional): the second upload is refused by processing, visibly: the version fails UPLOAD_REUSED, its object is deleted and an audit line names it', async () => {
    const id = await alice.create({ name: 'Form once.pdf', fileTypeId: 'pdf' });
    const form = (await alice.call('POST', `/v1/files/${id}/upload-form`)).body;
    const first = await makePdf(1);
    expect((await postForm(form.url, form.fields, first, { type: 'application/pdf' })).status).toBe(201);
    expect(await alice.settled(id)).toMatchObject({ status: 'ready', contentVersion: 1, checksumSha256: sha256(first) });

    expect((await postForm(form.url, form.fields, await makePdf(5), { type: 'application/pdf' })).status).toBe(201);
    const failed = await eventually(() => alice.settled(id), (f) => f.status === 'failed');
    expect(failed).toMatchObject({ status: 'failed', contentVersion: 1, pageCount: 1, checksumSha256: sha256(first), error: { code: 'UPLOAD_REUSED', message: expect.stringContaining('used again') } });
    expect((await alice.call('GET', `/v1/files/${id}/versions`)).body.items).toEqual([
      expect.objectContaining({ version: 1, status: 'failed', error: expect.objectContaining({ code: 'UPLOAD_REUSED' }) }),
    ]);
    expect(await eventually(() => s3.exists(`${form.url}${form.fields.key}`), (exists) => !exists)).toBe(false);
    const [line] = await local.stack().awaitAuditLines((l) => l.fields.action === 'upload-reused' && l.fields.fileId === id);
    expect(line?.fields).toMatchObject({ audit: true, tenantId: 'demo', principal: { type: 'user', id: 'alice' }, key: form.fields.key, version: 1 });
    expectError(await alice.call('GET', `/v1/files/${id}/download`), 409, 'NOT_UPLOADED');
    // Replacing what was lost still needs files:overwrite: a plain writer cannot start over.
    expectError(await alice.call('PUT', `/v1/files/${id}/upload`), 409, 'ALREADY_UPLOADED');
    const restored = await makePdf(2);
    expect(await uploadVersion(service, id, restored)).toMatchObject({ status: 'ready', contentVersion: 2 });
  });
});
