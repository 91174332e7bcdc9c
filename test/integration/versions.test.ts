import { createHash } from 'node:crypto';
import { Api, eventually, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';
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
        uploadedAt: expect.any(String),
        uploadedBy: n === 1 ? 'alice' : 'billing-service',
        status: 'ready',
        error: null,
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
  it('keep the first upload; the second, from a grant that could not overwrite, is refused and its object deleted', async () => {
    const id = await alice.create({ name: 'Race.pdf', fileTypeId: 'pdf' });
    const first = (await alice.call('PUT', `/v1/files/${id}/upload`)).body;
    const second = (await alice.call('PUT', `/v1/files/${id}/upload`)).body;
    const firstBytes = await makePdf(1);
    expect((await fetch(first.url, { method: 'PUT', headers: first.headers, body: firstBytes })).status).toBe(200);
    expect(await alice.settled(id)).toMatchObject({ status: 'ready', checksumSha256: sha256(firstBytes) });

    // S3 takes the second upload (its URL is valid); processing refuses it.
    expect((await fetch(second.url, { method: 'PUT', headers: second.headers, body: await makePdf(2) })).status).toBe(200);
    expect(await eventually(() => s3.exists(second.url), (exists) => !exists)).toBe(false);
    expect((await alice.call('GET', `/v1/files/${id}/versions`)).body.items).toEqual([expect.objectContaining({ version: 1, checksumSha256: sha256(firstBytes) })]);
    expect(await alice.call('GET', `/v1/files/${id}`)).toMatchObject({ body: { pageCount: 1, contentVersion: 1 } });
  });

  it('cannot be turned into an overwrite by changing the signed metadata header', async () => {
    const id = await alice.create({ name: 'Tamper.pdf', fileTypeId: 'pdf' });
    const grant = (await alice.call('PUT', `/v1/files/${id}/upload`)).body;
    expect(grant.headers['x-amz-meta-overwrite']).toBe('false');
    const put = await fetch(grant.url, { method: 'PUT', headers: { ...grant.headers, 'x-amz-meta-overwrite': 'true' }, body: await makePdf(1) });
    expect(put.status).toBe(403);
  });
});
