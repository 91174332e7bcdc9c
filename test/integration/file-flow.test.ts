import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { Api, eventually, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';

jest.setTimeout(120_000);

const local = useStack();
let api: Api;
beforeAll(() => {
  api = local.api();
});


describe('the core flow: create, upload, process, download, delete', () => {
  it('counts the pages of an uploaded PDF and serves it back as an attachment', async () => {
    const pdf = await makePdf(7);
    const created = await api.call('POST', '/v1/files', {
      body: { name: 'Contract – Müller', fileTypeId: 'pdf', tags: ['contract', 'signed'], externalId: 'ext-1', links: [{ type: 'contract', id: 'C-1' }] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/files/${created.body.id}`);
    expect(created.body).toMatchObject({
      name: 'Contract – Müller',
      fileTypeId: 'pdf',
      mimeType: 'application/pdf',
      extension: 'pdf',
      status: 'pending',
      size: null,
      pageCount: null,
      thumbnails: [],
      tags: ['contract', 'signed'],
      externalId: 'ext-1',
      links: [{ type: 'contract', id: 'C-1' }],
      createdBy: 'demo-user',
      uploadedAt: null,
      checksumSha256: null,
      contentVersion: null,
      version: 1,
      error: null,
    });
    // Temporary until content arrives: 24 hours by default.
    expect(Date.parse(created.body.expiresAt) - Date.parse(created.body.createdAt)).toBe(24 * 3600 * 1000);
    const id: string = created.body.id;

    expectError(await api.call('GET', `/v1/files/${id}/download`), 409, 'NOT_UPLOADED');

    const grant = await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: pdf.length } });
    expect(grant.status).toBe(200);
    expect(grant.body.method).toBe('PUT');
    // The grant travels in signed metadata headers: who uploads, whether it may replace content, and
    // the largest object it allows (5 GiB by default), which processing checks on what arrives.
    // `If-None-Match: *` makes S3 create the object once: the URL cannot replace what it uploaded.
    expect(grant.body.headers).toEqual({
      'Content-Type': 'application/pdf',
      'If-None-Match': '*',
      'x-amz-meta-uploaded-by': 'demo-user',
      'x-amz-meta-overwrite': 'true',
      'x-amz-meta-max-size': String(5 * 1024 ** 3),
    });
    const url = new URL(grant.body.url);
    // Object keys are opaque: nothing of the tenant, the user or the name.
    expect(url.pathname).not.toMatch(/demo|Contract|M%C3%BCller/i);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;if-none-match;x-amz-meta-max-size;x-amz-meta-overwrite;x-amz-meta-uploaded-by');
    const expiresIn = Date.parse(grant.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);

    const put = await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: pdf });
    expect(put.status).toBe(200);

    const file = await api.settled(id);
    const checksumSha256 = createHash('sha256').update(pdf).digest('base64');
    // Its first page is its preview (test/integration/pdf-previews.test.ts compares the pixels).
    expect(file).toMatchObject({ status: 'ready', size: pdf.length, pageCount: 7, error: null, thumbnails: [expect.objectContaining({ size: 'small' }), expect.objectContaining({ size: 'medium' })], checksumSha256, contentVersion: 1, expiresAt: null });
    expect(file.version).toBeGreaterThan(1);
    expect(Date.parse(file.uploadedAt)).not.toBeNaN();

    const download = await api.call('GET', `/v1/files/${id}/download`);
    expect(download.status).toBe(200);
    expect(download.body).toMatchObject({ version: 1, checksumSha256 });
    const got = await fetch(download.body.url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(got.headers.get('content-disposition')).toBe(
      `attachment; filename="Contract _ M_ller.pdf"; filename*=UTF-8''Contract%20%E2%80%93%20M%C3%BCller.pdf`,
    );
    expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);

    // Inline only for types the tenant lists in its settings.
    expectError(await api.call('GET', `/v1/files/${id}/download?disposition=inline`), 400, 'INLINE_NOT_ALLOWED');
    const before = await api.setInlineTypes(['application/pdf']);
    const inline = await api.call('GET', `/v1/files/${id}/download?disposition=inline`);
    const inlineGot = await fetch(inline.body.url);
    expect(inlineGot.headers.get('content-disposition')).toMatch(/^inline; filename="Contract _ M_ller.pdf"/);
    await api.setInlineTypes(before);

    const redirected = await api.call('GET', `/v1/files/${id}/download?redirect=true`);
    expect(redirected.status).toBe(302);
    expect((await fetch(redirected.headers.get('location') as string)).status).toBe(200);

    const thumbnail = await api.call('GET', `/v1/files/${id}/thumbnails/small`);
    expect(thumbnail.status).toBe(200);

    expect((await api.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
    expectError(await api.call('GET', `/v1/files/${id}`), 404, 'FILE_NOT_FOUND');
    expectError(await api.call('GET', `/v1/files/${id}/download`), 404, 'FILE_NOT_FOUND');
    // The content went with the metadata: the URL handed out before the delete finds nothing.
    expect((await fetch(download.body.url)).status).toBe(404);
    expect((await fetch(thumbnail.body.url)).status).toBe(404);
  });

  it('makes WebP thumbnails of an image, auto-oriented and without metadata', async () => {
    // 1200×800 pixels stored, EXIF orientation 6: shown 800×1200.
    const jpeg = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const created = await api.call('POST', '/v1/files', { body: { name: 'photo.jpg', fileTypeId: 'jpeg' } });
    const id: string = created.body.id;
    expectError(await api.call('GET', `/v1/files/${id}/thumbnails/small`), 409, 'THUMBNAIL_NOT_READY');

    const grant = await api.call('PUT', `/v1/files/${id}/upload`);
    expect(grant.status).toBe(200);
    expect((await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: jpeg })).status).toBe(200);

    const file = await api.settled(id);
    expect(file.status).toBe('ready');
    expect(file.size).toBe(jpeg.length);
    expect(file.pageCount).toBeNull();
    expect(file.thumbnails).toEqual([
      { size: 'small', width: 171, height: 256 },
      { size: 'medium', width: 683, height: 1024 },
    ]);

    for (const [size, width, height] of [['small', 171, 256], ['medium', 683, 1024]] as const) {
      const thumb = await api.call('GET', `/v1/files/${id}/thumbnails/${size}`);
      expect(thumb.status).toBe(200);
      expect(thumb.body).toMatchObject({ width, height });
      const got = await fetch(thumb.body.url);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('image/webp');
      const meta = await sharp(Buffer.from(await got.arrayBuffer())).metadata();
      expect(meta).toMatchObject({ format: 'webp', width, height });
      expect(meta.exif).toBeUndefined();
    }
    expectError(await api.call('GET', `/v1/files/${id}/thumbnails/huge`), 400, 'VALIDATION_ERROR');
  });

  it('recomputes everything when the same file is uploaded again', async () => {
    const id = await api.upload({ name: 'report.pdf', fileTypeId: 'pdf' }, await makePdf(2));
    expect((await api.settled(id)).pageCount).toBe(2);
    const second = await makePdf(5);
    const grant = await api.call('PUT', `/v1/files/${id}/upload`);
    expect((await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: second })).status).toBe(200);
    const file = await eventually(() => api.settled(id), (f) => f.pageCount === 5);
    expect(file).toMatchObject({ status: 'ready', pageCount: 5, size: second.length, contentVersion: 2 });
  });

  it('hands out a different upload URL on every request', async () => {
    const created = await api.call('POST', '/v1/files', { body: { name: 'a.txt', fileTypeId: 'txt' } });
    const urls = await Promise.all([1, 2, 3].map(() => api.call('PUT', `/v1/files/${created.body.id}/upload`)));
    expect(new Set(urls.map((u) => u.body.url)).size).toBe(3);
  });
});
