import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Api, expectError } from './support/api';
import { useStack } from './support/local-stack';

jest.setTimeout(120_000);

const local = useStack();
let api: Api;
beforeAll(() => {
  api = local.api();
});

describe('file types', () => {
  it('lists the shipped file types with stable ids', async () => {
    const response = await api.call('GET', '/v1/file-types');
    expect(response.status).toBe(200);
    const ids = response.body.items.map((t: { id: string }) => t.id);
    expect(ids).toEqual(expect.arrayContaining(['pdf', 'jpeg', 'png', 'webp', 'gif', 'tiff', 'svg', 'txt', 'csv', 'json', 'docx', 'xlsx', 'pptx', 'zip']));
    expect(response.body.items.find((t: { id: string }) => t.id === 'jpeg')).toEqual({
      id: 'jpeg', name: 'JPEG image', mimeTypes: ['image/jpeg'], extension: 'jpg', thumbnails: true, pageCount: false,
      // Since the catalogue became deployment data (config/file-types.json):
      extensions: ['jpg', 'jpeg'], signatures: [{ offset: 0, hex: 'ffd8ff' }], accepts: [], preview: true, activeContent: false,
    });
  });

  it('gets one file type, and 404 for an unknown one', async () => {
    expect((await api.call('GET', '/v1/file-types/pdf')).body).toMatchObject({ id: 'pdf', pageCount: true });
    expectError(await api.call('GET', '/v1/file-types/exe'), 404, 'FILE_TYPE_NOT_FOUND');
  });
});

describe('the OpenAPI document', () => {
  it('is served without a token, as committed in openapi.json', async () => {
    const response = await api.call('GET', '/v1/openapi.json', { token: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8')));
  });
});

describe('authentication and scopes', () => {
  it('answers 401 without a token or with a bad one', async () => {
    expectError(await api.call('GET', '/v1/files', { token: null }), 401, 'UNAUTHORIZED');
    expectError(await api.call('GET', '/v1/files', { token: 'not.a.jwt' }), 401, 'UNAUTHORIZED');
    const [header, payload] = local.stack().token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload as string, 'base64url').toString()), tenant_id: 'other' })).toString('base64url');
    expectError(await api.call('GET', '/v1/files', { token: `${header}.${forged}.${local.stack().token.split('.')[2]}` }), 401, 'UNAUTHORIZED');
  });

  it('answers 403 when the token lacks the route scope', async () => {
    const reader = api.as(await api.tokenFor('demo', ['files:read']));
    expect((await reader.call('GET', '/v1/files')).status).toBe(200);
    expectError(await reader.call('POST', '/v1/files', { body: { name: 'a.pdf', fileTypeId: 'pdf' } }), 403, 'FORBIDDEN');
    const writer = api.as(await api.tokenFor('demo', ['files:write']));
    expectError(await writer.call('GET', '/v1/files'), 403, 'FORBIDDEN');
    const created = await writer.call('POST', '/v1/files', { body: { name: 'a.pdf', fileTypeId: 'pdf' } });
    expect(created.status).toBe(201);
    expectError(await writer.call('GET', `/v1/files/${created.body.id}/download`), 403, 'FORBIDDEN');
    expect((await writer.call('PUT', `/v1/files/${created.body.id}/upload`)).status).toBe(200);
  });

  it('answers 404 in the error format for unknown routes', async () => {
    expectError(await api.call('GET', '/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND');
    expectError(await api.call('POST', '/v1/file-types'), 404, 'ROUTE_NOT_FOUND');
  });
});

