import sharp from 'sharp';
import { encryptPdf } from '../support/encrypt-pdf';
import { MAX_IMAGE_BYTES } from '../../lambdas/inspect/make-thumbnails';
import { pngDeclaring } from '../support/png-bomb';
import { Api, expectError } from './support/api';
import { makePdf, startStack, useStack, type RunningStack } from './support/local-stack';

jest.setTimeout(120_000);

const local = useStack();
let api: Api;
beforeAll(() => {
  api = local.api();
});


async function createWithGrant(name: string, fileTypeId: string) {
  const created = await api.call('POST', '/v1/files', { body: { name, fileTypeId } });
  const grant = await api.call('PUT', `/v1/files/${created.body.id}/upload`);
  return { id: created.body.id as string, grant: grant.body as { url: string; headers: Record<string, string> } };
}

describe('content the client cannot be trusted with', () => {
  it('fails a truncated PDF as CORRUPT_FILE, with its real size', async () => {
    const pdf = await makePdf(20);
    const truncated = pdf.subarray(0, Math.floor(pdf.length / 2));
    const id = await api.upload({ name: 'broken.pdf', fileTypeId: 'pdf' }, truncated);
    const file = await api.settled(id);
    expect(file).toMatchObject({ status: 'failed', size: truncated.length, pageCount: null, error: { code: 'CORRUPT_FILE' } });
    expect(file.error.message.length).toBeGreaterThan(0);
  });

  it('fails a PDF that needs a password to open as ENCRYPTED_FILE', async () => {
    const pdf = await encryptPdf(await makePdf(4, { useObjectStreams: true }), { cipher: 'aes-256', userPassword: 'secret', useObjectStreams: true });
    const id = await api.upload({ name: 'locked.pdf', fileTypeId: 'pdf' }, pdf);
    const file = await api.settled(id);
    expect(file).toMatchObject({ status: 'failed', size: pdf.length, pageCount: null, error: { code: 'ENCRYPTED_FILE' } });
    expect(file.error.message).toMatch(/password/);
  });

  it('counts the pages of a PDF encrypted with an owner password only, which opens without one', async () => {
    const pdf = await encryptPdf(await makePdf(6, { useObjectStreams: true }), { cipher: 'rc4-128', ownerPassword: 'owner', useObjectStreams: true });
    const id = await api.upload({ name: 'no-copying.pdf', fileTypeId: 'pdf' }, pdf);
    expect(await api.settled(id)).toMatchObject({ status: 'ready', size: pdf.length, pageCount: 6, error: null });
  });

  it('fails an image uploaded to a PDF file with the PDF Content-Type as CONTENT_MISMATCH', async () => {
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#00f' } }).png().toBuffer();
    const id = await api.upload({ name: 'not-a-pdf.pdf', fileTypeId: 'pdf' }, png, 'application/pdf');
    const file = await api.settled(id);
    expect(file).toMatchObject({ status: 'failed', size: png.length, error: { code: 'CONTENT_MISMATCH' } });
    // Failed content is only ever handed out as an attachment, never rendered, even of a type
    // the tenant lets be inline.
    const before = await api.setInlineTypes(['application/pdf', 'image/*']);
    const download = await api.call('GET', `/v1/files/${id}/download?disposition=inline`);
    expect(download.status).toBe(200);
    expect((await fetch(download.body.url)).headers.get('content-disposition')).toMatch(/^attachment;/);
    await api.setInlineTypes(before);
    expectError(await api.call('GET', `/v1/files/${id}/thumbnails/small`), 404, 'NO_THUMBNAIL');
  });

  it('fails a JPEG uploaded to a PNG file', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#0f0' } }).jpeg().toBuffer();
    const id = await api.upload({ name: 'x.png', fileTypeId: 'png' }, jpeg, 'image/png');
    expect(await api.settled(id)).toMatchObject({ status: 'failed', error: { code: 'CONTENT_MISMATCH' } });
  });

  it('refuses a decompression bomb from its header and fails an empty upload', async () => {
    const bomb = pngDeclaring(60_000, 60_000);
    const bombId = await api.upload({ name: 'bomb.png', fileTypeId: 'png' }, bomb);
    expect(await api.settled(bombId)).toMatchObject({ status: 'failed', size: bomb.length, thumbnails: [], error: { code: 'IMAGE_TOO_LARGE' } });
    const emptyId = await api.upload({ name: 'empty.pdf', fileTypeId: 'pdf' }, new Uint8Array());
    expect(await api.settled(emptyId)).toMatchObject({ status: 'failed', size: 0, error: { code: 'EMPTY_FILE' } });
  });

  it('fails a 16×16 PNG padded past the 256 MiB image cap as FILE_TOO_LARGE, and keeps its bytes', async () => {
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#f0f' } }).png().toBuffer();
    // A 16×16 PNG and 257 MiB of zeros, which sharp would ignore after the PNG's end.
    const padded = Buffer.alloc(MAX_IMAGE_BYTES + 1024 ** 2);
    png.copy(padded);
    const id = await api.upload({ name: 'padded.png', fileTypeId: 'png' }, padded);
    const file = await api.settled(id, 180_000);
    expect(file).toMatchObject({ status: 'failed', size: padded.length, thumbnails: [], error: { code: 'FILE_TOO_LARGE' } });
    expect(file.error.message).toContain(String(padded.length));
    expectError(await api.call('GET', `/v1/files/${id}/thumbnails/small`), 404, 'NO_THUMBNAIL');
    // Failed, not removed: the bytes are still there to download.
    const download = await api.call('GET', `/v1/files/${id}/download`);
    expect(download.status).toBe(200);
    const start = await fetch(download.body.url, { headers: { range: `bytes=0-${png.length - 1}` } });
    expect(start.headers.get('content-range')).toBe(`bytes 0-${png.length - 1}/${padded.length}`);
    expect(Buffer.from(await start.arrayBuffer()).equals(png)).toBe(true);
  }, 240_000);

  it('keeps processing the next file after a bad one', async () => {
    const pdf = await makePdf(3);
    const id = await api.upload({ name: 'good.pdf', fileTypeId: 'pdf' }, pdf);
    expect(await api.settled(id)).toMatchObject({ status: 'ready', pageCount: 3 });
  });
});

