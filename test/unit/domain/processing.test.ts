import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { grantMetadata } from '../../../lambdas/domain/content-metadata';
import { createDownloadUrl } from '../../../lambdas/domain/downloads';
import { createFile, newContentKey } from '../../../lambdas/domain/files';
import { MAX_COUNTED_PDF_BYTES, MAX_HASHED_BYTES, processUploadedObject } from '../../../lambdas/domain/metadata-processing';
import type { ObjectStore } from '../../../lambdas/domain/ports';
import { processThumbnails } from '../../../lambdas/domain/thumbnail-processing';
import { overwriter, putAgain, setup, uploadThroughGrant, writer, type TestDeps } from '../support/grants';

async function pdf(pages: number) {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage();
  return doc.save();
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
const png = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#888' } }).png().toBuffer();
const stored = async (deps: TestDeps, id: string) => (await deps.files.get(id))!;

describe('processUploadedObject', () => {
  it('makes the first upload version 1: size, SHA-256, page count and uploader measured, the file ready and no longer temporary', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    expect(file.expiresAt).not.toBeNull();
    const bytes = await pdf(3);
    const event = await uploadThroughGrant(deps, writer, file, bytes, '0A');
    expect(await processUploadedObject(deps, event)).toBe('processed');
    const ready = await stored(deps, file.id);
    expect(ready).toMatchObject({ status: 'ready', size: bytes.length, pageCount: 3, checksumSha256: sha256(bytes), contentKey: event.key, expiresAt: null });
    expect(ready.versions).toEqual([
      expect.objectContaining({ version: 1, key: event.key, sequencer: '0A', status: 'ready', size: bytes.length, checksumSha256: sha256(bytes), uploadedBy: 'u1', detectedMimeType: 'application/pdf' }),
    ]);
  });

  it('makes every upload to a new key a new version; the file describes the newest', async () => {
    const { deps } = setup();
    const file = await createFile(deps, overwriter, { name: 'a.pdf', fileTypeId: 'pdf' });
    const first = await uploadThroughGrant(deps, overwriter, file, await pdf(2), '0A');
    await processUploadedObject(deps, first);
    const second = await uploadThroughGrant(deps, overwriter, file, await pdf(5), '01');
    // Sequencers order events of one key only: a smaller one for another key is still a new upload.
    expect(await processUploadedObject(deps, second)).toBe('processed');
    const after = await stored(deps, file.id);
    expect(after).toMatchObject({ pageCount: 5, contentKey: second.key });
    expect(after.versions.map((v) => [v.version, v.key, v.pageCount])).toEqual([
      [1, first.key, 2],
      [2, second.key, 5],
    ]);
    // Both objects stay: every version keeps its own.
    expect(deps.objects.objects.has(first.key) && deps.objects.objects.has(second.key)).toBe(true);
  });

  it("ignores a late event for an older version's key: the current version stays the newest", async () => {
    const { deps } = setup();
    const file = await createFile(deps, overwriter, { name: 'a.pdf', fileTypeId: 'pdf' });
    const old = await uploadThroughGrant(deps, overwriter, file, await pdf(2), '0A');
    await processUploadedObject(deps, old);
    const newest = await uploadThroughGrant(deps, overwriter, file, await pdf(5), '0B');
    await processUploadedObject(deps, newest);
    const before = await stored(deps, file.id);
    expect(await processUploadedObject(deps, old)).toBe('stale');
    expect(await processUploadedObject(deps, { ...old, sequencer: '09', eTag: 'etag-of-even-older-bytes' })).toBe('stale');
    expect(await stored(deps, file.id)).toEqual(before);
  });

  it('does nothing for a duplicate of a finished event', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const event = await uploadThroughGrant(deps, writer, file, await pdf(2), '0A');
    await processUploadedObject(deps, event);
    const version = (await stored(deps, file.id)).version;
    expect(await processUploadedObject(deps, event)).toBe('stale');
    expect((await stored(deps, file.id)).version).toBe(version);
  });

  it('measures the same version again when its URL is used again, and ignores the older event after that', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const first = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    await processUploadedObject(deps, first);
    const again = await putAgain(deps, first.key, await pdf(4), '0B');
    expect(await processUploadedObject(deps, again)).toBe('processed');
    expect(await processUploadedObject(deps, first)).toBe('stale');
    const after = await stored(deps, file.id);
    expect(after).toMatchObject({ status: 'ready', pageCount: 4, checksumSha256: sha256(deps.objects.bytesOf(first.key)!) });
    expect(after.versions).toEqual([expect.objectContaining({ version: 1, sequencer: '0B', pageCount: 4 })]);
  });

  it('re-measures an older version re-uploaded through its URL without making it current', async () => {
    const { deps } = setup();
    const file = await createFile(deps, overwriter, { name: 'a.pdf', fileTypeId: 'pdf' });
    const v1 = await uploadThroughGrant(deps, overwriter, file, await pdf(1), '0A');
    await processUploadedObject(deps, v1);
    const v2 = await uploadThroughGrant(deps, overwriter, file, await pdf(2), '0A');
    await processUploadedObject(deps, v2);
    const bytes = await pdf(7);
    expect(await processUploadedObject(deps, await putAgain(deps, v1.key, bytes, '0C'))).toBe('processed');
    const after = await stored(deps, file.id);
    expect(after).toMatchObject({ pageCount: 2, contentKey: v2.key });
    expect(after.versions[0]).toMatchObject({ version: 1, status: 'ready', pageCount: 7, size: bytes.length, checksumSha256: sha256(bytes) });
  });

  it('drops an event whose object was replaced before it was read', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const first = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    await putAgain(deps, first.key, await pdf(9), '0B');
    expect(await processUploadedObject(deps, first)).toBe('stale');
    expect((await stored(deps, file.id)).versions).toEqual([]);
  });

  it('deletes content that arrives for a deleted file, or for a temporary file that expired', async () => {
    const { deps, advance } = setup();
    const gone = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const late = await createFile(deps, writer, { name: 'b.pdf', fileTypeId: 'pdf' }, { pendingTtlSeconds: 60 });
    const forGone = await uploadThroughGrant(deps, writer, gone, await pdf(1), '0A');
    const forLate = await uploadThroughGrant(deps, writer, late, await pdf(1), '0A');
    await deps.files.delete(gone);
    advance(60_000);
    expect(await processUploadedObject(deps, forGone)).toBe('deleted');
    expect(await processUploadedObject(deps, forLate)).toBe('deleted');
    expect(deps.objects.objects.size).toBe(0);
  });

  it('ignores keys Fileport did not hand out', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    for (const key of ['thumbnails/x/small.webp', `content/${file.id.replaceAll('-', '')}`, `${newContentKey(file)}/more`]) {
      await deps.objects.put(key, Buffer.from('x'));
      expect(await processUploadedObject(deps, { key, eTag: deps.objects.eTagOf(key), sequencer: '0A', eventTime: '2026-01-01T00:00:01Z' })).toBe('not-a-file');
    }
  });

  it('fails empty content and mismatched content without throwing', async () => {
    const { deps } = setup();
    const empty = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, empty, new Uint8Array(), '0A'));
    expect(await stored(deps, empty.id)).toMatchObject({ status: 'failed', size: 0, checksumSha256: sha256(new Uint8Array()), error: { code: 'EMPTY_FILE' } });

    const html = await createFile(deps, writer, { name: 'a.png', fileTypeId: 'png' });
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, html, Buffer.from('<html><script>x</script></html>'), '0A'));
    expect(await stored(deps, html.id)).toMatchObject({ status: 'failed', detectedMimeType: 'text/html', error: { code: 'CONTENT_MISMATCH' } });
    expect((await stored(deps, html.id)).versions[0]).toMatchObject({ status: 'failed', error: { code: 'CONTENT_MISMATCH' }, contentRemoved: false });
    expect(deps.thumbnails.jobs).toEqual([]);
  });
});

