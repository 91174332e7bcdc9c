import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { Api, eventually, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';
import { EmulatorS3 } from './support/s3';

jest.setTimeout(120_000);

const local = useStack();
let alice: Api;
beforeAll(async () => {
  const api = local.api();
  alice = api.as(await api.tokenFor('demo', ['files:read', 'files:write'], 'alice'));
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

describe('POST /v1/files/{id}/copy', () => {
  it("copies the source's current content server-side into a new file that is processed like an upload", async () => {
    const png = await sharp({ create: { width: 800, height: 400, channels: 3, background: '#2a6' } }).png().toBuffer();
    const sourceId = await alice.upload({ name: 'Floor plan.png', fileTypeId: 'png', tags: ['plan'] }, png);
    const source = await alice.settled(sourceId);
    expect(source.status).toBe('ready');

    const copier = alice.as(await alice.tokenFor('demo', ['files:read', 'files:write'], 'bob'));
    const created = await copier.call('POST', `/v1/files/${sourceId}/copy`, { body: { name: 'Floor plan (copy).png', links: [{ type: 'unit', id: 'U-7' }] } });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect(created.headers.get('location')).toBe(`/v1/files/${id}`);
    expect(id).not.toBe(sourceId);
    expect(created.body).toMatchObject({ name: 'Floor plan (copy).png', fileTypeId: 'png', tags: ['plan'], links: [{ type: 'unit', id: 'U-7' }], createdBy: 'bob' });

    const copy = await copier.settled(id);
    expect(copy).toMatchObject({ status: 'ready', size: png.length, checksumSha256: sha256(png), contentVersion: 1, expiresAt: null, thumbnails: source.thumbnails });
    const download = (await copier.call('GET', `/v1/files/${id}/download`)).body;
    expect(Buffer.from(await (await fetch(download.url)).arrayBuffer()).equals(png)).toBe(true);
    expect((await copier.call('GET', `/v1/files/${id}/versions`)).body.items).toEqual([expect.objectContaining({ version: 1, uploadedBy: 'bob', status: 'ready' })]);

    // S3 made the object (a Copy event, no PUT through anyone), under the new file's own key.
    const { key } = EmulatorS3.objectOf(download.url);
    const sourceKey = EmulatorS3.objectOf((await alice.call('GET', `/v1/files/${sourceId}/download`)).body.url).key;
    expect(key).toMatch(new RegExp(`^content/${id.replaceAll('-', '')}/[0-9a-f]{32}$`));
    const events = (await alice.call('GET', `/_dev/s3-events?key=${encodeURIComponent(key)}`, { token: null })).body.items;
    expect(events.map((e: any) => e.eventName)).toEqual(['ObjectCreated:Copy']);
    expect(key).not.toBe(sourceKey);

    // The source is as it was, and stays independent of the copy.
    // The copy is bob's: alice (files:write) may read it but not delete it.
    expectError(await alice.call('DELETE', `/v1/files/${id}`), 403, 'FORBIDDEN');
    expect((await copier.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
    expect((await alice.call('GET', `/v1/files/${sourceId}`)).body).toMatchObject({ status: 'ready', checksumSha256: sha256(png), tags: ['plan'] });
  });

  it('copies the current version, not the first', async () => {
    const admin = local.api();
    const id = await admin.upload({ name: 'Contract.pdf', fileTypeId: 'pdf' }, await makePdf(1));
    await admin.settled(id);
    const second = await makePdf(6);
    await admin.uploadTo(id, second);
    await eventually(() => admin.settled(id), (f) => f.pageCount === 6);
    const copy = await admin.call('POST', `/v1/files/${id}/copy`);
    expect(copy.status).toBe(201);
    expect(await admin.settled(copy.body.id)).toMatchObject({ status: 'ready', pageCount: 6, checksumSha256: sha256(second), name: 'Contract.pdf' });
  });

  it('refuses a source without ready content, another tenant, a reader, and bodies it does not know', async () => {
    const pending = await alice.create({ name: 'Empty.pdf', fileTypeId: 'pdf' });
    expectError(await alice.call('POST', `/v1/files/${pending}/copy`, { body: {} }), 409, 'NOT_UPLOADED');

    const ready = await alice.upload({ name: 'Ready.pdf', fileTypeId: 'pdf' }, await makePdf(1));
    await alice.settled(ready);
    const other = alice.as(await alice.tokenFor('acme', ['files:read', 'files:write', 'files:admin']));
    expectError(await other.call('POST', `/v1/files/${ready}/copy`, { body: {} }), 404, 'FILE_NOT_FOUND');
    const reader = alice.as(await alice.tokenFor('demo', ['files:read']));
    expectError(await reader.call('POST', `/v1/files/${ready}/copy`, { body: {} }), 403, 'FORBIDDEN');
    expectError(await alice.call('POST', `/v1/files/${ready}/copy`, { body: { fileTypeId: 'png' } }), 400, 'VALIDATION_ERROR');
    expect((await other.call('GET', '/v1/files')).body.items).toEqual([]);
  });
});