describe('what S3 refuses', () => {
  it('refuses an upload with another Content-Type than the signed one', async () => {
    const { id, grant } = await createWithGrant('doc.pdf', 'pdf');
    const put = await fetch(grant.url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<script>alert(1)</script>' });
    expect(put.status).toBe(403);
    expect((await api.call('GET', `/v1/files/${id}`)).body.status).toBe('pending');
  });

  it('refuses a body of another size than the signed Content-Length', async () => {
    const created = await api.call('POST', '/v1/files', { body: { name: 'doc.pdf', fileTypeId: 'pdf' } });
    const grant = await api.call('PUT', `/v1/files/${created.body.id}/upload`, { body: { size: 10 } });
    const put = await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: 'x'.repeat(11) });
    expect(put.status).toBe(403);
  });

  it('refuses headers the URL did not sign (an ACL, more metadata) as S3 does: 403 AccessDenied, HeadersNotSigned', async () => {
    const { id, grant } = await createWithGrant('doc.pdf', 'pdf');
    const extras: Record<string, string>[] = [{ 'x-amz-acl': 'public-read' }, { 'x-amz-meta-overwrite-too': 'true' }];
    for (const extra of extras) {
      const put = await fetch(grant.url, { method: 'PUT', headers: { ...grant.headers, ...extra }, body: await makePdf(1) });
      const text = await put.text();
      expect({ status: put.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] }).toEqual({ status: 403, code: 'AccessDenied' });
      expect(text).toContain(`<HeadersNotSigned>${Object.keys(extra)[0]}</HeadersNotSigned>`);
    }
    expect((await api.call('GET', `/v1/files/${id}`)).body.status).toBe('pending');
  });

  it('refuses a tampered URL', async () => {
    const { grant } = await createWithGrant('doc.pdf', 'pdf');
    const url = new URL(grant.url);
    const signature = url.searchParams.get('X-Amz-Signature') as string;
    url.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    expect((await fetch(url, { method: 'PUT', headers: grant.headers, body: '%PDF-1.7' })).status).toBe(403);

    const otherKey = new URL(grant.url);
    otherKey.pathname = otherKey.pathname.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'));
    expect((await fetch(otherKey, { method: 'PUT', headers: grant.headers, body: '%PDF-1.7' })).status).toBe(403);
  });
});

describe('tenant isolation', () => {
  it("answers 404 for another tenant's file on every route, and never lists it", async () => {
    const id = await api.upload({ name: 'secret.pdf', fileTypeId: 'pdf', tags: ['secret'] }, await makePdf(1));
    await api.settled(id);
    const other = api.as(await api.tokenFor('other-tenant', ['files:read', 'files:write', 'files:admin']));

    expectError(await other.call('GET', `/v1/files/${id}`), 404, 'FILE_NOT_FOUND');
    expectError(await other.call('PATCH', `/v1/files/${id}`, { body: { name: 'mine now' } }), 404, 'FILE_NOT_FOUND');
    expectError(await other.call('PUT', `/v1/files/${id}/upload`), 404, 'FILE_NOT_FOUND');
    expectError(await other.call('GET', `/v1/files/${id}/download`), 404, 'FILE_NOT_FOUND');
    expectError(await other.call('GET', `/v1/files/${id}/thumbnails/small`), 404, 'FILE_NOT_FOUND');
    expectError(await other.call('DELETE', `/v1/files/${id}`), 404, 'FILE_NOT_FOUND');
    expect((await other.call('GET', '/v1/files')).body.items).toEqual([]);
    expect((await other.call('GET', '/v1/files?tag=secret')).body.items).toEqual([]);

    // Still there, unchanged, for its own tenant.
    expect((await api.call('GET', `/v1/files/${id}`)).body).toMatchObject({ name: 'secret.pdf', status: 'ready' });
  });
});

describe('expired URLs', () => {
  let shortLived: RunningStack;
  beforeAll(async () => {
    shortLived = await startStack({ FILEPORT_UPLOAD_URL_TTL_SECONDS: '1', FILEPORT_DOWNLOAD_URL_TTL_SECONDS: '1' });
  });
  afterAll(() => shortLived?.stop());

  it('refuses an upload URL used after it expired', async () => {
    const short = new Api(shortLived.apiUrl, shortLived.token);
    const created = await short.call('POST', '/v1/files', { body: { name: 'late.pdf', fileTypeId: 'pdf' } });
    const grant = await short.call('PUT', `/v1/files/${created.body.id}/upload`);
    expect(new URL(grant.body.url).searchParams.get('X-Amz-Expires')).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const put = await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: await makePdf(1) });
    expect(put.status).toBe(403);
    expect(await put.text()).toMatch(/expired/i);
  });
});