describe('integrity', () => {
  it('keeps a version whose bytes match the declared SHA-256', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const bytes = await pdf(2);
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, file, bytes, '0A', { checksumSha256: sha256(bytes) }));
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', checksumSha256: sha256(bytes) });
  });

  it('fails a version whose bytes do not match the declared SHA-256 and deletes them, whatever they are', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const bytes = await pdf(2);
    const event = await uploadThroughGrant(deps, writer, file, bytes, '0A', { checksumSha256: sha256(Buffer.from('what the client meant to send')) });
    expect(await processUploadedObject(deps, event)).toBe('processed');
    const after = await stored(deps, file.id);
    expect(after).toMatchObject({ status: 'failed', checksumSha256: sha256(bytes), error: { code: 'CHECKSUM_MISMATCH' } });
    expect(after.versions[0]).toMatchObject({ status: 'failed', contentRemoved: true });
    expect(deps.objects.objects.has(event.key)).toBe(false);
    await expect(createDownloadUrl(deps, writer, file.id, { disposition: 'attachment', expiresIn: 60 })).rejects.toMatchObject({ status: 409, code: 'NOT_UPLOADED' });
    // Nothing was kept, so the uploader may simply try again.
    const retry = await uploadThroughGrant(deps, writer, file, bytes, '0A', { checksumSha256: sha256(bytes) });
    expect(await processUploadedObject(deps, retry)).toBe('processed');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', contentKey: retry.key });
  });
});

