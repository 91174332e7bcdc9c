import { createHash } from 'node:crypto';
import { eventually } from './support/api';
import { makePdf, useStack, type AuditLine } from './support/local-stack';
import { postForm } from './support/parts';

jest.setTimeout(120_000);

const local = useStack();

interface Grant {
  url: string;
  headers: Record<string, string>;
}

async function grantFor(id: string): Promise<Grant> {
  const grant = await local.api().call('PUT', `/v1/files/${id}/upload`);
  expect(grant.status).toBe(200);
  return grant.body;
}

async function put(grant: Grant, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
  expect((await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: bytes })).status).toBe(200);
}

const keyOf = (grant: Grant) => new URL(grant.url).pathname.split('/').slice(2).join('/');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

async function eventsFor(key: string): Promise<any[]> {
  return (await local.api().call('GET', `/_dev/s3-events?key=${encodeURIComponent(key)}`, { token: null })).body.items;
}

async function deliver(...records: any[]): Promise<void> {
  for (const record of records) expect((await local.api().call('POST', '/_dev/s3-events', { token: null, body: record })).status).toBe(202);
  // Processing is asynchronous; a stale event changes nothing, so there is nothing to wait for but time.
  await new Promise((resolve) => setTimeout(resolve, 1500));
}

describe('S3 events delivered twice or out of order', () => {
  it("leave the newest version current: a late event for an older version's key, and a duplicate of the newest", async () => {
    const api = local.api();
    const id = (await api.call('POST', '/v1/files', { body: { name: 'versions.pdf', fileTypeId: 'pdf' } })).body.id as string;
    const first = await grantFor(id);
    await put(first, await makePdf(2));
    expect((await api.settled(id)).pageCount).toBe(2);
    const second = await grantFor(id);
    await put(second, await makePdf(5));
    const newest = await eventually(() => api.settled(id), (f) => f.pageCount === 5);
    expect(newest).toMatchObject({ status: 'ready', pageCount: 5, contentVersion: 2 });
    const versions = (await api.call('GET', `/v1/files/${id}/versions`)).body;

    const [older] = await eventsFor(keyOf(first));
    const [newer] = await eventsFor(keyOf(second));
    await deliver(older, newer, older);
    expect((await api.call('GET', `/v1/files/${id}`)).body).toEqual(newest);
    expect((await api.call('GET', `/v1/files/${id}/versions`)).body).toEqual(versions);
  });

  it('refuse a form used again after its content was accepted once, whatever order its events come in', async () => {
    const api = local.api();
    const id = (await api.call('POST', '/v1/files', { body: { name: 'again.pdf', fileTypeId: 'pdf' } })).body.id as string;
    const form = (await api.call('POST', `/v1/files/${id}/upload-form`)).body;
    const firstBytes = await makePdf(1);
    expect((await postForm(form.url, form.fields, firstBytes, { type: 'application/pdf' })).status).toBe(201);
    expect(await api.settled(id)).toMatchObject({ pageCount: 1, checksumSha256: sha256(firstBytes) });
    // A form cannot be made conditional: S3 takes the second upload, processing refuses it.
    expect((await postForm(form.url, form.fields, await makePdf(4), { type: 'application/pdf' })).status).toBe(201);
    const refused = await eventually(() => api.settled(id), (f) => f.status === 'failed');
    expect(refused).toMatchObject({ status: 'failed', contentVersion: 1, pageCount: 1, checksumSha256: sha256(firstBytes), error: { code: 'UPLOAD_REUSED' } });
    const reused = (line: AuditLine) => line.fields.action === 'upload-reused' && line.fields.fileId === id;
    expect(await local.stack().awaitAuditLines(reused)).toHaveLength(1);

    const events = await eventsFor(form.fields.key);
    expect(events).toHaveLength(2);
    const [older, newer] = events;
    expect(newer.s3.object.sequencer > older.s3.object.sequencer).toBe(true);
    await deliver(older, newer, older);
    expect((await api.call('GET', `/v1/files/${id}`)).body).toEqual(refused);
    expect((await api.call('GET', `/v1/files/${id}/versions`)).body.items).toEqual([
      expect.objectContaining({ version: 1, size: firstBytes.length, checksumSha256: sha256(firstBytes), status: 'failed', error: expect.objectContaining({ code: 'UPLOAD_REUSED' }) }),
    ]);
    expect(await local.stack().awaitAuditLines(reused)).toHaveLength(1);
  });
});
