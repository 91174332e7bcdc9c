import { createHash } from 'node:crypto';
import { countingReads } from '../../../../lambdas/adapters/counting-object-store';
import { createFile } from '../../../../lambdas/domain/files/files';
import { MAX_HASHED_BYTES, processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import { completeMultipartUpload, createMultipartUpload } from '../../../../lambdas/domain/transfer/multipart';
import { createUploadUrl } from '../../../../lambdas/domain/transfer/uploads';
import type { ObjectChecksums, UploadedObject } from '../../../../lambdas/domain/ports';
import { crc64nvmeOf } from '../../support/memory';
import { setup, writer, type TestDeps } from '../../support/grants';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
const stored = async (deps: TestDeps, id: string) => (await deps.files.get(id))!;

/**
 * A single PUT through a grant that declared `checksumSha256`, stored with the checksums S3 holds
 * after it (`held`): what S3 verified, or nothing (the local emulator before it kept them).
 */
async function put(deps: TestDeps, fileId: string, bytes: Uint8Array, options: { declared?: string; held?: ObjectChecksums }): Promise<UploadedObject> {
  await createUploadUrl(deps, writer, fileId, { expiresIn: 900, checksumSha256: options.declared });
  const signed = deps.objects.presigned.at(-1)!;
  await deps.objects.put(signed.key, bytes, signed.contentType, signed.metadata, options.held);
  return { key: signed.key, eTag: deps.objects.eTagOf(signed.key), sequencer: '0A', eventTime: '2026-01-01T00:00:01Z' };
}

/** The store reports `size` for the object at `key` (its head and its reads), as S3 would for an upload that large. */
function reportSize(deps: TestDeps, key: string, size: number) {
  const readHead = deps.objects.readHead.bind(deps.objects);
  deps.objects.readHead = async (k, length) => {
    const head = await readHead(k, length);
    return head && k === key ? { ...head, size } : head;
  };
}

/** Processes the object through the byte counter, as the metadata Lambda does; answers the bytes read. */
async function processCounting(deps: TestDeps, event: UploadedObject): Promise<number> {
  const reads = countingReads(deps.objects);
  expect(await processUploadedObject({ ...deps, objects: reads.store }, event)).toBe('processed');
  return reads.bytesRead();
}

describe('checksums S3 verified on the way in', () => {
  it('takes the SHA-256 S3 verified for a single PUT without reading past the sniffed head, whatever the size', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'backup.zip', fileTypeId: 'zip' });
    const bytes = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64 * 1024, 7)]);
    const event = await put(deps, file.id, bytes, { declared: sha256(bytes), held: { sha256: sha256(bytes), crc64nvme: null, type: 'FULL_OBJECT' } });
    // As large as the Done-when upload: only the head is read.
    reportSize(deps, event.key, 2 * GiB);
    deps.objects.read = async () => {
      throw new Error('an object with a checksum S3 verified must not be read whole');
    };
    expect(await processCounting(deps, event)).toBe(4096);
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', size: 2 * GiB, checksumSha256: sha256(bytes), unavailable: {} });
  });

  it('streams and hashes an object S3 holds no verified checksum for, as before', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'backup.zip', fileTypeId: 'zip' });
    const bytes = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64 * 1024, 7)]);
    // S3 computes a CRC-64/NVME of every upload without a checksum: it vouches for nothing the client declared.
    const crc = await crc64nvmeOf(bytes);
    const event = await put(deps, file.id, bytes, { held: { sha256: null, crc64nvme: crc, type: 'FULL_OBJECT' } });
    expect(await processCounting(deps, event)).toBe(4096 + bytes.length);
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', checksumSha256: sha256(bytes), checksumCrc64nvme: crc, unavailable: {} });
  });

  it('still streams an upload whose declared SHA-256 S3 did not verify (a composite multipart checksum is not the object’s), and compares it', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'backup.zip', fileTypeId: 'zip' });
    const bytes = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64 * 1024, 7)]);
    const event = await put(deps, file.id, bytes, { declared: sha256(Buffer.from('other bytes')), held: { sha256: `${sha256(bytes)}-3`, crc64nvme: null, type: 'COMPOSITE' } });
    expect(await processCounting(deps, event)).toBe(4096 + bytes.length);
    expect(await stored(deps, file.id)).toMatchObject({ status: 'failed', checksumSha256: sha256(bytes), error: { code: 'CHECKSUM_MISMATCH' } });
  });

  it('fails content whose S3-held SHA-256 is not the declared one (S3 refuses such a PUT: checked all the same), and deletes it', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'backup.zip', fileTypeId: 'zip' });
    const bytes = Buffer.from('PK\x03\x04 zip');
    const event = await put(deps, file.id, bytes, { declared: sha256(Buffer.from('what was meant')), held: { sha256: sha256(bytes), crc64nvme: null, type: 'FULL_OBJECT' } });
    await processCounting(deps, event);
    const after = await stored(deps, file.id);
    expect(after).toMatchObject({ status: 'failed', error: { code: 'CHECKSUM_MISMATCH', message: expect.stringContaining(sha256(bytes)) } });
    expect(after.versions[0]).toMatchObject({ status: 'failed', contentRemoved: true });
    expect(deps.objects.objects.has(event.key)).toBe(false);
  });

  it('says why a version past the hashing bound without an S3 checksum has no SHA-256, reading only its head', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'backup.zip', fileTypeId: 'zip' });
    const bytes = Buffer.from('PK\x03\x04 zip');
    const event = await put(deps, file.id, bytes, {});
    reportSize(deps, event.key, MAX_HASHED_BYTES + 1);
    expect(await processCounting(deps, event)).toBe(bytes.length);
    const after = await stored(deps, file.id);
    expect(after).toMatchObject({ status: 'ready', checksumSha256: null, unavailable: { checksumSha256: { code: 'CHECKSUM_NOT_COMPUTED', message: expect.stringContaining(`${MAX_HASHED_BYTES + 1} bytes`) } } });
    expect(after.versions[0]).toMatchObject({ checksumSha256: null, unavailable: { checksumSha256: { code: 'CHECKSUM_NOT_COMPUTED' } } });
  });

  it('takes an S3-verified SHA-256 past the hashing bound: no longer unavailable at any size', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'backup.zip', fileTypeId: 'zip' });
    const bytes = Buffer.from('PK\x03\x04 zip');
    const event = await put(deps, file.id, bytes, { declared: sha256(bytes), held: { sha256: sha256(bytes), crc64nvme: null, type: 'FULL_OBJECT' } });
    reportSize(deps, event.key, MAX_HASHED_BYTES + 1);
    await processCounting(deps, event);
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', checksumSha256: sha256(bytes), unavailable: {} });
  });
});

