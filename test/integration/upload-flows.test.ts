import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Api, eventually, expectError } from './support/api';
import { makePdf, secretsIn, startStack, useStack, type RunningStack } from './support/local-stack';
import { inParallel, partBytes, postForm, putPart, sha256OfParts } from './support/parts';
import { EmulatorS3 } from './support/s3';

jest.setTimeout(600_000);

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const local = useStack();
let api: Api;
let alice: Api;
let s3: EmulatorS3;
beforeAll(async () => {
  api = local.api();
  alice = api.as(await api.tokenFor('demo', ['files:read', 'files:write'], 'alice'));
  s3 = new EmulatorS3(local.stack().s3Endpoint);
});
afterAll(() => s3?.close());

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

/**
 * Parts of a zip file: the first starts with a zip signature, so processing accepts the object as
 * the `zip` type and only measures and hashes it (no parsing, nothing held in memory).
 */
const zipPart = (seed: number) => (n: number, size: number) => {
  const bytes = partBytes(seed, n, size);
  if (n === 1) bytes.set([0x50, 0x4b, 0x03, 0x04]);
  return bytes;
};
const zipSha256 = (seed: number, size: number, partSize: number) => sha256OfParts(zipPart(seed), size, partSize);

/** The form of a browser: fields as given, file last. */
async function submit(form: { url: string; fields: Record<string, string> }, file: Uint8Array<ArrayBuffer>, type = 'application/pdf') {
  const response = await postForm(form.url, form.fields, file, { type, fileName: 'upload' });
  return { status: response.status, text: await response.text() };
}

/** Peak resident memory (VmHWM) of each process of the stack's process group, by command. */
function peakMemoryMiB(stack: RunningStack): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (group !== stack.pid) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const name = /^Name:\s*(.+)$/m.exec(status)?.[1] ?? pid;
      const hwm = Number(/^VmHWM:\s*(\d+) kB$/m.exec(status)?.[1] ?? 0) / 1024;
      peaks[`${name}#${pid}`] = Math.round(hwm);
    } catch {
      // The process ended while being read.
    }
  }
  return peaks;
}

