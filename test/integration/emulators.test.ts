import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3EventRecord } from 'aws-lambda';
import { startS3 } from '../../local/emulators/s3';

jest.setTimeout(60_000);

const BUCKET = 'emulator-test';
let s3: Awaited<ReturnType<typeof startS3>>;
let client: S3Client;
const events: S3EventRecord[] = [];

beforeAll(async () => {
  s3 = await startS3({ directory: null, bucket: BUCKET, corsOrigins: ['http://app.example'] });
  s3.onObjectCreated((record) => events.push(record));
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
});
afterAll(() => s3?.stop());

/** What our patch of s3rver fixes, and what the local stack adds to it, against the real SDK. */
describe('the embedded S3 emulator', () => {
  it('pages through ListObjectsV2 and deletes in bulk (bucket-level signing, continuation tokens)', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `list/k${i}`);
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }));
    const listed: string[] = [];
    for await (const page of paginateListObjectsV2({ client, pageSize: 3 }, { Bucket: BUCKET, Prefix: 'list/' })) {
      listed.push(...(page.Contents ?? []).map((o) => o.Key as string));
    }
    expect(listed.sort()).toEqual(keys);
    await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    expect((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/' }))).KeyCount).toBe(0);
  });

  it("serves response overrides that contain RFC 3986 reserved characters '()!*", async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'doc', Body: 'hello' }));
    const disposition = `attachment; filename="it's (a) test!*.pdf"; filename*=UTF-8''%C3%A9t%C3%A9.pdf`;
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: 'doc', ResponseContentDisposition: disposition, ResponseContentType: 'application/pdf' }), { expiresIn: 60 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(response.headers.get('content-type')).toBe('application/pdf');
  });

  it('answers a browser preflight from an allowed origin and exposes ETag', async () => {
    const response = await fetch(`${s3.endpoint}/${BUCKET}/some-key`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://app.example');
    const denied = await fetch(`${s3.endpoint}/${BUCKET}/some-key`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'PUT' },
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();

    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key: 'from-browser', ContentType: 'text/plain' }), { expiresIn: 60, signableHeaders: new Set(['content-type']) });
    const put = await fetch(url, { method: 'PUT', headers: { origin: 'http://app.example', 'content-type': 'text/plain' }, body: 'hi' });
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(put.headers.get('access-control-expose-headers')).toBe('ETag');
    expect(put.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('emits S3-shaped events with form-encoded keys and increasing sequencers', async () => {
    events.length = 0;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/a b ü.txt', Body: 'one' }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/a b ü.txt', Body: 'two!' }));
    expect(events).toHaveLength(2);
    const [first, second] = events as [S3EventRecord, S3EventRecord];
    expect(first).toMatchObject({ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' });
    expect(first.s3.bucket.name).toBe(BUCKET);
    expect(first.s3.object).toMatchObject({ key: 'dir/a+b+%C3%BC.txt', size: 3 });
    expect(first.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
    expect(second.s3.object.sequencer > first.s3.object.sequencer).toBe(true);
    expect(second.s3.object.sequencer).toHaveLength(first.s3.object.sequencer.length);
  });
});
