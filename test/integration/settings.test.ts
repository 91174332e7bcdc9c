import { Api, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';

jest.setTimeout(120_000);

const local = useStack();
const TiB = 1024 ** 4;
const GiB = 1024 ** 3;

/** A client of a tenant of its own, with every scope: tests do not see each other's settings. */
async function tenant(name: string, scopes = ['files:read', 'files:write', 'files:admin'], sub = 'admin-1'): Promise<Api> {
  const api = local.api();
  return api.as(await api.tokenFor(name, scopes, sub));
}

/** What a tenant may ask renditions of when it chose nothing else (lambdas/domain/transfer/rendition-spec.ts). */
const defaultRenditions = {
  sizes: [256, 512, 1024, 2048].map((side) => ({ width: side, height: side })),
  fits: ['cover', 'contain', 'inside'],
  formats: ['webp', 'avif', 'jpeg'],
};

const settings = (overrides: Record<string, unknown> = {}) => ({
  disableForceDownloadForMimeTypes: [],
  maxFileSize: 100 * 1024 ** 2,
  downloadUrlTtlSeconds: 900,
  uploadUrlTtlSeconds: 900,
  ...overrides,
});

describe('tenant settings', () => {
  it('answers the deployment\'s defaults before a tenant saved any', async () => {
    const api = await tenant('settings-defaults');
    const got = await api.call('GET', '/v1/settings');
    expect(got.status).toBe(200);
    expect(got.headers.get('cache-control')).toBe('no-store');
    // The local stack's configuration: 15-minute URLs, 5 GiB per PUT and 1 TiB in parts.
    expect(got.body).toEqual({ disableForceDownloadForMimeTypes: [], maxFileSize: TiB, downloadUrlTtlSeconds: 900, uploadUrlTtlSeconds: 900, scanHold: 'hold', renditions: defaultRenditions, warnings: [] });
  });

  it('stores a PUT whole, normalised, and answers it on GET; another tenant keeps its defaults', async () => {
    const a = await tenant('settings-a');
    const b = await tenant('settings-b');
    const put = await a.call('PUT', '/v1/settings', {
      body: settings({ disableForceDownloadForMimeTypes: ['Application/PDF', 'image/PNG', 'application/pdf'], maxFileSize: GiB, downloadUrlTtlSeconds: 60, uploadUrlTtlSeconds: 3600 }),
    });
    expect(put.status).toBe(200);
    const expected = { disableForceDownloadForMimeTypes: ['application/pdf', 'image/png'], maxFileSize: GiB, downloadUrlTtlSeconds: 60, uploadUrlTtlSeconds: 3600, scanHold: 'hold', renditions: defaultRenditions, warnings: [] };
    expect(put.body).toEqual(expected);
    expect((await a.call('GET', '/v1/settings')).body).toEqual(expected);
    expect((await b.call('GET', '/v1/settings')).body).toEqual({ disableForceDownloadForMimeTypes: [], maxFileSize: TiB, downloadUrlTtlSeconds: 900, uploadUrlTtlSeconds: 900, scanHold: 'hold', renditions: defaultRenditions, warnings: [] });
  });

  it('is for admins only: 403 for files:read and files:write callers', async () => {
    for (const scopes of [['files:read'], ['files:write'], ['files:read', 'files:write', 'files:overwrite']]) {
      const api = await tenant('settings-a', scopes, 'someone');
      expectError(await api.call('GET', '/v1/settings'), 403, 'FORBIDDEN');
      expectError(await api.call('PUT', '/v1/settings', { body: settings() }), 403, 'FORBIDDEN');
    }
    const admin = await tenant('settings-admin-only', ['files:admin']);
    expect((await admin.call('PUT', '/v1/settings', { body: settings() })).status).toBe(200);
  });

  it('refuses what is out of bounds with 400, and changes nothing', async () => {
    const api = await tenant('settings-bounds');
    const cases: [unknown, RegExp][] = [
      [settings({ downloadUrlTtlSeconds: 9 }), /downloadUrlTtlSeconds must be a whole number of seconds from 10 to 3600/],
      [settings({ uploadUrlTtlSeconds: 3601 }), /uploadUrlTtlSeconds must be a whole number of seconds from 10 to 3600/],
      [settings({ uploadUrlTtlSeconds: 60.5 }), /uploadUrlTtlSeconds/],
      [settings({ maxFileSize: 0 }), /maxFileSize/],
      [settings({ maxFileSize: TiB + 1 }), new RegExp(`maxFileSize must be a whole number of bytes from 1 to ${TiB}`)],
      [settings({ disableForceDownloadForMimeTypes: ['pdf'] }), /"pdf" is not type\/subtype, type\/\* or \*\/\*/],
      [settings({ disableForceDownloadForMimeTypes: Array.from({ length: 101 }, (_, i) => `application/x-${i}`) }), /at most 100 types/],
      [settings({ disableForceDownloadForMimeTypes: 'application/pdf' }), /disableForceDownloadForMimeTypes/],
      [settings({ maxFileSize: '1000' }), /maxFileSize/],
      [settings({ extra: true }), /extra/],
      [{ maxFileSize: 1000 }, /downloadUrlTtlSeconds/],
    ];
    for (const [body, message] of cases) {
      const response = await api.call('PUT', '/v1/settings', { body });
      expectError(response, 400, 'VALIDATION_ERROR');
      expect(response.body.error.message).toMatch(message);
    }
    expectError(await api.call('PUT', '/v1/settings', { rawBody: '{"maxFileSize":', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON');
    expectError(await api.call('PUT', '/v1/settings'), 400, 'VALIDATION_ERROR');
    expect((await api.call('GET', '/v1/settings')).body.maxFileSize).toBe(TiB);
  });

  it('bounds upload grants by maxFileSize (413 above it, signed into the grant) and gives them uploadUrlTtlSeconds', async () => {
    const api = await tenant('settings-uploads');
    const id = await api.create({ name: 'a.zip', fileTypeId: 'zip' });
    expect((await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: 2000 } })).status).toBe(200);
    expect((await api.call('PUT', '/v1/settings', { body: settings({ maxFileSize: 1000, uploadUrlTtlSeconds: 300 }) })).status).toBe(200);

    expectError(await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: 1001 } }), 413, 'FILE_TOO_LARGE');
    expectError(await api.call('POST', `/v1/files/${id}/upload-form`, { body: { size: 1001 } }), 413, 'FILE_TOO_LARGE');
    expectError(await api.call('POST', `/v1/files/${id}/multipart`, { body: { size: 1001 } }), 413, 'FILE_TOO_LARGE');

    const grant = await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: 1000 } });
    expect(grant.status).toBe(200);
    // Processing checks the object against the limit the grant carries.
    expect(grant.body.headers['x-amz-meta-max-size']).toBe('1000');
    expect(new URL(grant.body.url).searchParams.get('X-Amz-Expires')).toBe('300');
    const expiresIn = Date.parse(grant.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(290_000);
    expect(expiresIn).toBeLessThanOrEqual(300_000);
    const form = await api.call('POST', `/v1/files/${id}/upload-form`);
    expect(form.body.maxFileSize).toBe(1000);
  });

  it('gives download URLs downloadUrlTtlSeconds', async () => {
    const api = await tenant('settings-downloads');
    expect((await api.call('PUT', '/v1/settings', { body: settings({ downloadUrlTtlSeconds: 120 }) })).status).toBe(200);
    const id = await api.upload({ name: 'a.txt', fileTypeId: 'txt' }, Buffer.from('hello'));
    await api.settled(id);
    const download = await api.call('GET', `/v1/files/${id}/download`);
    expect(download.status).toBe(200);
    expect(new URL(download.body.url).searchParams.get('X-Amz-Expires')).toBe('120');
    const expiresIn = Date.parse(download.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(110_000);
    expect(expiresIn).toBeLessThanOrEqual(120_000);
    expect((await fetch(download.body.url)).status).toBe(200);
  });

  it('serves downloads as attachments unless the tenant lists the type; then inline', async () => {
    const api = await tenant('settings-inline');
    const pdf = await makePdf(1);
    const id = await api.upload({ name: 'Lease', fileTypeId: 'pdf' }, pdf);
    expect((await api.settled(id)).status).toBe('ready');
    expectError(await api.call('GET', `/v1/files/${id}/download?disposition=inline`), 400, 'INLINE_NOT_ALLOWED');
    const attachment = await fetch((await api.call('GET', `/v1/files/${id}/download`)).body.url);
    expect(attachment.headers.get('content-disposition')).toMatch(/^attachment; filename="Lease.pdf"/);

    expect((await api.call('PUT', '/v1/settings', { body: settings({ disableForceDownloadForMimeTypes: ['image/*'] }) })).status).toBe(200);
    expectError(await api.call('GET', `/v1/files/${id}/download?disposition=inline`), 400, 'INLINE_NOT_ALLOWED');

    expect((await api.call('PUT', '/v1/settings', { body: settings({ disableForceDownloadForMimeTypes: ['application/pdf'] }) })).status).toBe(200);
    const inline = await api.call('GET', `/v1/files/${id}/download?disposition=inline`);
    expect(inline.status).toBe(200);
    const got = await fetch(inline.body.url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(got.headers.get('content-disposition')).toMatch(/^inline; filename="Lease.pdf"/);
    // Still an attachment when not asked for inline.
    expect((await fetch((await api.call('GET', `/v1/files/${id}/download`)).body.url)).headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('takes */* with a warning, and serves HTML inline as text/plain, never as a page', async () => {
    const api = await tenant('settings-everything');
    const put = await api.call('PUT', '/v1/settings', { body: settings({ disableForceDownloadForMimeTypes: ['*/*'] }) });
    expect(put.status).toBe(200);
    const codes = (body: { warnings: { code: string; message: string }[] }) => body.warnings.map((w) => w.code);
    expect(codes(put.body)).toEqual(['ALL_TYPES_INLINE', 'ACTIVE_CONTENT_AS_TEXT']);
    expect(put.body.warnings[0].message).toMatch(/every file type may be served inline/);
    expect(codes((await api.call('GET', '/v1/settings')).body)).toEqual(['ALL_TYPES_INLINE', 'ACTIVE_CONTENT_AS_TEXT']);

    const html = '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>';
    const id = await api.upload({ name: 'page.html', fileTypeId: 'html' }, Buffer.from(html));
    expect((await api.settled(id)).status).toBe('ready');
    const inline = await fetch((await api.call('GET', `/v1/files/${id}/download?disposition=inline`)).body.url);
    expect(inline.status).toBe(200);
    expect(inline.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(inline.headers.get('content-disposition')).toMatch(/^inline; filename="page.html"/);
    expect(await inline.text()).toBe(html);
    const attachment = await fetch((await api.call('GET', `/v1/files/${id}/download`)).body.url);
    expect(attachment.headers.get('content-type')).toBe('text/html');
    expect(attachment.headers.get('content-disposition')).toMatch(/^attachment;/);
  });
});

describe('audit log', () => {
  it('prints one line per grant, with who, what and until when, and never the signature', async () => {
    const api = await tenant('audit-tenant', ['files:read', 'files:write'], 'auditor-1');
    const id = await api.create({ name: 'a.txt', fileTypeId: 'txt' });
    const grant = await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: 5 } });
    expect(grant.status).toBe(200);
    expect((await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: 'hello' })).status).toBe(200);
    await api.settled(id);
    const download = await api.call('GET', `/v1/files/${id}/download`);
    expect(download.status).toBe(200);
    const signature = new URL(download.body.url).searchParams.get('X-Amz-Signature') as string;
    expect(signature.length).toBeGreaterThan(10);

    const lines = await local.stack().awaitAuditLines((line) => line.fields.fileId === id, 2);
    // Each line also carries its request's context: the id the answer's x-request-id names, the
    // route, and the caller (lambdas/log.ts).
    const contextOf = (answer: { headers: Headers }, routeKey: string) => ({
      requestId: answer.headers.get('x-request-id'),
      correlationId: answer.headers.get('x-request-id'),
      lambdaRequestId: expect.any(String),
      routeKey,
      userId: 'auditor-1',
    });
    expect(lines.map((line) => line.fields)).toEqual([
      {
        level: 'info',
        message: 'url granted',
        time: expect.any(String),
        ...contextOf(grant, 'PUT /v1/files/{id}/upload'),
        audit: true,
        action: 'upload',
        tenantId: 'audit-tenant',
        principal: { type: 'user', id: 'auditor-1' },
        fileId: id,
        expiresAt: grant.body.expiresAt,
        key: new URL(grant.body.url).pathname.replace(/^\/[^/]+\//, ''),
      },
      {
        level: 'info',
        message: 'url granted',
        time: expect.any(String),
        ...contextOf(download, 'GET /v1/files/{id}/download'),
        audit: true,
        action: 'download',
        tenantId: 'audit-tenant',
        principal: { type: 'user', id: 'auditor-1' },
        fileId: id,
        expiresAt: download.body.expiresAt,
        key: new URL(download.body.url).pathname.replace(/^\/[^/]+\//, ''),
        version: 1,
      },
    ]);
    for (const line of lines) {
      expect(line.text).not.toMatch(/signature/i);
      expect(line.text).not.toContain(signature);
      expect(line.text).not.toContain('X-Amz-Credential');
    }
  });
});

describe('PATCH /v1/settings', () => {
  const patch = (api: Api, body: unknown, contentType = 'application/merge-patch+json') =>
    api.call('PATCH', '/v1/settings', { rawBody: JSON.stringify(body), headers: { 'content-type': contentType } });

  it('changes the fields given and keeps the others; null restores a default', async () => {
    const api = await tenant('settings-patch');
    expect((await api.call('PUT', '/v1/settings', { body: settings({ disableForceDownloadForMimeTypes: ['image/png'], maxFileSize: GiB, downloadUrlTtlSeconds: 60 }) })).status).toBe(200);
    const changed = await patch(api, { uploadUrlTtlSeconds: 120 });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('cache-control')).toBe('no-store');
    const expected = { disableForceDownloadForMimeTypes: ['image/png'], maxFileSize: GiB, downloadUrlTtlSeconds: 60, uploadUrlTtlSeconds: 120 };
    expect(changed.body).toMatchObject(expected);
    expect((await api.call('GET', '/v1/settings')).body).toMatchObject(expected);

    // null: the deployment's default again (15 minutes, 1 TiB, no type inline), as before any PUT.
    const restored = await patch(api, { downloadUrlTtlSeconds: null, maxFileSize: null, disableForceDownloadForMimeTypes: ['Image/PNG', 'text/plain'] }, 'application/json; charset=utf-8');
    expect(restored.status).toBe(200);
    const now = { disableForceDownloadForMimeTypes: ['image/png', 'text/plain'], maxFileSize: TiB, downloadUrlTtlSeconds: 900, uploadUrlTtlSeconds: 120 };
    expect(restored.body).toMatchObject(now);
    expect((await api.call('GET', '/v1/settings')).body).toMatchObject(now);
    // An empty patch changes nothing.
    expect((await patch(api, {})).body).toMatchObject(now);
  });

  it('checks the result as a PUT does, naming the field, and changes nothing when it fails', async () => {
    const api = await tenant('settings-patch-bad');
    const tooShort = await patch(api, { downloadUrlTtlSeconds: 5 });
    expectError(tooShort, 400, 'VALIDATION_ERROR');
    expect(tooShort.body.error.message).toContain('downloadUrlTtlSeconds must be a whole number of seconds from 10 to 3600');
    const tooLarge = await patch(api, { maxFileSize: 2 * TiB });
    expectError(tooLarge, 400, 'VALIDATION_ERROR');
    expect(tooLarge.body.error.message).toContain('maxFileSize');
    const unknown = await patch(api, { maxFileSize: GiB, retention: 30 });
    expectError(unknown, 400, 'VALIDATION_ERROR');
    expect(unknown.body.error.message).toContain('retention');
    expectError(await patch(api, { uploadUrlTtlSeconds: '60' }), 400, 'VALIDATION_ERROR');
    expectError(await patch(api, [{ op: 'replace', path: '/maxFileSize', value: 1 }]), 400, 'VALIDATION_ERROR');
    expect((await api.call('GET', '/v1/settings')).body).toMatchObject({ maxFileSize: TiB, downloadUrlTtlSeconds: 900 });
  });

  it('reads a merge patch or JSON only, and needs files:admin', async () => {
    const api = await tenant('settings-patch-type');
    for (const contentType of ['text/plain', 'application/json-patch+json', 'application/x-www-form-urlencoded']) {
      expectError(await patch(api, { uploadUrlTtlSeconds: 60 }, contentType), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expect((await api.call('GET', '/v1/settings')).body.uploadUrlTtlSeconds).toBe(900);
    const writer = await tenant('settings-patch-type', ['files:read', 'files:write'], 'writer');
    expectError(await patch(writer, { uploadUrlTtlSeconds: 60 }), 403, 'FORBIDDEN');
  });

  it('loses no change when admins patch different fields at the same time', async () => {
    const api = await tenant('settings-patch-race');
    const changes = [{ downloadUrlTtlSeconds: 61 }, { uploadUrlTtlSeconds: 62 }, { maxFileSize: GiB }, { disableForceDownloadForMimeTypes: ['image/png'] }];
    const answers = await Promise.all(changes.map((change) => patch(api, change)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect((await api.call('GET', '/v1/settings')).body).toMatchObject(Object.assign({}, ...changes));
  });
});