describe('browser form uploads', () => {
  it('a plain multipart/form-data POST, fields in order and the file last, uploads straight to S3; the file ends ready', async () => {
    const pdf = await makePdf(3);
    const id = await alice.create({ name: 'From a form.pdf', fileTypeId: 'pdf' });
    const form = await alice.call('POST', `/v1/files/${id}/upload-form`);
    expect(form.status).toBe(200);
    expect(form.headers.get('cache-control')).toBe('no-store');
    expect(form.body).toMatchObject({ method: 'POST', fileField: 'file', maxFileSize: 5 * GiB, url: `${local.stack().s3Endpoint}/fileport-local/` });
    expect(Object.keys(form.body.fields)).toEqual([
      'key',
      'Content-Type',
      'x-amz-meta-uploaded-by',
      'x-amz-meta-overwrite',
      'x-amz-meta-max-size',
      'x-amz-server-side-encryption',
      'success_action_status',
      'x-amz-algorithm',
      'x-amz-credential',
      'x-amz-date',
      'policy',
      'x-amz-signature',
    ]);
    expect(form.body.fields).toMatchObject({
      key: expect.stringMatching(new RegExp(`^content/${id.replaceAll('-', '')}/[0-9a-f]{32}$`)),
      'Content-Type': 'application/pdf',
      'x-amz-meta-uploaded-by': 'alice',
      'x-amz-meta-overwrite': 'false',
      'x-amz-server-side-encryption': 'AES256',
      success_action_status: '201',
    });
    const policy = JSON.parse(Buffer.from(form.body.fields.policy, 'base64').toString());
    expect(policy.conditions).toContainEqual(['content-length-range', 0, 5 * GiB]);
    expect(Date.parse(policy.expiration)).toBe(Date.parse(form.body.expiresAt));

    const posted = await submit(form.body, pdf);
    expect(posted.status).toBe(201);
    expect(posted.text).toContain(`<Key>${form.body.fields.key}</Key>`);
    expect(await alice.settled(id)).toMatchObject({ status: 'ready', size: pdf.length, pageCount: 3, checksumSha256: sha256(pdf), contentVersion: 1, expiresAt: null });
    expect((await alice.call('GET', `/v1/files/${id}/versions`)).body.items).toEqual([expect.objectContaining({ version: 1, uploadedBy: 'alice', status: 'ready' })]);
  });

  it('pins a declared size in the policy; a declared size over the tenant\'s limit is refused before anything is signed', async () => {
    const id = await alice.create({ name: 'Sized.pdf', fileTypeId: 'pdf' });
    const form = await alice.call('POST', `/v1/files/${id}/upload-form`, { body: { size: 1000 } });
    expect(form.body.maxFileSize).toBe(1000);
    expect(JSON.parse(Buffer.from(form.body.fields.policy, 'base64').toString()).conditions).toContainEqual(['content-length-range', 1000, 1000]);
    // S3 refuses a file outside the range (the local emulator enforces it as S3 does), storing nothing.
    const over = await submit(form.body, Buffer.alloc(1001, 0x25));
    expect(over.status).toBe(400);
    expect(over.text).toContain('<Code>EntityTooLarge</Code>');
    expect(await s3.exists(`${form.body.url}${form.body.fields.key}`)).toBe(false);
    expect((await alice.call('GET', `/v1/files/${id}`)).body.status).toBe('pending');

    expectError(await alice.call('POST', `/v1/files/${id}/upload-form`, { body: { size: 5 * GiB + 1 } }), 413, 'FILE_TOO_LARGE');
    expectError(await alice.call('PUT', `/v1/files/${id}/upload`, { body: { size: 5 * GiB + 1 } }), 413, 'FILE_TOO_LARGE');
    expectError(await alice.call('POST', `/v1/files/${id}/upload-form`, { body: { size: -1 } }), 400, 'VALIDATION_ERROR');
  });

  it('asked again for a file with no content yet, hands out a fresh form (a new object) that works', async () => {
    const pdf = await makePdf(1);
    const id = await alice.create({ name: 'Twice.pdf', fileTypeId: 'pdf' });
    const first = (await alice.call('POST', `/v1/files/${id}/upload-form`)).body;
    const second = (await alice.call('POST', `/v1/files/${id}/upload-form`)).body;
    expect(second.fields.key).not.toBe(first.fields.key);
    expect(second.fields.policy).not.toBe(first.fields.policy);
    expect((await submit(second, pdf)).status).toBe(201);
    expect(await alice.settled(id)).toMatchObject({ status: 'ready', contentVersion: 1 });
  });

  it('needs files:overwrite for a file that has content, like a PUT URL', async () => {
    const id = await alice.upload({ name: 'Kept.pdf', fileTypeId: 'pdf' }, await makePdf(1));
    await alice.settled(id);
    expectError(await alice.call('POST', `/v1/files/${id}/upload-form`), 409, 'ALREADY_UPLOADED');
    expectError(await alice.call('POST', `/v1/files/${id}/multipart`, { body: { size: 10 * MiB } }), 409, 'ALREADY_UPLOADED');
    expect((await api.call('POST', `/v1/files/${id}/upload-form`)).status).toBe(200);
  });
});

