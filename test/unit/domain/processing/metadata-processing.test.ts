import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { grantMetadata } from '../../../../lambdas/domain/transfer/content-metadata';
import { createDownloadUrl } from '../../../../lambdas/domain/transfer/downloads';
import { createFile, newContentKey } from '../../../../lambdas/domain/files/files';
import { createUploadUrl } from '../../../../lambdas/domain/transfer/uploads';
import { MAX_COUNTED_PDF_BYTES, MAX_HASHED_BYTES, processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import type { ObjectStore } from '../../../../lambdas/domain/ports';
import { currentVersion, type FileRecord } from '../../../../lambdas/domain/model';
import { processThumbnails } from '../../../../lambdas/domain/processing/thumbnail-processing';
import type { UploadedObject } from '../../../../lambdas/domain/ports';
import { overwriter, putAgain, setup, uploadThroughGrant, writer, type TestDeps } from '../../support/grants';

async function pdf(pages: number) {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage();
  return doc.save();
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
const png = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#888' } }).png().toBuffer();
const stored = async (deps: TestDeps, id: string) => (await deps.files.get(id))!;
const versionAt = async (deps: TestDeps, id: string, key: string) => (await stored(deps, id)).versions.find((v) => v.key === key);

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
  it('refuses a second upload from a grant without files:overwrite (two URLs issued before any content): object deleted, recorded as a failed version ALREADY_UPLOADED, the file keeps its first content', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const first = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    const second = await uploadThroughGrant(deps, writer, file, await pdf(2), '0A');
    await processUploadedObject(deps, first);
    const shown = await stored(deps, file.id);
    expect(await processUploadedObject(deps, second)).toBe('refused');
    expect(deps.objects.objects.has(second.key)).toBe(false);
    const after = await stored(deps, file.id);
    const versions = (f: FileRecord) => f.versions.map((v) => [v.version, v.key, v.status, v.error?.code ?? null, v.contentRemoved, v.uploadedBy]);
    expect(versions(after)).toEqual([
      [1, first.key, 'ready', null, false, 'u1'],
      [2, second.key, 'failed', 'ALREADY_UPLOADED', true, 'u1'],
    ]);
    expect(after.versions[1]!.error!.message).toMatch(/already had content/);
    // The file is as it was: its content fields and thumbnails describe version 1.
    const { versions: _v, version: _w, updatedAt: _u, ...unchanged } = shown;
    expect(after).toMatchObject({ ...unchanged, status: 'ready', contentKey: first.key, pageCount: 1 });
    expect(currentVersion(after)?.version).toBe(1);
    // Its duplicate finds no object any more.
    expect(await processUploadedObject(deps, second)).toBe('stale');
    // The refused URL used again is refused again: never the file's content.
    expect(await processUploadedObject(deps, await putAgain(deps, second.key, await pdf(3), '0B'))).toBe('refused');
    expect(deps.objects.objects.has(second.key)).toBe(false);
    expect(versions(await stored(deps, file.id))).toEqual(versions(after));
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', contentKey: first.key, pageCount: 1 });
    // A later version (with files:overwrite) is numbered after the refused one, and becomes current.
    expect(await processUploadedObject(deps, await uploadThroughGrant(deps, overwriter, file, await pdf(5), '0C'))).toBe('processed');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', pageCount: 5, versions: [{ version: 1 }, { version: 2 }, { version: 3, status: 'ready' }] });
  });

  it('keeps the current version however many refused uploads follow it: those are pruned first', async () => {
    const { deps } = setup({ maxVersions: 2 });
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const uploads = [];
    for (let i = 0; i < 4; i++) uploads.push(await uploadThroughGrant(deps, writer, file, await pdf(i + 1), '0A'));
    for (const upload of uploads) await processUploadedObject(deps, upload);
    const after = await stored(deps, file.id);
    expect(after.versions.map((v) => [v.version, v.status, v.error?.code ?? null])).toEqual([
      [1, 'ready', null],
      [4, 'failed', 'ALREADY_UPLOADED'],
    ]);
    expect(after).toMatchObject({ status: 'ready', contentKey: uploads[0]!.key, pageCount: 1 });
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

describe('an upload URL (or form) used again', () => {
  /** The version the key holds, and the audit lines written about reused uploads. */
  const reuseLines = (deps: TestDeps) => deps.auditLog.lines.filter((l) => l.action === 'upload-reused');

  it('never replaces content a version accepted: new bytes at a ready version\'s key fail it UPLOAD_REUSED, are deleted, and an audit line names them', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const first = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    await processUploadedObject(deps, first);
    const again = await putAgain(deps, first.key, await pdf(4), '0B');
    expect(await processUploadedObject(deps, again)).toBe('refused');
    expect(deps.objects.objects.has(first.key)).toBe(false);
    const after = await stored(deps, file.id);
    expect(after).toMatchObject({ status: 'failed', contentKey: first.key, error: { code: 'UPLOAD_REUSED', message: expect.stringMatching(/used again/) } });
    // Never measured as the version: the bytes that were accepted are described, not the new ones.
    expect(after.versions).toEqual([expect.objectContaining({ version: 1, sequencer: '0B', status: 'failed', contentRemoved: true, pageCount: 1 })]);
    expect(reuseLines(deps)).toEqual([
      { audit: true, action: 'upload-reused', tenantId: 't1', principal: { type: 'user', id: 'u1' }, fileId: file.id, key: first.key, version: 1 },
    ]);
    // Older or repeated events change nothing.
    const before = await stored(deps, file.id);
    expect(await processUploadedObject(deps, first)).toBe('stale');
    expect(await processUploadedObject(deps, again)).toBe('stale');
    expect(await stored(deps, file.id)).toEqual(before);
    // The file had content: replacing what was lost needs files:overwrite, as before.
    await expect(createUploadUrl(deps, writer, file.id, { expiresIn: 900 })).rejects.toMatchObject({ status: 409, code: 'ALREADY_UPLOADED' });
    await expect(createUploadUrl(deps, overwriter, file.id, { expiresIn: 900 })).resolves.toMatchObject({ method: 'PUT' });
  });

  it('keeps refusing the same URL: a third PUT after the refusal does not become the version either', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const first = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    await processUploadedObject(deps, first);
    await processUploadedObject(deps, await putAgain(deps, first.key, await pdf(2), '0B'));
    expect(await processUploadedObject(deps, await putAgain(deps, first.key, await pdf(3), '0C'))).toBe('refused');
    expect(await versionAt(deps, file.id, first.key)).toMatchObject({ status: 'failed', sequencer: '0C', error: { code: 'UPLOAD_REUSED' }, contentRemoved: true });
    expect(deps.objects.objects.has(first.key)).toBe(false);
    expect(reuseLines(deps)).toHaveLength(2);
  });

  it('refuses it for a failed version that kept its bytes, for an older version, and from a grant with files:overwrite alike', async () => {
    const { deps } = setup();
    const file = await createFile(deps, overwriter, { name: 'a.png', fileTypeId: 'png' });
    const mismatched = await uploadThroughGrant(deps, overwriter, file, Buffer.from('<html></html>'), '0A');
    await processUploadedObject(deps, mismatched);
    expect(await versionAt(deps, file.id, mismatched.key)).toMatchObject({ status: 'failed', error: { code: 'CONTENT_MISMATCH' }, contentRemoved: false });
    const current = await uploadThroughGrant(deps, overwriter, file, await png(20, 10), '0A');
    await processUploadedObject(deps, current);
    await processThumbnails(deps, deps.thumbnails.jobs[0]!);
    expect(await processUploadedObject(deps, await putAgain(deps, mismatched.key, await png(30, 30), '0B'))).toBe('refused');
    const after = await stored(deps, file.id);
    expect(after.versions.map((v) => [v.version, v.status, v.error?.code ?? null, v.contentRemoved])).toEqual([
      [1, 'failed', 'UPLOAD_REUSED', true],
      [2, 'ready', null, false],
    ]);
    // The current version, its thumbnails and the file are untouched.
    expect(after).toMatchObject({ status: 'ready', contentKey: current.key });
    expect(Object.values(after.thumbnailKeys).every((k) => deps.objects.objects.has(k!))).toBe(true);
    expect(deps.objects.objects.has(mismatched.key)).toBe(false);
    expect(reuseLines(deps)).toEqual([expect.objectContaining({ principal: { type: 'user', id: 'svc' }, key: mismatched.key, version: 1 })]);
  });

  it('clears the thumbnails of a current version whose bytes it removed', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'p.png', fileTypeId: 'png' });
    const first = await uploadThroughGrant(deps, writer, file, await png(40, 20), '0A');
    await processUploadedObject(deps, first);
    await processThumbnails(deps, deps.thumbnails.jobs[0]!);
    const thumbnailKeys = Object.values((await stored(deps, file.id)).thumbnailKeys);
    expect(await processUploadedObject(deps, await putAgain(deps, first.key, await png(50, 50), '0B'))).toBe('refused');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'failed', thumbnails: [], thumbnailKeys: {}, error: { code: 'UPLOAD_REUSED' } });
    expect(thumbnailKeys.some((k) => deps.objects.objects.has(k!))).toBe(false);
    expect(deps.thumbnails.jobs).toHaveLength(1);
  });

  it('measures new bytes as the version while it has accepted none: after a CHECKSUM_MISMATCH removed them, or while it is still processing', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const right = await pdf(2);
    const wrong = await uploadThroughGrant(deps, writer, file, await pdf(5), '0A', { checksumSha256: sha256(right) });
    await processUploadedObject(deps, wrong);
    expect(await versionAt(deps, file.id, wrong.key)).toMatchObject({ status: 'failed', error: { code: 'CHECKSUM_MISMATCH' }, contentRemoved: true });
    // The client retries through the same URL (a POST form; a PUT URL too, since the key is free again).
    expect(await processUploadedObject(deps, await putAgain(deps, wrong.key, right, '0B'))).toBe('processed');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', pageCount: 2, checksumSha256: sha256(right), versions: [expect.objectContaining({ version: 1, sequencer: '0B' })] });

    const image = await createFile(deps, writer, { name: 'p.png', fileTypeId: 'png' });
    const waiting = await uploadThroughGrant(deps, writer, image, await png(10, 10), '0A');
    expect(await processUploadedObject(deps, waiting)).toBe('thumbnails-queued');
    const bytes = await png(12, 6);
    expect(await processUploadedObject(deps, await putAgain(deps, waiting.key, bytes, '0B'))).toBe('thumbnails-queued');
    expect(await processThumbnails(deps, deps.thumbnails.jobs[0]!)).toBe('stale');
    expect(await processThumbnails(deps, deps.thumbnails.jobs[1]!)).toBe('processed');
    expect(await stored(deps, image.id)).toMatchObject({ status: 'ready', checksumSha256: sha256(bytes), thumbnails: [expect.objectContaining({ size: 'small', width: 12, height: 6 }), expect.anything()] });
    expect(reuseLines(deps)).toEqual([]);
  });
});