describe('input validation', () => {
  const bad: [string, unknown, string][] = [
    ['no name', { fileTypeId: 'pdf' }, 'VALIDATION_ERROR'],
    ['empty name', { name: '', fileTypeId: 'pdf' }, 'VALIDATION_ERROR'],
    ['name of 256 characters', { name: 'a'.repeat(256), fileTypeId: 'pdf' }, 'VALIDATION_ERROR'],
    ['control character in name', { name: 'a\u0007b.pdf', fileTypeId: 'pdf' }, 'VALIDATION_ERROR'],
    ['unknown file type', { name: 'a.exe', fileTypeId: 'exe' }, 'UNKNOWN_FILE_TYPE'],
    ['51 tags', { name: 'a', fileTypeId: 'pdf', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'VALIDATION_ERROR'],
    ['tag of 129 characters', { name: 'a', fileTypeId: 'pdf', tags: ['x'.repeat(129)] }, 'VALIDATION_ERROR'],
    ['tags not an array', { name: 'a', fileTypeId: 'pdf', tags: 'x' }, 'VALIDATION_ERROR'],
    ['51 links', { name: 'a', fileTypeId: 'pdf', links: Array.from({ length: 51 }, (_, i) => ({ type: 'unit', id: `${i}` })) }, 'VALIDATION_ERROR'],
    ['link without id', { name: 'a', fileTypeId: 'pdf', links: [{ type: 'unit' }] }, 'VALIDATION_ERROR'],
    ['unknown field', { name: 'a', fileTypeId: 'pdf', owner: 'me' }, 'VALIDATION_ERROR'],
    ['an array body', [1, 2], 'VALIDATION_ERROR'],
  ];
  it.each(bad)('refuses a new file with %s', async (_, body, code) => {
    expectError(await api.call('POST', '/v1/files', { body }), 400, code);
  });

  it('accepts 255 characters, 50 tags and 50 links', async () => {
    const body = {
      name: 'é'.repeat(255),
      fileTypeId: 'pdf',
      tags: Array.from({ length: 50 }, (_, i) => `tag-${i}`),
      links: Array.from({ length: 50 }, (_, i) => ({ type: 'unit', id: `U-${i}` })),
    };
    const created = await api.call('POST', '/v1/files', { body });
    expect(created.status).toBe(201);
    expect(created.body.tags).toHaveLength(50);
    expect((await api.call('GET', `/v1/files?link=unit:U-49`)).body.items.map((f: { id: string }) => f.id)).toEqual([created.body.id]);
  });

  it('refuses broken JSON, a missing body and oversized bodies', async () => {
    expectError(await api.call('POST', '/v1/files', { rawBody: '{"name":', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON');
    expectError(await api.call('POST', '/v1/files'), 400, 'VALIDATION_ERROR');
    expectError(await api.call('POST', '/v1/files', { body: { name: 'a', fileTypeId: 'pdf', tags: ['x'.repeat(70_000)] } }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 404 for ids that cannot exist and 400 for bad query values', async () => {
    expectError(await api.call('GET', '/v1/files/not-a-uuid'), 404, 'FILE_NOT_FOUND');
    expectError(await api.call('GET', '/v1/files/%E0%A4%A'), 404, 'ROUTE_NOT_FOUND');
    expectError(await api.call('GET', '/v1/files?limit=101'), 400, 'VALIDATION_ERROR');
    expectError(await api.call('GET', '/v1/files?limit=abc'), 400, 'VALIDATION_ERROR');
    expectError(await api.call('GET', '/v1/files?cursor=garbage'), 400, 'INVALID_CURSOR');
    expectError(await api.call('GET', '/v1/files?link=nocolon'), 400, 'VALIDATION_ERROR');
    const created = await api.call('POST', '/v1/files', { body: { name: 'a', fileTypeId: 'pdf' } });
    expectError(await api.call('GET', `/v1/files/${created.body.id}?wait=11`), 400, 'VALIDATION_ERROR');
    expectError(await api.call('GET', `/v1/files/${created.body.id}/download?disposition=sideways`), 400, 'VALIDATION_ERROR');
    expectError(await api.call('PUT', `/v1/files/${created.body.id}/upload`, { body: { size: -1 } }), 400, 'VALIDATION_ERROR');
    // Over the tenant's limit: a 413 of its own. Over anything S3 can store: not a size at all.
    expectError(await api.call('PUT', `/v1/files/${created.body.id}/upload`, { body: { size: 6 * 1024 ** 3 } }), 413, 'FILE_TOO_LARGE');
    expectError(await api.call('PUT', `/v1/files/${created.body.id}/upload`, { body: { size: 6 * 1024 ** 4 } }), 400, 'VALIDATION_ERROR');
  });

  it('keeps a plain SVG', async () => {
    const created = await api.call('POST', '/v1/files', { body: { name: 'logo.svg', fileTypeId: 'svg' } });
    const grant = await api.call('PUT', `/v1/files/${created.body.id}/upload`);
    await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4" onclick-free="1"/></svg>' });
    expect(await api.settled(created.body.id)).toMatchObject({ status: 'ready', error: null });
  });

  it('refuses inline display of active content', async () => {
    const created = await api.call('POST', '/v1/files', { body: { name: 'drawing.svg', fileTypeId: 'svg' } });
    const grant = await api.call('PUT', `/v1/files/${created.body.id}/upload`);
    await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' });
    expect(await api.settled(created.body.id)).toMatchObject({ status: 'failed', error: { code: 'ACTIVE_CONTENT', message: 'The SVG contains a script element.' } });
    expectError(await api.call('GET', `/v1/files/${created.body.id}/download?disposition=inline`), 400, 'INLINE_NOT_ALLOWED');
    const download = await api.call('GET', `/v1/files/${created.body.id}/download`);
    const got = await fetch(download.body.url);
    expect(got.headers.get('content-type')).toBe('image/svg+xml');
    expect(got.headers.get('content-disposition')).toMatch(/^attachment; filename="drawing.svg"/);
  });
});

describe('listing', () => {
  let tenant: Api;
  const ids: string[] = [];
  beforeAll(async () => {
    tenant = api.as(await api.tokenFor('list-tenant', ['files:read', 'files:write']));
    for (let i = 0; i < 7; i++) {
      const created = await tenant.call('POST', '/v1/files', {
        body: { name: `f${i}.txt`, fileTypeId: 'txt', tags: i % 2 === 0 ? ['even'] : ['odd'], externalId: `ext-${i}`, links: [{ type: 'unit', id: `U${i % 3}` }] },
      });
      ids.push(created.body.id);
    }
  });

  it('pages newest first with an opaque cursor, without duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await tenant.call('GET', `/v1/files?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((f: { id: string }) => f.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await tenant.call('GET', '/v1/files')).body.items).toHaveLength(7);
  });

  it('filters by tag, externalId and link', async () => {
    const list = async (q: string) => (await tenant.call('GET', `/v1/files?${q}`)).body.items.map((f: { id: string }) => f.id);
    expect(await list('tag=even')).toEqual([ids[6], ids[4], ids[2], ids[0]]);
    expect(await list('externalId=ext-3')).toEqual([ids[3]]);
    expect(await list('link=unit:U1')).toEqual([ids[4], ids[1]]);
    expect(await list('tag=none')).toEqual([]);
    expectError(await tenant.call('GET', '/v1/files?tag=a&externalId=b'), 400, 'VALIDATION_ERROR');
    // A page of a filtered list continues where it stopped.
    const first = await tenant.call('GET', '/v1/files?tag=even&limit=2');
    const second = await tenant.call('GET', `/v1/files?tag=even&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect([...first.body.items, ...second.body.items].map((f: { id: string }) => f.id)).toEqual([ids[6], ids[4], ids[2], ids[0]]);
    // A cursor of one query does not work for another.
    expectError(await tenant.call('GET', `/v1/files?tag=odd&cursor=${encodeURIComponent(first.body.nextCursor)}`), 400, 'INVALID_CURSOR');
  });

  it('follows tag changes made by PATCH', async () => {
    const id = ids[1] as string;
    const patched = await tenant.call('PATCH', `/v1/files/${id}`, { body: { tags: ['even'], links: [] } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ tags: ['even'], links: [] });
    const even = (await tenant.call('GET', '/v1/files?tag=even')).body.items.map((f: { id: string }) => f.id);
    expect(even).toContain(id);
    expect((await tenant.call('GET', '/v1/files?tag=odd')).body.items.map((f: { id: string }) => f.id)).not.toContain(id);
    expect((await tenant.call('GET', '/v1/files?link=unit:U1')).body.items.map((f: { id: string }) => f.id)).not.toContain(id);
  });
});

describe('updates', () => {
  it('honours If-Match and bumps the version', async () => {
    const created = await api.call('POST', '/v1/files', { body: { name: 'v.txt', fileTypeId: 'txt' } });
    const id = created.body.id;
    expect(created.headers.get('etag')).toBe('"1"');
    const ok = await api.call('PATCH', `/v1/files/${id}`, { body: { name: 'v2.txt', externalId: 'E' }, headers: { 'if-match': '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'v2.txt', externalId: 'E', version: 2 });
    expect(ok.headers.get('etag')).toBe('"2"');
    expectError(await api.call('PATCH', `/v1/files/${id}`, { body: { name: 'v3.txt' }, headers: { 'if-match': '"1"' } }), 412, 'PRECONDITION_FAILED');
    expectError(await api.call('PATCH', `/v1/files/${id}`, { body: {} }), 400, 'VALIDATION_ERROR');
    expectError(await api.call('PATCH', `/v1/files/${id}`, { body: { name: 'x' }, headers: { 'if-match': 'soon' } }), 400, 'INVALID_IF_MATCH');
    expect((await api.call('GET', `/v1/files/${id}`)).body).toMatchObject({ name: 'v2.txt', version: 2 });
  });
});