describe('multipart uploads', () => {
  it('1 GiB in 8 MiB parts, streamed from the test and resumed after a crash from the listing, ends ready with its size and checksum', async () => {
    const size = GiB;
    const part = zipPart(42);
    const memoryBefore = peakMemoryMiB(local.stack());
    const started = Date.now();
    const checksumSha256 = zipSha256(42, size, 8 * MiB);
    const id = await alice.create({ name: 'Backup.zip', fileTypeId: 'zip' });
    const created = await alice.call('POST', `/v1/files/${id}/multipart`, { body: { size, checksumSha256 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ size, partSize: 8 * MiB, partCount: 128 });
    expect(created.body.parts).toHaveLength(128);
    expect(created.body.parts[127]).toMatchObject({ partNumber: 128, size: 8 * MiB, headers: {} });
    // Each part's size is signed: S3 takes exactly the declared bytes.
    expect(new URL(created.body.parts[0].url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');

    // Half the parts, four at a time; then the client "crashes" and keeps only the upload id.
    const firstHalf = (created.body.parts as { partNumber: number; url: string; size: number }[]).filter((p) => p.partNumber % 2 === 1);
    await inParallel(firstHalf, 4, (p) => putPart(p.url, part(p.partNumber, p.size)));

    const listing = await alice.call('GET', `/v1/files/${id}/multipart/${created.body.uploadId}`);
    expect(listing.status).toBe(200);
    expect(listing.body.uploadedParts).toHaveLength(64);
    expect(listing.body.uploadedParts[0]).toEqual({ partNumber: 1, size: 8 * MiB, etag: createHash('md5').update(part(1, 8 * MiB)).digest('hex') });
    expect(listing.body.missingPartNumbers).toEqual(Array.from({ length: 64 }, (_, i) => 2 * (i + 1)));
    expect(listing.body.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual(listing.body.missingPartNumbers);
    await inParallel(listing.body.parts as { partNumber: number; url: string; size: number }[], 4, (p) => putPart(p.url, part(p.partNumber, p.size)));

    const done = await alice.call('GET', `/v1/files/${id}/multipart/${created.body.uploadId}`);
    expect(done.body).toMatchObject({ missingPartNumbers: [], parts: [] });
    const completed = await alice.call('POST', `/v1/files/${id}/multipart/${created.body.uploadId}/complete`, {
      body: { parts: done.body.uploadedParts.map((p: { partNumber: number; etag: string }) => ({ partNumber: p.partNumber, etag: `"${p.etag}"` })) },
    });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ id, status: 'processing' });
    // Processing reads and hashes the whole GiB from the emulator, on the same two cores.
    const file = await alice.settled(id, 300_000);
    const seconds = (Date.now() - started) / 1000;
    expect(file).toMatchObject({ status: 'ready', size: GiB, checksumSha256, contentVersion: 1, error: null });

    // The stack streams: neither the parts, their concatenation nor the processor's read of the
    // object is held in memory (the S3 emulator, API and processors share one Node process).
    const memoryAfter = peakMemoryMiB(local.stack());
    console.log(`1 GiB multipart upload: ${seconds.toFixed(1)} s; stack peak memory (MiB) before ${JSON.stringify(memoryBefore)} after ${JSON.stringify(memoryAfter)}`);
    // A quarter of the bytes at most: 1 GiB held anywhere would show here.
    const growth = Object.entries(memoryAfter)
      .filter(([name]) => !name.startsWith('java'))
      .map(([name, peak]) => ({ name, growth: peak - (memoryBefore[name] ?? 0) }));
    expect(growth.length).toBeGreaterThan(0);
    for (const { name, growth: grew } of growth) expect({ name, grew: grew < 256 }).toEqual({ name, grew: true });

    // The object the download URL serves is the one uploaded, byte for byte (hashed as it streams).
    const download = await alice.call('GET', `/v1/files/${id}/download`);
    const hash = createHash('sha256');
    for await (const chunk of (await fetch(download.body.url)).body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest('base64')).toBe(checksumSha256);
  });

  it('completing with a part missing, not uploaded or with another ETag is a 400 naming them; a corrected list completes', async () => {
    const size = 10 * MiB + 5;
    const part = zipPart(7);
    const id = await alice.create({ name: 'Parts.zip', fileTypeId: 'zip' });
    const { uploadId, parts } = (await alice.call('POST', `/v1/files/${id}/multipart`, { body: { size, partSize: 5 * MiB } })).body;
    expect(parts.map((p: { size: number }) => p.size)).toEqual([5 * MiB, 5 * MiB, 5]);
    const etags = await inParallel(parts.slice(0, 2) as { partNumber: number; url: string; size: number }[], 2, (p) => putPart(p.url, part(p.partNumber, p.size)));
    const complete = (list: { partNumber: number; etag: string }[]) => alice.call('POST', `/v1/files/${id}/multipart/${uploadId}/complete`, { body: { parts: list } });

    const notUploaded = await complete([{ partNumber: 1, etag: etags[0] as string }, { partNumber: 2, etag: etags[1] as string }, { partNumber: 3, etag: etags[1] as string }]);
    expectError(notUploaded, 400, 'INVALID_PARTS');
    expect(notUploaded.body.error.message).toContain('part 3 not uploaded');
    const missing = await complete([{ partNumber: 1, etag: etags[0] as string }]);
    expectError(missing, 400, 'INVALID_PARTS');
    expect(missing.body.error.message).toContain('part 2, 3 not listed');

    const last = parts[2] as { partNumber: number; url: string; size: number };
    const lastETag = await putPart(last.url, part(3, last.size));
    const wrong = await complete([{ partNumber: 1, etag: etags[1] as string }, { partNumber: 2, etag: etags[1] as string }, { partNumber: 3, etag: lastETag }]);
    expectError(wrong, 400, 'INVALID_PARTS');
    expect(wrong.body.error.message).toContain('part 1 with another ETag than uploaded');
    expectError(await complete([{ partNumber: 2, etag: etags[1] as string }, { partNumber: 1, etag: etags[0] as string }]), 400, 'INVALID_PARTS');
    expect((await alice.call('GET', `/v1/files/${id}`)).body.status).toBe('pending');

    const ok = await complete([{ partNumber: 1, etag: etags[0] as string }, { partNumber: 2, etag: etags[1] as string }, { partNumber: 3, etag: lastETag }]);
    expect(ok.status).toBe(200);
    expect(await alice.settled(id)).toMatchObject({ status: 'ready', size, checksumSha256: zipSha256(7, size, 5 * MiB) });
    // A retried completion (its first answer lost) answers with the file again.
    expect((await complete([{ partNumber: 1, etag: etags[0] as string }, { partNumber: 2, etag: etags[1] as string }, { partNumber: 3, etag: lastETag }])).status).toBe(200);
  });

  it('aborting frees the parts: 204, then the upload is gone and its part URLs refused', async () => {
    const id = await alice.create({ name: 'Abandoned.zip', fileTypeId: 'zip' });
    const { uploadId, parts } = (await alice.call('POST', `/v1/files/${id}/multipart`, { body: { size: 6 * MiB } })).body;
    expect(parts).toHaveLength(1);
    await putPart(parts[0].url, zipPart(3)(1, 6 * MiB));
    expect((await alice.call('GET', `/v1/files/${id}/multipart/${uploadId}`)).body.uploadedParts).toHaveLength(1);

    const aborted = await alice.call('DELETE', `/v1/files/${id}/multipart/${uploadId}`);
    expect(aborted.status).toBe(204);
    expectError(await alice.call('GET', `/v1/files/${id}/multipart/${uploadId}`), 404, 'UPLOAD_NOT_FOUND');
    expect((await fetch(parts[0].url, { method: 'PUT', body: zipPart(3)(1, 6 * MiB) })).status).toBe(404);
    expectError(await alice.call('DELETE', `/v1/files/${id}/multipart/${uploadId}`), 404, 'UPLOAD_NOT_FOUND');
    expectError(await alice.call('POST', `/v1/files/${id}/multipart/${uploadId}/complete`, { body: { parts: [{ partNumber: 1, etag: 'x' }] } }), 404, 'UPLOAD_NOT_FOUND');
    expect((await alice.call('GET', `/v1/files/${id}`)).body.status).toBe('pending');
  });

  it('binds an upload id to its file: with another file of the tenant, or by another tenant, it is a 404', async () => {
    const id = await alice.create({ name: 'Mine.zip', fileTypeId: 'zip' });
    const other = await alice.create({ name: 'Other.zip', fileTypeId: 'zip' });
    const { uploadId } = (await alice.call('POST', `/v1/files/${id}/multipart`, { body: { size: 5 * MiB } })).body;
    expectError(await alice.call('GET', `/v1/files/${other}/multipart/${uploadId}`), 404, 'UPLOAD_NOT_FOUND');
    expectError(await alice.call('POST', `/v1/files/${other}/multipart/${uploadId}/complete`, { body: { parts: [{ partNumber: 1, etag: 'x' }] } }), 404, 'UPLOAD_NOT_FOUND');
    expectError(await alice.call('DELETE', `/v1/files/${other}/multipart/${uploadId}`), 404, 'UPLOAD_NOT_FOUND');
    const mallory = api.as(await api.tokenFor('acme', ['files:read', 'files:write'], 'mallory'));
    expectError(await mallory.call('GET', `/v1/files/${id}/multipart/${uploadId}`), 404, 'FILE_NOT_FOUND');
    expectError(await mallory.call('DELETE', `/v1/files/${id}/multipart/${uploadId}`), 404, 'FILE_NOT_FOUND');
    expectError(await alice.call('GET', `/v1/files/${id}/multipart/not-a-token`), 404, 'UPLOAD_NOT_FOUND');
    // Still there for its own file.
    expect((await alice.call('GET', `/v1/files/${id}/multipart/${uploadId}`)).status).toBe(200);
  });

  it('signs its upload ids: one with another size or part size, with or without the old signature, is a 404 on every route, never a 500', async () => {
    const id = await alice.create({ name: 'Forged.zip', fileTypeId: 'zip' });
    const { uploadId } = (await alice.call('POST', `/v1/files/${id}/multipart`, { body: { size: 6 * MiB } })).body;
    // What a client can read of the id, and write back altered: [object, S3 upload id, size, part size, …].
    const [payload, signature] = (uploadId as string).split('.');
    const facts = JSON.parse(Buffer.from(payload as string, 'base64url').toString('utf8')) as unknown[];
    const forge = (size: number, partSize: number) => Buffer.from(JSON.stringify([facts[0], facts[1], size, partSize, ...facts.slice(4)])).toString('base64url');
    const forgeries = [
      // More parts than an array can hold…
      forge(Number.MAX_SAFE_INTEGER, 1),
      // …209,716 parts, an answer that grows with the size claimed…
      forge(1024 ** 4, 5 * MiB),
      // …and a URL for a 5 GiB part.
      forge(5 * GiB, 5 * GiB),
    ].flatMap((forged) => [forged, `${forged}.${signature}`]);
    for (const forged of forgeries) {
      const path = `/v1/files/${id}/multipart/${forged}`;
      expectError(await alice.call('GET', path), 404, 'UPLOAD_NOT_FOUND');
      expectError(await alice.call('POST', `${path}/parts`, { body: { parts: [{ partNumber: 1 }] } }), 404, 'UPLOAD_NOT_FOUND');
      expectError(await alice.call('POST', `${path}/complete`, { body: { parts: [{ partNumber: 1, etag: 'x' }] } }), 404, 'UPLOAD_NOT_FOUND');
      expectError(await alice.call('DELETE', path), 404, 'UPLOAD_NOT_FOUND');
    }
    // The real id still names the upload, untouched.
    const status = await alice.call('GET', `/v1/files/${id}/multipart/${uploadId}`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ size: 6 * MiB, partCount: 1, missingPartNumbers: [1], uploadedParts: [] });
  });

  it('checks the tenant\'s limit on every use: once its maxFileSize is below the upload\'s size, status, part URLs and completion are 413, and completing aborts', async () => {
    const admin = api.as(await api.tokenFor('shrinking', ['files:read', 'files:write', 'files:admin'], 'admin'));
    const setMaxFileSize = async (maxFileSize: number) => {
      const { warnings: _warnings, ...settings } = (await admin.call('GET', '/v1/settings')).body;
      expect((await admin.call('PUT', '/v1/settings', { body: { ...settings, maxFileSize } })).status).toBe(200);
    };
    const size = 5 * MiB + 100;
    const id = await admin.create({ name: 'Shrinking.zip', fileTypeId: 'zip' });
    const { uploadId, parts } = (await admin.call('POST', `/v1/files/${id}/multipart`, { body: { size, partSize: 5 * MiB } })).body;
    const etags = await inParallel(parts as { partNumber: number; url: string; size: number }[], 2, (p) => putPart(p.url, zipPart(13)(p.partNumber, p.size)));
    const path = `/v1/files/${id}/multipart/${uploadId}`;

    await setMaxFileSize(5 * MiB);
    expectError(await admin.call('GET', path), 413, 'FILE_TOO_LARGE');
    expectError(await admin.call('POST', `${path}/parts`, { body: { parts: [{ partNumber: 2 }] } }), 413, 'FILE_TOO_LARGE');
    // Refused, not lost: raised again, the upload is there with its parts.
    await setMaxFileSize(GiB);
    expect((await admin.call('GET', path)).body).toMatchObject({ missingPartNumbers: [], uploadedParts: [{ partNumber: 1 }, { partNumber: 2 }] });

    await setMaxFileSize(5 * MiB);
    const completed = await admin.call('POST', `${path}/complete`, { body: { parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })) } });
    expectError(completed, 413, 'FILE_TOO_LARGE');
    await setMaxFileSize(GiB);
    expectError(await admin.call('GET', path), 404, 'UPLOAD_NOT_FOUND');
    expect((await admin.call('GET', `/v1/files/${id}`)).body.status).toBe('pending');
  });

  it('parts with checksums: their URLs are asked for with them, and S3 refuses a part that does not match', async () => {
    const size = 5 * MiB + 100;
    const part = zipPart(11);
    const id = await alice.create({ name: 'Checked parts.zip', fileTypeId: 'zip' });
    const created = (await alice.call('POST', `/v1/files/${id}/multipart`, { body: { size, partSize: 5 * MiB, partChecksums: true } })).body;
    expect(created).toMatchObject({ partCount: 2, parts: [] });
    const bytes = [part(1, 5 * MiB), part(2, 100)];
    const urls = await alice.call('POST', `/v1/files/${id}/multipart/${created.uploadId}/parts`, {
      body: { parts: bytes.map((b, i) => ({ partNumber: i + 1, checksumSha256: sha256(b) })) },
    });
    expect(urls.status).toBe(200);
    expect(urls.body.parts[0].headers).toEqual({ 'x-amz-checksum-sha256': sha256(bytes[0] as Buffer), 'x-amz-sdk-checksum-algorithm': 'SHA256' });
    const refused = await fetch(urls.body.parts[1].url, { method: 'PUT', headers: urls.body.parts[1].headers, body: Buffer.alloc(100, 1) });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<Code>BadDigest</Code>');
    const etags = await inParallel([0, 1], 2, (i) => putPart(urls.body.parts[i].url, bytes[i] as Buffer<ArrayBuffer>, urls.body.parts[i].headers));
    expectError(await alice.call('POST', `/v1/files/${id}/multipart/${created.uploadId}/parts`, { body: { parts: [{ partNumber: 1 }] } }), 400, 'VALIDATION_ERROR');
    expectError(await alice.call('POST', `/v1/files/${id}/multipart/${created.uploadId}/parts`, { body: { parts: [{ partNumber: 3, checksumSha256: sha256(bytes[0] as Buffer) }] } }), 400, 'VALIDATION_ERROR');
    const completed = await alice.call('POST', `/v1/files/${id}/multipart/${created.uploadId}/complete`, {
      body: { parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })) },
    });
    expect(completed.status).toBe(200);
    expect(await alice.settled(id)).toMatchObject({ status: 'ready', size });
  });

  it('validates the plan: part sizes S3 takes, at most 10,000 parts, a size within the tenant\'s limit', async () => {
    const id = await alice.create({ name: 'Plan.zip', fileTypeId: 'zip' });
    const start = (body: unknown) => alice.call('POST', `/v1/files/${id}/multipart`, { body });
    expectError(await start({ size: 20 * MiB, partSize: 4 * MiB }), 400, 'VALIDATION_ERROR');
    expectError(await start({ size: 100 * GiB, partSize: 5 * MiB }), 400, 'VALIDATION_ERROR');
    expectError(await start({ size: 0 }), 400, 'VALIDATION_ERROR');
    expectError(await start({}), 400, 'VALIDATION_ERROR');
    expectError(await start({ size: 1024 ** 4 + 1 }), 413, 'FILE_TOO_LARGE');
    // Too many parts at 8 MiB: the default part size grows instead (and only the first 1,000 URLs come at once).
    const large = await start({ size: 1024 ** 4 });
    expect(large.status).toBe(201);
    expect(large.body).toMatchObject({ partSize: 105 * MiB, partCount: 9987 });
    expect(large.body.parts).toHaveLength(1000);
    expect((await alice.call('DELETE', `/v1/files/${id}/multipart/${large.body.uploadId}`)).status).toBe(204);
  });
});