describe('overwriting', () => {
  it('refuses a second version from a grant without files:overwrite (two URLs issued before any content): object deleted, no version added', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const first = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    const second = await uploadThroughGrant(deps, writer, file, await pdf(2), '0A');
    await processUploadedObject(deps, first);
    expect(await processUploadedObject(deps, second)).toBe('refused');
    expect(deps.objects.objects.has(second.key)).toBe(false);
    expect((await stored(deps, file.id)).versions.map((v) => v.key)).toEqual([first.key]);
    // Its duplicate finds no object any more.
    expect(await processUploadedObject(deps, second)).toBe('stale');
  });

  it('accepts another version from a grant with files:overwrite, and a retry after a failed upload without it', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, file, new Uint8Array(), '0A'));
    expect((await stored(deps, file.id)).status).toBe('failed');
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, file, await pdf(1), '0A'));
    expect(await processUploadedObject(deps, await uploadThroughGrant(deps, overwriter, file, await pdf(3), '0A'))).toBe('processed');
    const after = await stored(deps, file.id);
    expect(after.versions.map((v) => [v.version, v.status, v.uploadedBy])).toEqual([
      [1, 'failed', 'u1'],
      [2, 'ready', 'u1'],
      [3, 'ready', 'svc'],
    ]);
    expect(after.pageCount).toBe(3);
  });

  it("decides by the grant's signed overwrite flag, not by who the uploader is", async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, file, await pdf(1), '0A'));
    const key = newContentKey(file);
    await deps.objects.put(key, await pdf(2), 'application/pdf', grantMetadata({ uploadedBy: 'svc', overwrite: false }));
    expect(await processUploadedObject(deps, { key, eTag: deps.objects.eTagOf(key), sequencer: '0A', eventTime: '2026-01-01T00:00:02Z' })).toBe('refused');
  });
});

describe('retention', () => {
  it('keeps at most maxVersions: the oldest versions go with their objects, numbers are never reused', async () => {
    const { deps } = setup({ maxVersions: 2 });
    const file = await createFile(deps, overwriter, { name: 'a.pdf', fileTypeId: 'pdf' });
    const events = [];
    for (let i = 1; i <= 4; i++) {
      const event = await uploadThroughGrant(deps, overwriter, file, await pdf(i), '0A');
      await processUploadedObject(deps, event);
      events.push(event);
    }
    expect((await stored(deps, file.id)).versions.map((v) => [v.version, v.pageCount])).toEqual([
      [3, 3],
      [4, 4],
    ]);
    expect(events.map((e) => deps.objects.objects.has(e.key))).toEqual([false, false, true, true]);
    // A late duplicate of a pruned version's event finds nothing to bring back.
    expect(await processUploadedObject(deps, events[0]!)).toBe('stale');
  });
});