describe('a multipart upload with a declared whole-object CRC-64/NVME', () => {
  async function upload(deps: TestDeps, parts: Buffer[], declared: string) {
    const file = await createFile(deps, writer, { name: 'backup.zip', fileTypeId: 'zip' });
    const size = parts.reduce((sum, p) => sum + p.length, 0);
    const started = await createMultipartUpload(deps, writer, file.id, { size, partSize: 5 * MiB, checksumCrc64nvme: declared, expiresIn: 900 });
    const [s3Id, s3Upload] = [...deps.objects.uploads.entries()][0]!;
    const etags = parts.map((body, i) => deps.objects.uploadPart(s3Upload.key, s3Id, i + 1, body));
    const complete = () => completeMultipartUpload(deps, writer, file.id, started.uploadId, { parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })) });
    return { file, key: s3Upload.key, s3Upload, complete };
  }
  const parts = () => [Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(5 * MiB - 4, 1)]), Buffer.alloc(5 * MiB, 2), Buffer.alloc(1000, 3)];

  it('starts a FULL_OBJECT CRC64NVME upload with the value signed into the grant; S3 checks it at completion; processing reads only the head', async () => {
    const { deps } = setup();
    const bytes = parts();
    const crc = await crc64nvmeOf(Buffer.concat(bytes));
    const { file, key, s3Upload, complete } = await upload(deps, bytes, crc);
    expect(s3Upload).toMatchObject({ partChecksums: false, fullObjectCrc64nvme: true, metadata: { 'checksum-crc64nvme': crc } });
    await complete();
    deps.objects.read = async () => {
      throw new Error('an object whose declared CRC S3 verified must not be read whole');
    };
    expect(await processCounting(deps, { key, eTag: deps.objects.eTagOf(key), sequencer: '0A', eventTime: '2026-01-01T00:00:01Z' })).toBe(4096);
    expect(await stored(deps, file.id)).toMatchObject({
      status: 'ready',
      checksumCrc64nvme: crc,
      checksumSha256: null,
      unavailable: { checksumSha256: { code: 'CHECKSUM_NOT_COMPUTED', message: expect.stringContaining('CRC-64/NVME') } },
    });
  });

  it('is a 400 CHECKSUM_MISMATCH naming the declared value when the parts make other content; the upload stays open', async () => {
    const { deps } = setup();
    const bytes = parts();
    const declared = await crc64nvmeOf(Buffer.from('something else'));
    const { key, complete } = await upload(deps, bytes, declared);
    await expect(complete()).rejects.toMatchObject({ status: 400, code: 'CHECKSUM_MISMATCH', message: expect.stringContaining(declared) });
    expect(deps.objects.objects.has(key)).toBe(false);
    expect(deps.objects.uploads.size).toBe(1);
  });

  it('cannot be combined with SHA-256 part checksums (one algorithm per S3 upload): a 400 before S3 is asked', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'backup.zip', fileTypeId: 'zip' });
    await expect(
      createMultipartUpload(deps, writer, file.id, { size: 6 * MiB, partChecksums: true, checksumCrc64nvme: await crc64nvmeOf(Buffer.from('x')), expiresIn: 900 }),
    ).rejects.toMatchObject({ status: 400, code: 'VALIDATION_ERROR', message: expect.stringContaining('one checksum algorithm per multipart upload') });
    expect(deps.objects.uploads.size).toBe(0);
  });
});
