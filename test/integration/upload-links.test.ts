import sharp from 'sharp';
import { Api, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';
import { postForm } from './support/parts';

jest.setTimeout(180_000);

const local = useStack();
let owner: Api;
let colleague: Api;
let stranger: Api;
let anonymous: Api;

beforeAll(async () => {
  const api = local.api();
  owner = api.as(await api.tokenFor('acme', ['files:read', 'files:write'], 'owner'));
  colleague = api.as(await api.tokenFor('acme', ['files:read', 'files:write'], 'colleague'));
  stranger = api.as(await api.tokenFor('other', ['files:admin'], 'owner'));
  anonymous = api.as('');
});

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
const png = () => sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer().then((b) => new Uint8Array(b));

/** As an anonymous holder: no JWT, the link's secret in the path. */
const holder = (method: string, path: string, body?: unknown) => anonymous.call(method, path, { token: null, ...(body !== undefined && { body }) });

async function fileLink(fileId: string, body: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const created = await owner.call('POST', `/v1/files/${fileId}/tokens`, { body: { accessLevel: 'upload', expiresAt: inAnHour(), ...body } });
  expect(created.status).toBe(201);
  return created.body;
}

async function dropBox(body: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const created = await owner.call('POST', '/v1/upload-links', { body: { expiresAt: inAnHour(), ...body } });
  expect(created.status).toBe(201);
  return created.body;
}

async function putThrough(grant: { url: string; headers: Record<string, string> }, bytes: Uint8Array): Promise<number> {
  return (await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: Buffer.from(bytes) })).status;
}

/** The rate limit counts per fixed minute: a burst that must fall in one starts with 20 s left in it at least. */
async function outsideAWindowBoundary(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 250));
}