describe('with a short upload window and small size limits', () => {
  let small: RunningStack;
  let client: Api;
  beforeAll(async () => {
    small = await startStack({
      // Short enough to wait out, long enough for a fresh URL to reach S3 on a busy machine.
      FILEPORT_UPLOAD_URL_TTL_SECONDS: '6',
      FILEPORT_MAX_FILE_SIZE: String(1 * MiB),
      FILEPORT_MAX_MULTIPART_FILE_SIZE: String(12 * MiB),
      FILEPORT_TENANT_SIZE_LIMITS: JSON.stringify({ roomy: { maxFileSize: 3 * MiB } }),
    });
    client = new Api(small.apiUrl, small.token);
  });
  afterAll(() => small?.stop());

  it('S3 refuses a form, PUT URL or part URL used after its window; asking again gives fresh ones that work', async () => {
    const pdf = await makePdf(1);
    const id = await client.create({ name: 'Late.pdf', fileTypeId: 'pdf' });
    const form = (await client.call('POST', `/v1/files/${id}/upload-form`)).body;
    const put = (await client.call('PUT', `/v1/files/${id}/upload`)).body;
    const zipId = await client.create({ name: 'Late.zip', fileTypeId: 'zip' });
    const multipart = (await client.call('POST', `/v1/files/${zipId}/multipart`, { body: { size: 100 } })).body;
    // Past the latest expiry, plus a second: S3 compares whole seconds.
    const latest = Math.max(...[form, put, multipart].map((grant) => Date.parse(grant.expiresAt)));
    await new Promise((resolve) => setTimeout(resolve, latest - Date.now() + 1000));

    const lateForm = await submit(form, pdf);
    expect(lateForm).toEqual({ status: 403, text: expect.stringContaining('Policy expired') });
    const latePut = await fetch(put.url, { method: 'PUT', headers: put.headers, body: pdf });
    expect({ status: latePut.status, text: await latePut.text() }).toEqual({ status: 403, text: expect.stringContaining('Request has expired') });
    expect((await fetch(multipart.parts[0].url, { method: 'PUT', body: zipPart(1)(1, 100) })).status).toBe(403);
    expect((await client.call('GET', `/v1/files/${id}`)).body.status).toBe('pending');

    const fresh = (await client.call('POST', `/v1/files/${id}/upload-form`)).body;
    expect(fresh.fields.key).not.toBe(form.fields.key);
    expect((await submit(fresh, pdf)).status).toBe(201);
    expect(await client.settled(id)).toMatchObject({ status: 'ready', size: pdf.length });

    const resumed = (await client.call('GET', `/v1/files/${zipId}/multipart/${multipart.uploadId}`)).body;
    const etag = await putPart(resumed.parts[0].url, zipPart(1)(1, 100));
    expect((await client.call('POST', `/v1/files/${zipId}/multipart/${multipart.uploadId}/complete`, { body: { parts: [{ partNumber: 1, etag }] } })).status).toBe(200);
    expect(await client.settled(zipId)).toMatchObject({ status: 'ready', size: 100 });
  });

  it('processing deletes an object over the grant\'s limit that S3 took (a PUT URL issued without a size) and fails it with FILE_TOO_LARGE', async () => {
    const id = await client.create({ name: 'Huge.zip', fileTypeId: 'zip' });
    const grant = (await client.call('PUT', `/v1/files/${id}/upload`)).body;
    expect(grant.headers['x-amz-meta-max-size']).toBe(String(1 * MiB));
    const bytes = zipPart(5)(1, 2 * MiB);
    expect((await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: bytes })).status).toBe(200);
    const file = await client.settled(id);
    expect(file).toMatchObject({ status: 'failed', size: 2 * MiB, error: { code: 'FILE_TOO_LARGE' } });
    expect(await eventually(() => new EmulatorS3(small.s3Endpoint).exists(grant.url), (exists) => !exists)).toBe(false);
    expectError(await client.call('GET', `/v1/files/${id}/download`), 409, 'NOT_UPLOADED');
  });

  it('refuses declared sizes over the limits with 413, per tenant where configured', async () => {
    const id = await client.create({ name: 'Declared.zip', fileTypeId: 'zip' });
    expectError(await client.call('PUT', `/v1/files/${id}/upload`, { body: { size: 1 * MiB + 1 } }), 413, 'FILE_TOO_LARGE');
    expectError(await client.call('POST', `/v1/files/${id}/upload-form`, { body: { size: 1 * MiB + 1 } }), 413, 'FILE_TOO_LARGE');
    expectError(await client.call('POST', `/v1/files/${id}/multipart`, { body: { size: 12 * MiB + 1 } }), 413, 'FILE_TOO_LARGE');
    expect((await client.call('POST', `/v1/files/${id}/multipart`, { body: { size: 12 * MiB } })).status).toBe(201);
    const form = await client.call('POST', `/v1/files/${id}/upload-form`);
    expect(form.body.maxFileSize).toBe(1 * MiB);

    const roomy = client.as(await client.tokenFor('roomy', ['files:read', 'files:write']));
    const theirs = await roomy.create({ name: 'Roomy.zip', fileTypeId: 'zip' });
    expect((await roomy.call('PUT', `/v1/files/${theirs}/upload`, { body: { size: 3 * MiB } })).status).toBe(200);
    expectError(await roomy.call('PUT', `/v1/files/${theirs}/upload`, { body: { size: 3 * MiB + 1 } }), 413, 'FILE_TOO_LARGE');
    // The form's policy itself carries the tenant's limit.
    const roomyForm = (await roomy.call('POST', `/v1/files/${theirs}/upload-form`)).body;
    expect(JSON.parse(Buffer.from(roomyForm.fields.policy, 'base64').toString()).conditions).toContainEqual(['content-length-range', 0, 3 * MiB]);
  });
});

// Last in the file: every flow above has run through this stack.
it('wrote no share-token secret, JWT or S3 signature to the stack\'s logs', () => {
  const lines = local.stack().logLines();
  expect(lines.length).toBeGreaterThan(10);
  expect(secretsIn(lines)).toEqual([]);
  // The check finds what it looks for: the stack's own token, and a signed URL.
  expect(secretsIn([`{"token":"${local.stack().token}"}`, '{"url":"http://127.0.0.1/b/k?X-Amz-Signature=0a1b"}'])).toHaveLength(2);
});
