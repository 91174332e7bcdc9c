import { request as httpRequest } from 'node:http';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3Error } from './support/s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3EventRecord } from 'aws-lambda';
import { startDynamoDb } from '../../local/emulators/dynamodb';
import { startS3 } from '../../local/emulators/s3';
import { putBucketCors } from '../../local/bucket-cors';
import { S3ObjectStore } from '../../lambdas/adapters/s3-object-store';
import { NoSuchUpload, ObjectExists, PartsRefused } from '../../lambdas/domain/ports';
import { inParallel, partBytes, postForm, putPart } from './support/parts';

jest.setTimeout(60_000);

const BUCKET = 'emulator-test';
const ORIGIN = 'http://app.example';
let s3: Awaited<ReturnType<typeof startS3>>;
let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let client: S3Client;
const events: S3EventRecord[] = [];

const s3Client = (endpoint: string) =>
  new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });


/** UTF-8 binary order, S3's order for keys. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([
    startS3({ port: 0, directory: null, bucket: BUCKET, corsOrigins: [ORIGIN] }),
    startDynamoDb({ port: 0, directory: null }),
  ]);
  s3.onObjectCreated((record) => events.push(record));
  client = s3Client(s3.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

describe('the embedded S3 emulator (patched s3rver) with the real SDK', () => {
  it('listens on 127.0.0.1 with the bucket created', () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.endpoint).not.toMatch(/:0$/);
  });

  it('answers only its own host names (a DNS-rebinding page cannot use its public credentials) and refuses anonymous requests', async () => {
    const port = new URL(s3.endpoint).port;
    const status = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path: `/${BUCKET}?list-type=2`, headers: { host } }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
        request.end();
      });
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.nip.io:${port}`, 'localhost:1']) {
      const answer = await status(host);
      expect({ host, status: answer.status }).toEqual({ host, status: 421 });
      expect(answer.body).toContain('<Code>HostNotAllowed</Code>');
    }
    // Its own names reach S3, which refuses an unsigned request to a private bucket as S3 does.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const answer = await status(host);
      expect({ host, status: answer.status }).toEqual({ host, status: 403 });
      expect(answer.body).toContain('<Code>AccessDenied</Code>');
    }
    const put = await fetch(`${s3.endpoint}/${BUCKET}/anonymous.txt`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(403);
    expect((await fetch(`${s3.endpoint}/${BUCKET}/anonymous.txt`)).status).toBe(403);
  });

  it('stores, heads and reads objects with their type and metadata', async () => {
    // Inner runs of spaces in a signed header are collapsed by the SDK when signing.
    const put = await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/hello.txt', Body: 'hello', ContentType: 'text/plain', Metadata: { title: 'a  b' } }),
    );
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'docs/hello.txt' }));
    expect(head).toMatchObject({ ContentLength: 5, ContentType: 'text/plain', ETag: put.ETag, Metadata: { title: 'a  b' } });
    const get = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/hello.txt' }));
    expect(await get.Body?.transformToString()).toBe('hello');
    expect(await s3Error(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'docs/missing' })))).toEqual({ name: 'NotFound', status: 404 });
  });

  it('pages through ListObjectsV2 in S3 key order, every key exactly once', async () => {
    // The store's directory walk meets these out of order ("a/b" before "a-b" before "a").
    const keys = ['a', 'a-b', 'a.c', 'a/b', 'a/b/c', 'ab', 'z', 'é', 'ü/x', 'B'].map((k) => `list/${k}`);
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }));
    const listed: string[] = [];
    let pages = 0;
    let ContinuationToken: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/', MaxKeys: 3, ContinuationToken }));
      pages++;
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
      listed.push(...(page.Contents ?? []).map((o) => o.Key as string));
      ContinuationToken = page.NextContinuationToken;
      expect(ContinuationToken === undefined).toBe(!page.IsTruncated);
    } while (ContinuationToken);
    expect(pages).toBe(4);
    expect(listed).toEqual([...keys].sort(byteOrder));

    // With a delimiter, common prefixes are listed in order, count towards MaxKeys and page too.
    const prefixes: string[] = [];
    const direct: string[] = [];
    ContinuationToken = undefined;
    do {
      const page: ListObjectsV2CommandOutput = await client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/', Delimiter: '/', MaxKeys: 2, ContinuationToken }),
      );
      prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix as string));
      direct.push(...(page.Contents ?? []).map((o) => o.Key as string));
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    expect(prefixes).toEqual(['list/a/', 'list/ü/']);
    expect(direct).toEqual(['list/B', 'list/a', 'list/a-b', 'list/a.c', 'list/ab', 'list/z', 'list/é']);

    // A token it did not issue is refused as S3 does, not with a 500.
    const forged = Buffer.alloc(48, 7).toString('base64');
    expect(await s3Error(client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: forged })))).toEqual({ name: 'InvalidArgument', status: 400 });
  });

  it('deletes in bulk, keys kept exactly as sent in the XML body', async () => {
    const keys = ['bulk/0123', '1e3', 'true', ' spaced ', 'bulk/a&b<c>"\'', 'bulk/é'];
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }));
    const result = await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
    expect(result.Errors ?? []).toEqual([]);
    for (const Key of keys) {
      expect(await s3Error(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key })))).toEqual({ name: 'NotFound', status: 404 });
    }
    expect((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'bulk/' }))).KeyCount).toBe(0);
  });

  it('refuses keys it cannot store apart (".." would leave the store)', async () => {
    expect(await s3Error(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: '../escape', Body: 'x' })))).toEqual({ name: 'InvalidArgument', status: 400 });
    expect(await s3Error(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/./b', Body: 'x' })))).toEqual({ name: 'InvalidArgument', status: 400 });
  });

  it('refuses multipart requests naming unknown uploads or parts (no crash, no path outside the store)', async () => {
    const Key = 'multi/refused';
    const part = (UploadId: string | undefined, PartNumber: number) => client.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber, Body: 'x' }));
    expect(await s3Error(part('../../../tmp/x', 1))).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect(await s3Error(part('0'.repeat(32), 1))).toEqual({ name: 'NoSuchUpload', status: 404 });
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    expect(await s3Error(part(UploadId, 0))).toEqual({ name: 'InvalidArgument', status: 400 });
    const { ETag } = await part(UploadId, 1);
    const complete = (Parts: { PartNumber: number; ETag: string | undefined }[]) =>
      client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, MultipartUpload: { Parts } }));
    expect(await s3Error(complete([{ PartNumber: 1, ETag }, { PartNumber: 2, ETag }]))).toEqual({ name: 'InvalidPart', status: 400 });
    expect(await s3Error(complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]))).toEqual({ name: 'InvalidPart', status: 400 });
    expect(await s3Error(complete([{ PartNumber: 1, ETag }]))).toBeUndefined();
    expect(await s3Error(complete([{ PartNumber: 1, ETag }]))).toEqual({ name: 'NoSuchUpload', status: 404 });
  });

  describe('presigned PUT, as the service signs it (Content-Type, Content-Length, metadata)', () => {
    const presignPut = (Key: string, contentLength: number, expiresIn = 60) =>
      getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key, ContentType: 'text/plain', ContentLength: contentLength, Metadata: { 'upload-id': 'u-1' } }), {
        expiresIn,
        signableHeaders: new Set(['content-type', 'content-length']),
      });
    const upload = (url: string, contentType = 'text/plain', body = 'hi!') => fetch(url, { method: 'PUT', headers: { 'content-type': contentType }, body });

    it('uploads with fetch and stores the signed type and metadata', async () => {
      const url = await presignPut('presigned/ok.txt', 3);
      expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
      const response = await upload(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'presigned/ok.txt' }));
      expect(head).toMatchObject({ ContentType: 'text/plain', ContentLength: 3, Metadata: { 'upload-id': 'u-1' } });
    });

    it('refuses another Content-Type, another length, a tampered key or signature', async () => {
      const url = await presignPut('presigned/refused.txt', 3);
      const otherType = await upload(url, 'text/html');
      expect(otherType.status).toBe(403);
      expect(await otherType.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
      expect((await upload(url, 'text/plain', 'four')).status).toBe(403);
      expect((await upload(url.replace('presigned/refused.txt', 'presigned/refusee.txt'))).status).toBe(403);
      const signature = new URL(url).searchParams.get('X-Amz-Signature') as string;
      const flipped = signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      expect((await upload(url.replace(signature, flipped))).status).toBe(403);
      const longer = new URL(url);
      longer.searchParams.set('X-Amz-Expires', '600');
      expect((await upload(longer.toString())).status).toBe(403);
      expect(await s3Error(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'presigned/refused.txt' })))).toEqual({ name: 'NotFound', status: 404 });
    });

    it('refuses an expired URL', async () => {
      const url = await presignPut('presigned/late.txt', 3, 1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await upload(url);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Request has expired');
    });
  });

  it("serves response overrides with RFC 3986 reserved characters '()!* exactly", async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/report', Body: '%PDF-1.4' }));
    const disposition = `attachment; filename="it's (a) test!*.pdf"; filename*=UTF-8''%C3%A9t%C3%A9.pdf`;
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/report', ResponseContentDisposition: disposition, ResponseContentType: 'application/pdf' }),
      { expiresIn: 60 },
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(await response.text()).toBe('%PDF-1.4');
  });

  it('answers a browser preflight from an allowed origin, exposing ETag; refuses other origins', async () => {
    const preflight = await fetch(`${s3.endpoint}/${BUCKET}/some/key`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    // DELETE: Uppy 6 aborts a multipart upload from the browser (its signature, not CORS, decides what it may do).
    expect(preflight.headers.get('access-control-allow-methods')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'POST', 'PUT']);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(preflight.headers.get('access-control-expose-headers')).toBe('ETag');
    expect(preflight.headers.get('access-control-max-age')).toBe('3000');

    const denied = await fetch(`${s3.endpoint}/${BUCKET}/some/key`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'PUT' } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    // A method the rule does not list (S3's CORS methods are GET, PUT, HEAD, POST and DELETE).
    const patchMethod = await fetch(`${s3.endpoint}/${BUCKET}/some/key`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'PATCH' } });
    expect(patchMethod.status).toBe(403);

    // The actual cross-origin upload exposes the ETag too.
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key: 'from-browser', ContentType: 'text/plain' }), {
      expiresIn: 60,
      signableHeaders: new Set(['content-type']),
    });
    const put = await fetch(url, { method: 'PUT', headers: { origin: ORIGIN, 'content-type': 'text/plain' }, body: 'hi' });
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(put.headers.get('access-control-expose-headers')).toBe('ETag');
    // A refused upload still carries the CORS headers, so the page can read the error.
    const refused = await fetch(url, { method: 'PUT', headers: { origin: ORIGIN, 'content-type': 'text/html' }, body: 'hi' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  describe('S3 event notifications', () => {
    beforeEach(() => void (events.length = 0));

    it('are S3-shaped, with the key form-encoded, size, unquoted eTag and increasing sequencers', async () => {
      const Key = 'dir/a b ü (1).txt';
      const first = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'one' }));
      const second = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'two!' }));
      expect(events).toHaveLength(2);
      const [a, b] = events as [S3EventRecord, S3EventRecord];
      expect(a).toMatchObject({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
          object: { key: 'dir/a+b+%C3%BC+%281%29.txt', size: 3, eTag: first.ETag?.replace(/"/g, '') },
        },
      });
      expect(new Date(a.eventTime).toISOString()).toBe(a.eventTime);
      expect(b.s3.object).toMatchObject({ size: 4, eTag: second.ETag?.replace(/"/g, '') });
      expect(decodeURIComponent(a.s3.object.key.replace(/\+/g, ' '))).toBe(Key);
      expect(a.s3.object.sequencer).toMatch(/^[0-9A-F]{20}$/);
      expect(b.s3.object.sequencer).toMatch(/^[0-9A-F]{20}$/);
      expect(b.s3.object.sequencer > a.s3.object.sequencer).toBe(true);
    });

    it('name copies and completed multipart uploads as S3 does', async () => {
      const copy = await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'events/copy', CopySource: `${BUCKET}/docs/hello.txt` }));
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'events/multi' }));
      const part1 = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'events/multi', UploadId, PartNumber: 1, Body: Buffer.alloc(5 * 1024 * 1024, 1) }));
      const part2 = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'events/multi', UploadId, PartNumber: 2, Body: 'tail' }));
      const done = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'events/multi',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part1.ETag }, { PartNumber: 2, ETag: part2.ETag }] },
        }),
      );
      expect(events.map((e) => e.eventName)).toEqual(['ObjectCreated:Copy', 'ObjectCreated:CompleteMultipartUpload']);
      const [copied, multi] = events as [S3EventRecord, S3EventRecord];
      expect(copied.s3.object).toMatchObject({ key: 'events/copy', size: 5, eTag: copy.CopyObjectResult?.ETag?.replace(/"/g, '') });
      expect(multi.s3.object).toMatchObject({ key: 'events/multi', size: 5 * 1024 * 1024 + 4, eTag: done.ETag?.replace(/"/g, '') });
      expect(multi.s3.object.sequencer > copied.s3.object.sequencer).toBe(true);
    });
  });

  it('takes a new CORS rule through the S3 API (PutBucketCors), as the local stack does for the gateway origins', async () => {
    const pageOrigin = 'http://127.0.0.1:5999';
    const ask = (origin: string) =>
      fetch(`${s3.endpoint}/${BUCKET}/some/key`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,x-amz-checksum-sha256,x-amz-meta-uploaded-by' },
      });
    expect((await ask(pageOrigin)).status).toBe(403);
    await putBucketCors(client, BUCKET, [ORIGIN, pageOrigin]);
    try {
      const allowed = await ask(pageOrigin);
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(pageOrigin);
      expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type, x-amz-checksum-sha256, x-amz-meta-uploaded-by');
      expect(allowed.headers.get('access-control-expose-headers')).toBe('ETag');
    } finally {
      await putBucketCors(client, BUCKET, [ORIGIN]);
    }
    expect((await ask(pageOrigin)).status).toBe(403);
  });
  it('keeps objects across a restart on a directory, and sequencers keep increasing', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fileport-emulator-test-'));
    try {
      const seen: S3EventRecord[] = [];
      const first = await startS3({ port: 0, directory, bucket: 'persisted', corsOrigins: [ORIGIN] });
      first.onObjectCreated((r) => seen.push(r));
      const c1 = s3Client(first.endpoint);
      await c1.send(new PutObjectCommand({ Bucket: 'persisted', Key: 'kept', Body: 'still here' }));
      c1.destroy();
      await first.stop();
      expect(existsSync(directory)).toBe(true);

      const second = await startS3({ port: 0, directory, bucket: 'persisted', corsOrigins: [ORIGIN] });
      second.onObjectCreated((r) => seen.push(r));
      const c2 = s3Client(second.endpoint);
      const kept = await c2.send(new GetObjectCommand({ Bucket: 'persisted', Key: 'kept' }));
      expect(await kept.Body?.transformToString()).toBe('still here');
      await c2.send(new PutObjectCommand({ Bucket: 'persisted', Key: 'kept', Body: 'newer' }));
      c2.destroy();
      await second.stop();
      expect(seen).toHaveLength(2);
      expect((seen[1] as S3EventRecord).s3.object.sequencer > (seen[0] as S3EventRecord).s3.object.sequencer).toBe(true);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('browser form uploads (SigV4 POST policy), as the service signs them', () => {
  const store = () => new S3ObjectStore(client, BUCKET);
  const signed = (key: string, options: Partial<{ minSize: number; maxSize: number; expiresIn: number }> = {}) =>
    store().presignPost(key, { contentType: 'text/plain', minSize: 0, maxSize: 10, metadata: { 'uploaded-by': 'alice' }, expiresIn: 60, ...options });

  it('stores the file with the signed type and metadata, answering 201 with S3\'s XML, and emits ObjectCreated:Post', async () => {
    events.length = 0;
    const { url, fields } = await signed('form/ok.txt');
    expect(url).toBe(`${s3.endpoint}/${BUCKET}/`);
    const response = await postForm(url, fields, Buffer.from('hello'), { type: 'text/plain' });
    const text = await response.text();
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(text).toContain(`<Key>form/ok.txt</Key>`);
    // (the quotes may come XML-escaped: the same document)
    expect(text.replaceAll('&quot;', '"')).toContain('<ETag>"5d41402abc4b2a76b9719d911017c592"</ETag>');
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'form/ok.txt' }));
    expect(head).toMatchObject({ ContentType: 'text/plain', ContentLength: 5, Metadata: { 'uploaded-by': 'alice' } });
    expect(events.map((e) => [e.eventName, e.s3.object.key, e.s3.object.size])).toEqual([['ObjectCreated:Post', 'form/ok.txt', 5]]);
  });

  it('refuses a changed or added field, another key, a forged signature, an expired policy and a form without one', async () => {
    const { url, fields } = await signed('form/refused.txt');
    const refusal = async (form: Record<string, string>) => {
      const response = await postForm(url, form, Buffer.from('hi'));
      const text = await response.text();
      return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]+)<\/Message>/.exec(text)?.[1] };
    };
    expect(await refusal({ ...fields, 'Content-Type': 'text/html' })).toMatchObject({ status: 403, code: 'AccessDenied', message: expect.stringContaining('Policy Condition failed') });
    expect(await refusal({ ...fields, 'x-amz-meta-uploaded-by': 'mallory' })).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await refusal({ ...fields, key: 'form/elsewhere.txt' })).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await refusal({ ...fields, 'x-amz-meta-extra': 'x' })).toMatchObject({ status: 403, message: expect.stringContaining('Extra input fields: x-amz-meta-extra') });
    expect(await refusal({ ...fields, success_action_status: '200' })).toMatchObject({ status: 403, code: 'AccessDenied' });
    const policy = JSON.parse(Buffer.from(fields.policy as string, 'base64').toString());
    const widened = Buffer.from(JSON.stringify({ ...policy, conditions: policy.conditions.map((c: unknown) => (Array.isArray(c) ? ['content-length-range', 0, 10 ** 9] : c)) })).toString('base64');
    expect(await refusal({ ...fields, policy: widened })).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const { policy: _policy, 'x-amz-signature': _signature, ...unsigned } = fields;
    expect(await refusal(unsigned)).toMatchObject({ status: 403, code: 'AccessDenied' });
    const late = await signed('form/late.txt', { expiresIn: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await (async () => {
      const response = await postForm(late.url, late.fields, Buffer.from('hi'));
      return { status: response.status, text: await response.text() };
    })()).toEqual({ status: 403, text: expect.stringContaining('Policy expired') });
    for (const Key of ['form/refused.txt', 'form/elsewhere.txt', 'form/late.txt']) {
      expect(await s3Error(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key })))).toEqual({ name: 'NotFound', status: 404 });
    }
  });

  it('enforces content-length-range while the file streams, keeping neither a partial nor a replaced object', async () => {
    const first = await signed('form/sized.txt', { minSize: 2, maxSize: 5 });
    expect((await postForm(first.url, first.fields, Buffer.from('12345'))).status).toBe(201);
    const tooLarge = await signed('form/sized.txt', { minSize: 2, maxSize: 5 });
    const large = await postForm(tooLarge.url, tooLarge.fields, Buffer.alloc(3 * 1024 * 1024, 1));
    expect(large.status).toBe(400);
    expect(await large.text()).toContain('<Code>EntityTooLarge</Code>');
    const tooSmall = await signed('form/sized.txt', { minSize: 2, maxSize: 5 });
    const small = await postForm(tooSmall.url, tooSmall.fields, Buffer.from('1'));
    expect(small.status).toBe(400);
    expect(await small.text()).toContain('<Code>EntityTooSmall</Code>');
    // The object the first form stored is still there, whole.
    const kept = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'form/sized.txt' }));
    expect(await kept.Body?.transformToString()).toBe('12345');
  });
});

describe('multipart uploads through pre-signed part URLs, as the service drives them', () => {
  const MiB = 1024 * 1024;
  const store = () => new S3ObjectStore(client, BUCKET);
  const start = (Key: string, partChecksums = false) => store().createMultipartUpload(Key, { contentType: 'application/octet-stream', metadata: { 'uploaded-by': 'alice' }, partChecksums });
  const partUrl = (Key: string, uploadId: string, partNumber: number, size: number, checksumSha256?: string) =>
    store().presignUploadPart(Key, uploadId, { partNumber, size, checksumSha256, expiresIn: 60 });
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

  it('takes parts PUT with fetch (quoted ETags), lists them after a crash, completes them into one object with S3\'s multipart ETag', async () => {
    events.length = 0;
    const Key = 'multi/resumed.bin';
    const uploadId = await start(Key);
    const sizes = [5 * MiB, 5 * MiB, 123];
    const etags: string[] = [];
    // "Crash" after the first part: the client knows nothing but the upload id.
    const first = await partUrl(Key, uploadId, 1, sizes[0] as number);
    etags[0] = await putPart(first.url, partBytes(1, 1, sizes[0] as number), first.headers);
    expect(etags[0]).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await store().listParts(Key, uploadId)).toEqual([{ partNumber: 1, size: 5 * MiB, eTag: (etags[0] as string).replaceAll('"', ''), checksumSha256: null }]);
    for (const n of [2, 3]) {
      const { url, headers } = await partUrl(Key, uploadId, n, sizes[n - 1] as number);
      etags[n - 1] = await putPart(url, partBytes(1, n, sizes[n - 1] as number), headers);
    }
    const parts = await store().listParts(Key, uploadId);
    expect(parts.map((p) => [p.partNumber, p.size])).toEqual([[1, 5 * MiB], [2, 5 * MiB], [3, 123]]);
    await store().completeMultipartUpload(Key, uploadId, parts.map((p) => ({ partNumber: p.partNumber, eTag: p.eTag, checksumSha256: null })));

    const md5s = etags.map((e) => Buffer.from(e.replaceAll('"', ''), 'hex'));
    const multipartETag = `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-3"`;
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
    expect(head).toMatchObject({ ContentLength: 10 * MiB + 123, ETag: multipartETag, ContentType: 'application/octet-stream', Metadata: { 'uploaded-by': 'alice' } });
    const body = Buffer.from(await ((await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToByteArray() as Promise<Uint8Array>));
    expect(body.equals(Buffer.concat([1, 2, 3].map((n) => partBytes(1, n, sizes[n - 1] as number))))).toBe(true);
    expect(events.map((e) => [e.eventName, e.s3.object.size, `"${e.s3.object.eTag}"`])).toEqual([['ObjectCreated:CompleteMultipartUpload', 10 * MiB + 123, multipartETag]]);
    await expect(store().listParts(Key, uploadId)).rejects.toBeInstanceOf(NoSuchUpload);
  });

  it('refuses a part of another size than signed, and a part whose SHA-256 is not the signed one', async () => {
    const Key = 'multi/checked.bin';
    const uploadId = await start(Key, true);
    const bytes = partBytes(2, 1, 1000);
    const wrongSize = await partUrl(Key, uploadId, 1, 999);
    expect((await fetch(wrongSize.url, { method: 'PUT', headers: wrongSize.headers, body: bytes })).status).toBe(403);
    const checked = await partUrl(Key, uploadId, 1, 1000, sha256(Buffer.from('other bytes')));
    const refused = await fetch(checked.url, { method: 'PUT', headers: checked.headers, body: bytes });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<Code>BadDigest</Code>');
    const right = await partUrl(Key, uploadId, 1, 1000, sha256(bytes));
    expect(await putPart(right.url, bytes, right.headers)).toMatch(/^"[0-9a-f]{32}"$/);
    const [part] = await store().listParts(Key, uploadId);
    expect(part).toMatchObject({ partNumber: 1, size: 1000, checksumSha256: sha256(bytes) });
    // A checksum header other than the signed one is refused by the signature.
    const swapped = await fetch(right.url, { method: 'PUT', headers: { ...right.headers, 'x-amz-checksum-sha256': sha256(Buffer.from('x')) }, body: bytes });
    expect(swapped.status).toBe(403);
    await store().abortMultipartUpload(Key, uploadId);
  });

  it('binds an upload id to its key: parts, listing, completion and abort under another key are NoSuchUpload', async () => {
    const uploadId = await start('multi/mine.bin');
    const other = 'multi/theirs.bin';
    const url = await partUrl(other, uploadId, 1, 3);
    expect((await fetch(url.url, { method: 'PUT', body: 'abc' })).status).toBe(404);
    await expect(store().listParts(other, uploadId)).rejects.toBeInstanceOf(NoSuchUpload);
    await expect(store().completeMultipartUpload(other, uploadId, [{ partNumber: 1, eTag: '0'.repeat(32), checksumSha256: null }])).rejects.toBeInstanceOf(NoSuchUpload);
    await expect(store().abortMultipartUpload(other, uploadId)).rejects.toBeInstanceOf(NoSuchUpload);
    expect(await store().listParts('multi/mine.bin', uploadId)).toEqual([]);
  });

  it('applies S3\'s rules on completion: parts in order, each but the last at least 5 MiB', async () => {
    const Key = 'multi/rules.bin';
    const uploadId = await start(Key);
    const etags: string[] = [];
    for (const [n, size] of [[1, 1 * MiB], [2, 1 * MiB]] as const) {
      const { url, headers } = await partUrl(Key, uploadId, n, size);
      etags.push((await putPart(url, partBytes(3, n, size), headers)).replaceAll('"', ''));
    }
    const complete = (order: number[]) =>
      store().completeMultipartUpload(Key, uploadId, order.map((n) => ({ partNumber: n, eTag: etags[n - 1] as string, checksumSha256: null })));
    await expect(complete([2, 1])).rejects.toMatchObject({ s3Code: 'InvalidPartOrder' });
    await expect(complete([1, 2])).rejects.toMatchObject({ s3Code: 'EntityTooSmall' });
    await expect(complete([1, 2])).rejects.toBeInstanceOf(PartsRefused);
    // Nothing was assembled, and the parts are still there for a corrected completion.
    expect((await store().listParts(Key, uploadId)).map((p) => p.partNumber)).toEqual([1, 2]);
    await store().completeMultipartUpload(Key, uploadId, [{ partNumber: 2, eTag: etags[1] as string, checksumSha256: null }]);
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }))).ContentLength).toBe(1 * MiB);
  });

  it('aborts an upload: its parts are gone and its URLs refused', async () => {
    const Key = 'multi/aborted.bin';
    const uploadId = await start(Key);
    const { url } = await partUrl(Key, uploadId, 1, 3);
    await putPart(url, Buffer.from('abc'));
    await store().abortMultipartUpload(Key, uploadId);
    await expect(store().listParts(Key, uploadId)).rejects.toBeInstanceOf(NoSuchUpload);
    expect((await fetch(url, { method: 'PUT', body: 'abc' })).status).toBe(404);
    await expect(store().abortMultipartUpload(Key, uploadId)).rejects.toBeInstanceOf(NoSuchUpload);
  });

  it('pages ListParts past 1,000 parts', async () => {
    const Key = 'multi/many.bin';
    const uploadId = await start(Key);
    await inParallel(
      Array.from({ length: 1005 }, (_, i) => i + 1),
      16,
      async (n) => putPart((await partUrl(Key, uploadId, n, 1)).url, Buffer.from([n % 256])),
    );
    const parts = await store().listParts(Key, uploadId);
    expect(parts.map((p) => p.partNumber)).toEqual(Array.from({ length: 1005 }, (_, i) => i + 1));
    await store().abortMultipartUpload(Key, uploadId);
  });
});

describe('what S3 refuses on presigned requests, and its conditional writes and deletes', () => {
  const store = () => new S3ObjectStore(client, BUCKET);
  const grant = (Key: string) => store().presignPut(Key, { contentType: 'text/plain', metadata: { 'uploaded-by': 'alice' }, expiresIn: 60 });
  const text = async (Key: string) => (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToString();
  const refusal = async (response: Response) => {
    const body = await response.text();
    return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1], message: /<Message>([^<]+)<\/Message>/.exec(body)?.[1], detail: body };
  };

  it('refuses x-amz-* headers a presigned PUT did not sign (x-amz-acl, more metadata) with 403 AccessDenied naming them', async () => {
    const Key = 'unsigned/headers.txt';
    const { url, headers } = await grant(Key);
    const extras: Record<string, string>[] = [{ 'x-amz-acl': 'public-read' }, { 'x-amz-meta-extra': 'x' }, { 'X-Amz-Storage-Class': 'STANDARD_IA', 'x-amz-tagging': 'a=b' }];
    for (const extra of extras) {
      const refused = await refusal(await fetch(url, { method: 'PUT', headers: { ...headers, ...extra }, body: 'hi' }));
      expect(refused).toMatchObject({ status: 403, code: 'AccessDenied', message: 'There were headers present in the request which were not signed' });
      const names = Object.keys(extra).map((name) => name.toLowerCase()).sort();
      expect(refused.detail).toContain(`<HeadersNotSigned>${names.join(', ')}</HeadersNotSigned>`);
    }
    expect(await s3Error(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key })))).toEqual({ name: 'NotFound', status: 404 });
    // With exactly the signed headers it works; header-signed SDK requests are not concerned.
    expect((await fetch(url, { method: 'PUT', headers, body: 'hi' })).status).toBe(200);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'unsigned/sdk.txt', Body: 'x', Metadata: { any: 'thing' } }));
  });

  it('creates a key once when a PUT says If-None-Match: *: 412 PreconditionFailed once it exists, the object unchanged; the service signs it into every upload URL', async () => {
    const Key = 'conditional/once.txt';
    const { url, headers } = await grant(Key);
    expect(headers).toMatchObject({ 'If-None-Match': '*' });
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('if-none-match');
    const put = (body: string, sent = headers) => fetch(url, { method: 'PUT', headers: sent, body });
    expect((await put('first')).status).toBe(200);
    expect(await refusal(await put('second'))).toMatchObject({ status: 412, code: 'PreconditionFailed' });
    // Leaving the condition out breaks the signature.
    const { 'If-None-Match': _condition, ...unconditional } = headers;
    expect(await refusal(await put('third', unconditional))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await text(Key)).toBe('first');
    // Through the SDK too; and once the key is gone again, the same URL works.
    expect(await s3Error(client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'sdk', IfNoneMatch: '*' })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key }] } }));
    expect((await put('again')).status).toBe(200);
    expect(await text(Key)).toBe('again');
  });

  it('refuses to complete a multipart upload over an existing key with If-None-Match: * (412), and the service asks for it', async () => {
    const Key = 'conditional/multipart.bin';
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'kept' }));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    const { ETag } = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: 'replacement' }));
    const complete = new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, IfNoneMatch: '*', MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } });
    expect(await s3Error(client.send(complete))).toEqual({ name: 'PreconditionFailed', status: 412 });
    await expect(store().completeMultipartUpload(Key, UploadId as string, [{ partNumber: 1, eTag: (ETag as string).replaceAll('"', ''), checksumSha256: null }])).rejects.toBeInstanceOf(ObjectExists);
    expect(await text(Key)).toBe('kept');
    await store().abortMultipartUpload(Key, UploadId as string);
  });

  it('deletes with If-Match only the object of that ETag: 412 PreconditionFailed for another, 404 NoSuchKey when there is none', async () => {
    const Key = 'conditional/delete.txt';
    const { ETag } = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'judged' }));
    const newer = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'newer bytes' }));
    expect(await s3Error(client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key, IfMatch: ETag })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await text(Key)).toBe('newer bytes');
    expect(await store().deleteIfUnchanged(Key, (ETag as string).replaceAll('"', ''))).toBe('changed');
    expect(await store().deleteIfUnchanged(Key, (newer.ETag as string).replaceAll('"', ''))).toBe('deleted');
    expect(await s3Error(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key })))).toEqual({ name: 'NotFound', status: 404 });
    expect(await s3Error(client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key, IfMatch: newer.ETag })))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await store().deleteIfUnchanged(Key, 'anything')).toBe('missing');
    // Unconditional deletes of a missing key still answer 204, as S3 does.
    expect(await s3Error(client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key })))).toBeUndefined();
  });

  it('reads a range with If-Match only from the object of that ETag: 412 PreconditionFailed for another, as processing reads PDFs', async () => {
    const Key = 'conditional/range.txt';
    const { ETag } = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'judged bytes' }));
    const judged = (ETag as string).replaceAll('"', '');
    expect(Buffer.from((await store().readRange(Key, 7, 11, judged)) as Uint8Array).toString()).toBe('bytes');
    const newer = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'newer bytes!' }));
    expect(await s3Error(client.send(new GetObjectCommand({ Bucket: BUCKET, Key, Range: 'bytes=0-3', IfMatch: ETag })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await store().readRange(Key, 0, 3, judged)).toBe('changed');
    expect(Buffer.from((await store().readRange(Key, 0, 4, (newer.ETag as string).replaceAll('"', ''))) as Uint8Array).toString()).toBe('newer');
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
    expect(await store().readRange(Key, 0, 3, judged)).toBeUndefined();
  });
});

describe('the embedded DynamoDB Local', () => {
  const dynamoClient = (region: string, accessKeyId: string) =>
    new DynamoDBClient({ endpoint: dynamo.endpoint, region, credentials: { accessKeyId, secretAccessKey: 'x' } });

  it('creates a table, puts, gets and queries items; any credentials and region see the same data', async () => {
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const db = dynamoClient('us-east-1', 'local');
    await db.send(
      new CreateTableCommand({
        TableName: 'files',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    for (const sk of ['file#1', 'file#2', 'other#1']) {
      await db.send(new PutItemCommand({ TableName: 'files', Item: { pk: { S: 'tenant-a' }, sk: { S: sk }, name: { S: `n-${sk}` } } }));
    }
    const item = await db.send(new GetItemCommand({ TableName: 'files', Key: { pk: { S: 'tenant-a' }, sk: { S: 'file#2' } } }));
    expect(item.Item?.name).toEqual({ S: 'n-file#2' });
    const query = await db.send(
      new QueryCommand({
        TableName: 'files',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': { S: 'tenant-a' }, ':prefix': { S: 'file#' } },
      }),
    );
    expect(query.Items?.map((i) => i.sk?.S)).toEqual(['file#1', 'file#2']);
    db.destroy();

    // (DynamoDB Local only accepts access key ids made of letters and digits)
    const elsewhere = dynamoClient('eu-west-3', 'SomeoneElse1');
    expect((await elsewhere.send(new ListTablesCommand({}))).TableNames).toContain('files');
    elsewhere.destroy();
  });

  /** Expects startDynamoDb() to fail, and stops the JVM should it have started after all. */
  async function expectStartFailure(start: Promise<Awaited<ReturnType<typeof startDynamoDb>>>, message: RegExp | string) {
    try {
      await expect(start).rejects.toThrow(message);
    } finally {
      await start.then((started) => started.stop()).catch(() => undefined);
    }
  }

  it('says what went wrong: Java missing, the JVM exiting during startup, the port in use', async () => {
    const fakeJava = mkdtempSync(join(tmpdir(), 'fileport-fake-java-'));
    writeFileSync(join(fakeJava, 'java'), '#!/bin/sh\necho "UnsupportedClassVersionError: class file version 61.0" >&2\nexit 1\n', { mode: 0o755 });
    const path = process.env.PATH;
    try {
      process.env.PATH = join(fakeJava, 'nothing-here');
      await expectStartFailure(startDynamoDb({ port: 0, directory: null }), /Java 17\+ must be installed with `java` on the PATH/);
      process.env.PATH = fakeJava;
      await expectStartFailure(startDynamoDb({ port: 0, directory: null }), /exited during startup \(code 1\)[\s\S]*Java 17\+[\s\S]*UnsupportedClassVersionError/);
    } finally {
      process.env.PATH = path;
      rmSync(fakeJava, { recursive: true, force: true });
    }
    const port = Number(new URL(dynamo.endpoint).port);
    await expectStartFailure(startDynamoDb({ port, directory: null }), `port ${port} is in use`);
  });
});

describe('stopping', () => {
  it('ends both emulators and leaves no JVM behind', async () => {
    const s3Port = new URL(s3.endpoint).port;
    const dynamoPort = new URL(dynamo.endpoint).port;
    const jvms = () =>
      execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(`-port ${dynamoPort}`));
    expect(jvms()).toHaveLength(1);
    await Promise.all([s3.stop(), dynamo.stop()]);
    expect(jvms()).toEqual([]);
    await expect(fetch(s3.endpoint)).rejects.toThrow();
    await expect(fetch(dynamo.endpoint)).rejects.toThrow();
    expect(s3Port).not.toBe(dynamoPort);
  });
});
