import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { LOCAL_BUCKET } from '../../local/stack';
import { Api, eventually, expectError, type ApiResponse } from './support/api';
import { useStack } from './support/local-stack';

jest.setTimeout(120_000);

/**
 * Image renditions on request (issue 16 §4), through the real API of the local stack: made once by
 * sharp in the renditions function and stored beside the thumbnails, then served from S3.
 */
const local = useStack();
let owner: Api;
let anonymous: Api;
beforeAll(async () => {
  const api = local.api();
  owner = api.as(await api.tokenFor('renditions', ['files:read', 'files:write', 'files:overwrite', 'files:admin']));
  anonymous = api.as('');
});

const s3 = () => new S3Client({ endpoint: local.stack().s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });

/** The object key a pre-signed URL of the local bucket names. */
const keyOf = (url: string) => decodeURIComponent(new URL(url).pathname.replace(`/${LOCAL_BUCKET}/`, ''));

async function exists(key: string): Promise<boolean> {
  try {
    await s3().send(new HeadObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/** The sharp runs the request of this answer made: its RenditionMade metric lines (the stack's stdout reaches us a moment after the answer). */
async function sharpRuns(answer: ApiResponse, settleMs = 1_000): Promise<number> {
  const requestId = answer.headers.get('x-request-id');
  const lines = () =>
    local
      .stack()
      .logLines()
      .filter((text) => text.startsWith('{') && text.includes('"RenditionMade"'))
      .map((text) => JSON.parse(text) as { requestId?: string })
      .filter((line) => line.requestId === requestId);
  // Lines that exist arrive within the settle time; none must still be waited for to say none came.
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return lines().length;
}

/** 1200×800 pixels stored, EXIF orientation 6 (shown 800×1200), with a copyright note to strip. */
const photo = () =>
  sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .withMetadata({ orientation: 6, exif: { IFD0: { Copyright: 'private camera' } } })
    .toBuffer();

async function readyPhoto(as: Api = owner): Promise<string> {
  const id = await as.upload({ name: 'holiday.jpg', fileTypeId: 'jpeg' }, await photo());
  expect((await as.settled(id)).status).toBe('ready');
  return id;
}

async function fetched(url: string) {
  const got = await fetch(url);
  expect(got.status).toBe(200);
  return { type: got.headers.get('content-type'), disposition: got.headers.get('content-disposition'), bytes: Buffer.from(await got.arrayBuffer()) };
}

describe('GET /v1/files/{id}/renditions', () => {
  it('makes a rendition once with sharp, then serves the same object from S3', async () => {
    const id = await readyPhoto();
    const before = (await owner.call('GET', `/v1/files/${id}`)).body;
    const first = await owner.call('GET', `/v1/files/${id}/renditions?width=512&height=512&fit=inside&format=avif`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body).toMatchObject({ width: 512, height: 512, fit: 'inside', format: 'avif', version: 1 });
    expect(await sharpRuns(first)).toBe(1);
    // Recorded beside the file, not in it: the file (its version, updatedAt) is as it was.
    expect((await owner.call('GET', `/v1/files/${id}`)).body).toEqual(before);
    const made = await fetched(first.body.url);
    expect(made.type).toBe('image/avif');
    expect(made.disposition).toMatch(/^inline; filename="holiday-512x512-inside\.avif"/);
    // Oriented (portrait: 800×1200 shown), inside the box, and without the photo's metadata.
    const meta = await sharp(made.bytes).metadata();
    expect(meta).toMatchObject({ format: 'heif', compression: 'av1', width: 341, height: 512 });
    expect(meta.exif).toBeUndefined();

    // A change to the file that leaves its content alone leaves its renditions alone.
    expect((await owner.call('PATCH', `/v1/files/${id}`, { body: { tags: ['holiday'] } })).status).toBe(200);
    const second = await owner.call('GET', `/v1/files/${id}/renditions?width=512&height=512&fit=inside&format=avif`);
    expect(second.status).toBe(200);
    expect(await sharpRuns(second)).toBe(0);
    expect(keyOf(second.body.url)).toBe(keyOf(first.body.url));
    expect((await fetched(second.body.url)).bytes.equals(made.bytes)).toBe(true);

    // Another fit and format is another rendition: a JPEG of exactly the box, cropped.
    const cover = await owner.call('GET', `/v1/files/${id}/renditions?width=256&height=256&fit=cover&format=jpeg`);
    expect(await sharpRuns(cover)).toBe(1);
    const jpeg = await fetched(cover.body.url);
    expect(jpeg.type).toBe('image/jpeg');
    const jpegMeta = await sharp(jpeg.bytes).metadata();
    expect(jpegMeta).toMatchObject({ format: 'jpeg', width: 256, height: 256 });
    expect([jpegMeta.orientation, jpegMeta.exif]).toEqual([undefined, undefined]);
  });

  it('refuses what the tenant’s allowlist does not list (400 naming it), and what is no image', async () => {
    const id = await readyPhoto();
    const outside = await owner.call('GET', `/v1/files/${id}/renditions?width=300&height=200`);
    expectError(outside, 400, 'RENDITION_NOT_ALLOWED');
    expect(outside.body.error.message).toContain('Size 300x200 is not in the tenant');
    expect(await sharpRuns(outside, 0)).toBe(0);
    expectError(await owner.call('GET', `/v1/files/${id}/renditions?width=512&height=512&format=gif`), 400, 'VALIDATION_ERROR');
    expectError(await owner.call('GET', `/v1/files/${id}/renditions?width=512&height=512&width=256`), 400, 'VALIDATION_ERROR');

    // The tenant narrows its allowlist: what it no longer lists is refused, what it adds is made.
    const narrowed = await owner.call('PATCH', '/v1/settings', {
      body: { renditions: { sizes: [{ width: 300, height: 200 }], fits: ['contain'], formats: ['webp'] } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.renditions).toEqual({ sizes: [{ width: 300, height: 200 }], fits: ['contain'], formats: ['webp'] });
    try {
      const refused = await owner.call('GET', `/v1/files/${id}/renditions?width=512&height=512&fit=cover&format=avif`);
      expectError(refused, 400, 'RENDITION_NOT_ALLOWED');
      expect(refused.body.error.message).toBe("Size 512x512, fit cover, format avif is not in the tenant's rendition allowlist (settings `renditions`): it allows sizes 300x200; fits contain; formats webp.");
      const padded = await owner.call('GET', `/v1/files/${id}/renditions?width=300&height=200&fit=contain`);
      expect(padded.status).toBe(200);
      expect(await sharp((await fetched(padded.body.url)).bytes).metadata()).toMatchObject({ format: 'webp', width: 300, height: 200, hasAlpha: true });
    } finally {
      await owner.call('PATCH', '/v1/settings', { body: { renditions: null }, headers: { 'content-type': 'application/merge-patch+json' } });
    }

    const pdf = await owner.create({ name: 'a.pdf', fileTypeId: 'pdf' });
    expectError(await owner.call('GET', `/v1/files/${pdf}/renditions?width=256&height=256`), 404, 'NO_RENDITION');
    const pending = await owner.create({ name: 'b.png', fileTypeId: 'png' });
    const notReady = await owner.call('GET', `/v1/files/${pending}/renditions?width=256&height=256`);
    expectError(notReady, 409, 'RENDITION_NOT_READY');
    expect(notReady.headers.get('retry-after')).toBe('2');
  });

  it('records renditions asked for at once, so none of them is made again', async () => {
    const id = await readyPhoto();
    const queries = ['width=256&height=256&fit=cover&format=webp', 'width=512&height=512&fit=inside&format=jpeg', 'width=256&height=256&fit=contain&format=avif'];
    const firsts = await Promise.all(queries.map((q) => owner.call('GET', `/v1/files/${id}/renditions?${q}`)));
    expect(firsts.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await Promise.all(firsts.map((answer) => sharpRuns(answer)))).toEqual([1, 1, 1]);
    const laters = await Promise.all(queries.map((q) => owner.call('GET', `/v1/files/${id}/renditions?${q}`)));
    expect(await Promise.all(laters.map((answer) => sharpRuns(answer)))).toEqual([0, 0, 0]);
    expect(laters.map((answer) => keyOf(answer.body.url))).toEqual(firsts.map((answer) => keyOf(answer.body.url)));
  });

  it('is the owner tenant’s only: another tenant gets 404', async () => {
    const id = await readyPhoto();
    const stranger = owner.as(await owner.tokenFor('someone-else', ['files:read']));
    expectError(await stranger.call('GET', `/v1/files/${id}/renditions?width=256&height=256`), 404, 'FILE_NOT_FOUND');
  });

  it('deletes renditions with the content a new version replaces, and with the file', async () => {
    const id = await readyPhoto();
    const before = await owner.call('GET', `/v1/files/${id}/renditions?width=256&height=256`);
    const old = keyOf(before.body.url);
    expect(await exists(old)).toBe(true);

    await owner.uploadTo(id, await photo());
    await eventually(() => owner.settled(id), (file) => file.contentVersion === 2 && file.status === 'ready');
    await eventually(() => exists(old), (there) => !there, 10_000);
    const after = await owner.call('GET', `/v1/files/${id}/renditions?width=256&height=256`);
    expect(after.body.version).toBe(2);
    const current = keyOf(after.body.url);
    expect(current).not.toBe(old);
    expect(await sharpRuns(after)).toBe(1);

    expect((await owner.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
    expect(await exists(current)).toBe(false);
  });
});

describe('renditions for share tokens and public files', () => {
  it('answers a share token’s holder, and redirects a public file’s visitors', async () => {
    const id = await readyPhoto();
    const token = await owner.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'read' } });
    const shared = await anonymous.call('GET', `/v1/shared/${token.body.token}/renditions?width=256&height=256&format=webp`, { token: null });
    expect(shared.status).toBe(200);
    expect(await sharp((await fetched(shared.body.url)).bytes).metadata()).toMatchObject({ format: 'webp', width: 171, height: 256 });
    const redirected = await anonymous.call('GET', `/v1/shared/${token.body.token}/renditions?width=256&height=256&redirect=true`, { token: null });
    expect(redirected.status).toBe(302);
    expect(keyOf(redirected.headers.get('location')!)).toBe(keyOf(shared.body.url));

    expectError(await anonymous.call('GET', `/v1/public/${id}/holiday.jpg/renditions?width=256&height=256`, { token: null }), 404, 'FILE_NOT_FOUND');
    expect((await owner.call('PATCH', `/v1/files/${id}`, { body: { accessControl: 'public' } })).status).toBe(200);
    const visited = await anonymous.call('GET', `/v1/public/${id}/holiday.jpg/renditions?width=256&height=256&fit=cover&format=jpeg`, { token: null });
    expect(visited.status).toBe(302);
    expect(await sharp((await fetched(visited.headers.get('location')!)).bytes).metadata()).toMatchObject({ format: 'jpeg', width: 256, height: 256 });
    expectError(await anonymous.call('GET', `/v1/public/${id}/holiday.jpg/renditions?width=64&height=64`, { token: null }), 400, 'RENDITION_NOT_ALLOWED');
  });
});