describe('processThumbnails', () => {
  it('queues images for thumbnails, then makes both sizes, and a new version replaces those of the older one', async () => {
    const { deps } = setup();
    const file = await createFile(deps, overwriter, { name: 'p.png', fileTypeId: 'png' });
    const v1 = await uploadThroughGrant(deps, overwriter, file, await png(600, 300), '0A');
    expect(await processUploadedObject(deps, v1)).toBe('thumbnails-queued');
    expect((await stored(deps, file.id)).status).toBe('processing');
    expect(deps.thumbnails.jobs).toEqual([{ fileId: file.id, contentKey: v1.key, contentSequencer: '0A', contentETag: v1.eTag }]);
    expect(await processThumbnails(deps, deps.thumbnails.jobs[0]!)).toBe('processed');
    const ready = await stored(deps, file.id);
    expect(ready.thumbnails).toEqual([
      { size: 'small', width: 256, height: 128 },
      { size: 'medium', width: 600, height: 300 },
    ]);
    expect(ready.versions[0]?.status).toBe('ready');
    const firstKeys = Object.values(ready.thumbnailKeys);
    expect(firstKeys.every((k) => deps.objects.objects.has(k!))).toBe(true);

    const v2 = await uploadThroughGrant(deps, overwriter, file, await png(100, 400), '0B');
    await processUploadedObject(deps, v2);
    // A late duplicate of the old job must not bring old thumbnails back.
    expect(await processThumbnails(deps, deps.thumbnails.jobs[0]!)).toBe('stale');
    await processThumbnails(deps, deps.thumbnails.jobs[1]!);
    const replaced = await stored(deps, file.id);
    expect(replaced.thumbnails[0]).toEqual({ size: 'small', width: 64, height: 256 });
    expect(firstKeys.some((k) => deps.objects.objects.has(k!))).toBe(false);
    expect(Object.values(replaced.thumbnailKeys).every((k) => deps.objects.objects.has(k!))).toBe(true);
  });

  it('finishes a version that stopped being current while its job waited, without thumbnails', async () => {
    const { deps } = setup();
    const file = await createFile(deps, overwriter, { name: 'p.png', fileTypeId: 'png' });
    await processUploadedObject(deps, await uploadThroughGrant(deps, overwriter, file, await png(60, 30), '0A'));
    await processUploadedObject(deps, await uploadThroughGrant(deps, overwriter, file, await png(30, 60), '0A'));
    expect(await processThumbnails(deps, deps.thumbnails.jobs[0]!)).toBe('stale');
    await processThumbnails(deps, deps.thumbnails.jobs[1]!);
    const after = await stored(deps, file.id);
    expect(after.versions.map((v) => v.status)).toEqual(['ready', 'ready']);
    expect(after.thumbnails[0]).toEqual({ size: 'small', width: 30, height: 60 });
    expect([...deps.objects.objects.keys()].filter((k) => k.startsWith('thumbnails/'))).toHaveLength(2);
  });
});

describe('processUploadedObject on objects too large to read whole', () => {
  /** Makes the store report `size` for the object at `key`, as S3 would for a large upload (its head and its reads alike). */
  function reportSize(deps: TestDeps, key: string, size: number) {
    const readHead = deps.objects.readHead.bind(deps.objects);
    const read = deps.objects.read.bind(deps.objects);
    deps.objects.readHead = async (k, length) => {
      const head = await readHead(k, length);
      return head && k === key ? { ...head, size } : head;
    };
    deps.objects.read = async (k) => {
      const stored = await read(k);
      return stored && k === key ? { ...stored, size } : stored;
    };
  }

  it('leaves a PDF over the counting bound ready without a page count, never holding its bytes', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'scan.pdf', fileTypeId: 'pdf' });
    const event = await uploadThroughGrant(deps, writer, file, await pdf(3), '0A');
    reportSize(deps, event.key, MAX_COUNTED_PDF_BYTES + 1);
    expect(await processUploadedObject(deps, event)).toBe('processed');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', size: MAX_COUNTED_PDF_BYTES + 1, pageCount: null, error: null });
  });

  it('does not read an object over the hashing bound: ready, no checksum of its own, a declared one not held against it', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'archive.pdf', fileTypeId: 'pdf' });
    const bytes = await pdf(1);
    const event = await uploadThroughGrant(deps, writer, file, bytes, '0A', { checksumSha256: sha256(bytes) });
    reportSize(deps, event.key, MAX_HASHED_BYTES + 1);
    deps.objects.read = async () => {
      throw new Error('an object this large must not be read');
    };
    expect(await processUploadedObject(deps, event)).toBe('processed');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', size: MAX_HASHED_BYTES + 1, checksumSha256: null, pageCount: null, error: null });
  });

  it('holds no more than the size the head was checked at: a read reporting another size is an error, its body closed unread', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const event = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    const body = Readable.from([Buffer.alloc(1024 ** 2)]);
    (deps.objects as ObjectStore).read = async () => ({ size: MAX_COUNTED_PDF_BYTES * 2, eTag: event.eTag, body });
    await expect(processUploadedObject(deps, event)).rejects.toThrow(`is now ${MAX_COUNTED_PDF_BYTES * 2}`);
    expect(body.destroyed).toBe(true);
    expect((await stored(deps, file.id)).status).toBe('processing');
  });
});