describe('an upload link of a file', () => {
  it('lets its holder, with no account, upload the content through a PUT URL; the version is the link’s and is processed like any', async () => {
    const id = await owner.create({ name: 'Photo.png', fileTypeId: 'png' });
    const link = await fileLink(id);
    expect(link).toMatchObject({ accessLevel: 'upload', fileId: id, upload: { overwrite: false, maxSize: null } });
    const bytes = await png();
    const grant = await holder('PUT', `/v1/shared/${link.token}/upload`, { size: bytes.length });
    expect(grant.status).toBe(200);
    expect(await putThrough(grant.body, bytes)).toBe(200);
    const file = await owner.settled(id);
    expect(file).toMatchObject({ status: 'ready', createdBy: 'owner', size: bytes.length, thumbnails: expect.arrayContaining([expect.objectContaining({ size: 'small' })]) });
    expect((await owner.call('GET', `/v1/files/${id}/versions`)).body.items).toEqual([expect.objectContaining({ version: 1, uploadedBy: `token:${link.id}`, status: 'ready' })]);
    // One upload only: the owner lacks files:overwrite, and so does the link.
    expectError(await holder('PUT', `/v1/shared/${link.token}/upload`), 409, 'ALREADY_UPLOADED');
    expectError(await owner.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'upload', expiresAt: inAnHour() } }), 409, 'ALREADY_UPLOADED');
  });

  it('does nothing else: every other shared route refuses it, and other tokens cannot upload', async () => {
    const id = await owner.upload({ name: 'Lease.pdf', fileTypeId: 'pdf' }, await makePdf(1));
    await owner.settled(id);
    const other = await owner.create({ name: 'Other.pdf', fileTypeId: 'pdf' });
    const link = await fileLink(other);
    const t = link.token;
    for (const [method, path, body] of [
      ['GET', `/v1/shared/${t}`],
      ['PATCH', `/v1/shared/${t}`, { name: 'x.pdf' }],
      ['DELETE', `/v1/shared/${t}`],
      ['GET', `/v1/shared/${t}/download`],
      ['GET', `/v1/shared/${t}/thumbnails/small`],
      ['POST', `/v1/shared/${t}/tokens`, { accessLevel: 'full' }],
      ['GET', `/v1/shared/${t}/tokens`],
      ['DELETE', `/v1/shared/${t}/tokens/${link.id}`],
      // A file's link creates no files.
      ['POST', `/v1/shared/${t}/files`, { name: 'x.pdf', fileTypeId: 'pdf' }],
    ] as const) {
      expectError(await holder(method, path, body), 403, 'FORBIDDEN');
    }
    // It sees no other file, not even through a drop box's routes.
    expectError(await holder('PUT', `/v1/shared/${t}/files/${id}/upload`), 404, 'FILE_NOT_FOUND');
    expectError(await holder('PUT', `/v1/shared/${t}/files/${other}/upload`), 404, 'FILE_NOT_FOUND');
    // Nor is it a JWT.
    expect((await anonymous.call('GET', `/v1/files/${other}`, { token: t })).status).toBe(401);
    const read = (await owner.call('POST', `/v1/files/${other}/tokens`, { body: { accessLevel: 'read' } })).body.token;
    const full = (await owner.call('POST', `/v1/files/${other}/tokens`, { body: { accessLevel: 'full' } })).body.token;
    for (const secret of [read, full]) {
      expectError(await holder('PUT', `/v1/shared/${secret}/upload`), 403, 'FORBIDDEN');
      expectError(await holder('POST', `/v1/shared/${secret}/multipart`, { size: 10 }), 403, 'FORBIDDEN');
    }
    // A full token cannot mint an upload link.
    expectError(await holder('POST', `/v1/shared/${full}/tokens`, { accessLevel: 'upload', expiresAt: inAnHour() }), 400, 'VALIDATION_ERROR');
  });

  it('is bounded by its maxSize: declared, and checked again by processing on what arrived', async () => {
    const id = await owner.create({ name: 'Notes.txt', fileTypeId: 'txt' });
    const link = await fileLink(id, { maxSize: 100 });
    expectError(await holder('PUT', `/v1/shared/${link.token}/upload`, { size: 101 }), 413, 'FILE_TOO_LARGE');
    expectError(await holder('POST', `/v1/shared/${link.token}/multipart`, { size: 101 }), 413, 'FILE_TOO_LARGE');
    const form = await holder('POST', `/v1/shared/${link.token}/upload-form`);
    expect(form.body.maxFileSize).toBe(100);
    // A PUT URL without a declared size: the bytes arrive, and processing refuses them visibly.
    const grant = await holder('PUT', `/v1/shared/${link.token}/upload`);
    expect(await putThrough(grant.body, new TextEncoder().encode('x'.repeat(200)))).toBe(200);
    expect(await owner.settled(id)).toMatchObject({ status: 'failed', error: { code: 'FILE_TOO_LARGE' } });
  });

  it('must expire, stops at its expiry, and stops when deleted', async () => {
    const id = await owner.create({ name: 'Notes.txt', fileTypeId: 'txt' });
    expectError(await owner.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'upload' } }), 400, 'VALIDATION_ERROR');
    const soon = await fileLink(id, { expiresAt: new Date(Date.now() + 2000).toISOString() });
    expect((await holder('PUT', `/v1/shared/${soon.token}/upload`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expectError(await holder('PUT', `/v1/shared/${soon.token}/upload`), 404, 'SHARE_TOKEN_NOT_FOUND');
    const link = await fileLink(id);
    expect((await holder('PUT', `/v1/shared/${link.token}/upload`)).status).toBe(200);
    expect((await owner.call('DELETE', `/v1/files/${id}/tokens/${link.id}`)).status).toBe(204);
    expectError(await holder('PUT', `/v1/shared/${link.token}/upload`), 404, 'SHARE_TOKEN_NOT_FOUND');
  });

  it('is held to its own rate limit, counted in the table', async () => {
    const id = await owner.create({ name: 'Notes.txt', fileTypeId: 'txt' });
    const link = await fileLink(id, { requestsPerMinute: 3 });
    await outsideAWindowBoundary();
    for (let i = 0; i < 3; i++) expect((await holder('PUT', `/v1/shared/${link.token}/upload`)).status).toBe(200);
    const limited = await holder('PUT', `/v1/shared/${link.token}/upload`);
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('a drop box', () => {
  it('creates files of the tenant through a form, multipart and a PUT URL, as the link, up to maxFiles of the types it allows', async () => {
    const box = await dropBox({ fileTypeIds: ['png', 'txt'], maxFiles: 3, tags: ['inbox'], links: [{ type: 'claim', id: 'C-7' }] });
    expectError(await holder('POST', `/v1/shared/${box.token}/files`, { name: 'a.pdf', fileTypeId: 'pdf' }), 400, 'FILE_TYPE_NOT_ALLOWED');
    // A drop box uploads to files of its own, named in the path.
    expectError(await holder('PUT', `/v1/shared/${box.token}/upload`), 404, 'FILE_NOT_FOUND');
    expectError(await holder('GET', `/v1/shared/${box.token}`), 403, 'FORBIDDEN');

    const create = async (name: string, fileTypeId: string) => {
      const created = await holder('POST', `/v1/shared/${box.token}/files`, { name, fileTypeId });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(String), name, fileTypeId, status: 'pending', createdAt: expect.any(String), expiresAt: expect.any(String) });
      return created.body.id as string;
    };

    const image = await png();
    const viaForm = await create('photo.png', 'png');
    const form = await holder('POST', `/v1/shared/${box.token}/files/${viaForm}/upload-form`);
    expect((await postForm(form.body.url, form.body.fields, new Uint8Array(image), { type: 'image/png' })).status).toBe(201);

    const viaParts = await create('notes.txt', 'txt');
    const text = new TextEncoder().encode('dropped through a link\n');
    const started = await holder('POST', `/v1/shared/${box.token}/files/${viaParts}/multipart`, { size: text.length });
    expect(started.status).toBe(201);
    const [part] = started.body.parts;
    const put = await fetch(part.url, { method: 'PUT', headers: part.headers, body: Buffer.from(text) });
    expect(put.status).toBe(200);
    const status = await holder('GET', `/v1/shared/${box.token}/files/${viaParts}/multipart/${started.body.uploadId}`);
    expect(status.body.missingPartNumbers).toEqual([]);
    const done = await holder('POST', `/v1/shared/${box.token}/files/${viaParts}/multipart/${started.body.uploadId}/complete`, {
      parts: [{ partNumber: 1, etag: put.headers.get('etag') }],
    });
    expect(done.status).toBe(204);

    const viaPut = await create('second.png', 'png');
    const grant = await holder('PUT', `/v1/shared/${box.token}/files/${viaPut}/upload`, { size: image.length });
    expect(await putThrough(grant.body, image)).toBe(200);

    expectError(await holder('POST', `/v1/shared/${box.token}/files`, { name: 'fourth.png', fileTypeId: 'png' }), 409, 'UPLOAD_LINK_FULL');

    for (const id of [viaForm, viaParts, viaPut]) {
      const file = await colleague.settled(id);
      expect(file).toMatchObject({ status: 'ready', createdBy: `token:${box.id}`, tags: ['inbox'], links: [{ type: 'claim', id: 'C-7' }] });
      expect((await colleague.call('GET', `/v1/files/${id}/versions`)).body.items[0].uploadedBy).toBe(`token:${box.id}`);
    }
    expect((await colleague.settled(viaForm)).thumbnails.length).toBeGreaterThan(0);
    const listed = (await colleague.call('GET', '/v1/upload-links')).body.items.find((t: { id: string }) => t.id === box.id);
    expect(listed).toMatchObject({ fileId: null, upload: { filesCreated: 3, maxFiles: 3 } });
    expect(JSON.stringify(listed)).not.toContain(box.token);
    // The tenant finds what came through the link by its creator.
    const found = await owner.call('GET', `/v1/files?createdBy=${encodeURIComponent(`token:${box.id}`)}`);
    expect(found.body.items.map((f: { id: string }) => f.id).sort()).toEqual([viaForm, viaParts, viaPut].sort());
  });

  it('counts its files atomically: concurrent creations never pass maxFiles', async () => {
    const box = await dropBox({ maxFiles: 2 });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => holder('POST', `/v1/shared/${box.token}/files`, { name: `f${i}.txt`, fileTypeId: 'txt' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 409, 409, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409)) expectError(refused, 409, 'UPLOAD_LINK_FULL');
  });

  it('stays in its tenant, answers only for files it created, and stops working once deleted', async () => {
    const box = await dropBox();
    const mine = (await holder('POST', `/v1/shared/${box.token}/files`, { name: 'a.txt', fileTypeId: 'txt' })).body.id;
    const members = await owner.create({ name: 'm.txt', fileTypeId: 'txt' });
    const foreign = await stranger.create({ name: 'f.txt', fileTypeId: 'txt' });
    // A multipart upload through it can be given up: S3 frees the parts, and the upload is gone.
    const started = (await holder('POST', `/v1/shared/${box.token}/files/${mine}/multipart`, { size: 10 })).body;
    expect((await holder('DELETE', `/v1/shared/${box.token}/files/${mine}/multipart/${started.uploadId}`)).status).toBe(204);
    expectError(await holder('GET', `/v1/shared/${box.token}/files/${mine}/multipart/${started.uploadId}`), 404, 'UPLOAD_NOT_FOUND');
    for (const id of [members, foreign]) expectError(await holder('PUT', `/v1/shared/${box.token}/files/${id}/upload`), 404, 'FILE_NOT_FOUND');
    expectError(await stranger.call('GET', `/v1/files/${mine}`), 404, 'FILE_NOT_FOUND');
    expect((await colleague.call('GET', `/v1/files/${mine}`)).status).toBe(200);
    expect((await stranger.call('GET', '/v1/upload-links')).body.items.map((t: { id: string }) => t.id)).not.toContain(box.id);
    expectError(await stranger.call('DELETE', `/v1/upload-links/${box.id}`), 404, 'SHARE_TOKEN_NOT_FOUND');
    expectError(await colleague.call('DELETE', `/v1/upload-links/${box.id}`), 403, 'FORBIDDEN');
    expect((await owner.call('DELETE', `/v1/upload-links/${box.id}`)).status).toBe(204);
    expectError(await holder('PUT', `/v1/shared/${box.token}/files/${mine}/upload`), 404, 'SHARE_TOKEN_NOT_FOUND');
    expectError(await holder('POST', `/v1/shared/${box.token}/files`, { name: 'b.txt', fileTypeId: 'txt' }), 404, 'SHARE_TOKEN_NOT_FOUND');
    // Its files stay the tenant's.
    expect((await owner.call('GET', `/v1/files/${mine}`)).status).toBe(200);
  });

  it('must expire, and names only known types', async () => {
    expectError(await owner.call('POST', '/v1/upload-links', { body: {} }), 400, 'VALIDATION_ERROR');
    expectError(await owner.call('POST', '/v1/upload-links', { body: { expiresAt: inAnHour(), fileTypeIds: ['nope'] } }), 400, 'UNKNOWN_FILE_TYPE');
    expect((await anonymous.call('POST', '/v1/upload-links', { token: null, body: { expiresAt: inAnHour() } })).status).toBe(401);
  });
});