describe('deleting only the bytes processing judged', () => {
  /** New bytes arrive at `key` right after processing's `nth` write to the file (before it deletes anything). */
  function replaceAfterWrite(deps: TestDeps, nth: number, key: string, bytes: Uint8Array, sequencer: string): Promise<UploadedObject> {
    const update = deps.files.update.bind(deps.files);
    let writes = 0;
    return new Promise((resolve) => {
      deps.files.update = async (...args) => {
        const written = await update(...args);
        if (++writes === nth) {
          deps.files.update = update;
          resolve(await putAgain(deps, key, bytes, sequencer));
        }
        return written;
      };
    });
  }

  /** New bytes arrive at `key` right after processing has looked at the object there. */
  function replaceAfterHead(deps: TestDeps, key: string, bytes: Uint8Array, sequencer: string): Promise<UploadedObject> {
    const readHead = deps.objects.readHead.bind(deps.objects);
    return new Promise((resolve) => {
      deps.objects.readHead = async (k, length) => {
        const seen = await readHead(k, length);
        if (k === key) {
          deps.objects.readHead = readHead;
          resolve(await putAgain(deps, key, bytes, sequencer));
        }
        return seen;
      };
    });
  }

  it('CHECKSUM_MISMATCH: newer bytes PUT to the URL meanwhile are kept, and their own event makes them the version', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const right = await pdf(3);
    const wrong = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A', { checksumSha256: sha256(right) });
    // The second write fails the version (the first claimed it); the new bytes land just after it.
    const replaced = replaceAfterWrite(deps, 2, wrong.key, right, '0B');
    expect(await processUploadedObject(deps, wrong)).toBe('processed');
    const retry = await replaced;
    expect(await versionAt(deps, file.id, wrong.key)).toMatchObject({ status: 'failed', error: { code: 'CHECKSUM_MISMATCH' }, contentRemoved: true });
    expect(deps.objects.bytesOf(wrong.key)?.equals(Buffer.from(right))).toBe(true);
    expect(await processUploadedObject(deps, retry)).toBe('processed');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', pageCount: 3, checksumSha256: sha256(right) });
  });

  it('FILE_TOO_LARGE, a refused second upload, an upload for a deleted file: only the object judged goes, never newer bytes at its key', async () => {
    const { deps } = setup();
    const small = await createFile(deps, writer, { name: 'small.pdf', fileTypeId: 'pdf' });
    await createUploadUrl(deps, writer, small.id, { expiresIn: 900, maxFileSize: 100 });
    const tooLarge = await putAgain(deps, deps.objects.presigned.at(-1)!.key, await pdf(2), '0A');
    const fits = replaceAfterWrite(deps, 2, tooLarge.key, Buffer.from('%PDF-1.7\n'), '0B');
    await processUploadedObject(deps, tooLarge);
    expect(await versionAt(deps, small.id, tooLarge.key)).toMatchObject({ status: 'failed', error: { code: 'FILE_TOO_LARGE' }, contentRemoved: true });
    expect(deps.objects.objects.has(tooLarge.key)).toBe(true);
    await processUploadedObject(deps, await fits);
    expect(await versionAt(deps, small.id, tooLarge.key)).toMatchObject({ sequencer: '0B', size: 9 });

    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    // Two URLs issued before any content arrived: the second is refused once the first is in.
    const first = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    const second = await uploadThroughGrant(deps, writer, file, await pdf(2), '0A');
    await processUploadedObject(deps, first);
    const newerSecond = replaceAfterHead(deps, second.key, await pdf(3), '0B');
    expect(await processUploadedObject(deps, second)).toBe('refused');
    expect(deps.objects.objects.has(second.key)).toBe(true);
    expect(await processUploadedObject(deps, await newerSecond)).toBe('refused');
    expect(deps.objects.objects.has(second.key)).toBe(false);

    const gone = await createFile(deps, writer, { name: 'b.pdf', fileTypeId: 'pdf' });
    const late = await uploadThroughGrant(deps, writer, gone, await pdf(1), '0A');
    await deps.files.delete(gone);
    const newerLate = replaceAfterHead(deps, late.key, await pdf(2), '0B');
    expect(await processUploadedObject(deps, late)).toBe('deleted');
    expect(deps.objects.objects.has(late.key)).toBe(true);
    expect(await processUploadedObject(deps, await newerLate)).toBe('deleted');
    expect(deps.objects.objects.has(late.key)).toBe(false);
  });

  it('fails a claimed version whose object vanished before it was read (CONTENT_MISSING), instead of leaving it processing', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const event = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    const read = deps.objects.read.bind(deps.objects);
    deps.objects.read = async (key) => {
      await deps.objects.delete([key]);
      return read(key);
    };
    expect(await processUploadedObject(deps, event)).toBe('processed');
    const after = await stored(deps, file.id);
    expect(after).toMatchObject({ status: 'failed', error: { code: 'CONTENT_MISSING' } });
    expect(after.versions[0]).toMatchObject({ sequencer: '0A', contentRemoved: true });
    // Nothing was accepted: the same URL may still deliver the content.
    deps.objects.read = read;
    const retry = await putAgain(deps, event.key, await pdf(2), '0B');
    expect(await processUploadedObject(deps, retry)).toBe('processed');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', pageCount: 2 });
  });

  it('fails a version a crashed run claimed when its redriven event finds no object, and a thumbnail job likewise', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const event = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    // The run claims, then dies before reading; the object is removed meanwhile.
    const read = deps.objects.read.bind(deps.objects);
    deps.objects.read = async () => {
      throw new Error('the Lambda timed out');
    };
    await expect(processUploadedObject(deps, event)).rejects.toThrow('timed out');
    deps.objects.read = read;
    expect((await stored(deps, file.id)).status).toBe('processing');
    await deps.objects.delete([event.key]);
    expect(await processUploadedObject(deps, event)).toBe('stale');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'failed', error: { code: 'CONTENT_MISSING' } });

    const image = await createFile(deps, writer, { name: 'p.png', fileTypeId: 'png' });
    const png1 = await uploadThroughGrant(deps, writer, image, await png(10, 10), '0A');
    expect(await processUploadedObject(deps, png1)).toBe('thumbnails-queued');
    await deps.objects.delete([png1.key]);
    expect(await processThumbnails(deps, deps.thumbnails.jobs[0]!)).toBe('stale');
    expect(await stored(deps, image.id)).toMatchObject({ status: 'failed', error: { code: 'CONTENT_MISSING' } });
  });

  it('stops when the object was replaced after the claim: the newer object\'s event claims the version again and finishes it', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const event = await uploadThroughGrant(deps, writer, file, await pdf(1), '0A');
    const read = deps.objects.read.bind(deps.objects);
    let newer: UploadedObject | undefined;
    deps.objects.read = async (key) => {
      newer ??= await putAgain(deps, key, await pdf(6), '0B');
      return read(key);
    };
    expect(await processUploadedObject(deps, event)).toBe('stale');
    expect((await stored(deps, file.id)).versions[0]).toMatchObject({ status: 'processing', sequencer: '0A' });
    expect(await processUploadedObject(deps, newer!)).toBe('processed');
    expect(await stored(deps, file.id)).toMatchObject({ status: 'ready', pageCount: 6, versions: [expect.objectContaining({ version: 1, sequencer: '0B' })] });
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
    expect(await stored(deps, file.id)).toMatchObject({
      status: 'ready',
      size: MAX_COUNTED_PDF_BYTES + 1,
      pageCount: null,
      error: null,
      unavailable: { pageCount: { code: 'PAGE_COUNT_UNAVAILABLE', message: expect.stringContaining('too large to be counted whole') } },
    });
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
