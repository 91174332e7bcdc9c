import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { createFile } from '../../../lambdas/domain/files';
import type { Principal } from '../../../lambdas/domain/model';
import { processUploadedObject } from '../../../lambdas/domain/metadata-processing';
import { processThumbnails } from '../../../lambdas/domain/thumbnail-processing';
import { MemoryFiles, MemoryObjects, MemoryQueue } from '../support/memory';

const principal: Principal = { tenantId: 't1', userId: 'u1', scopes: new Set(['files:write']) };

function setup() {
  const deps = { files: new MemoryFiles(), objects: new MemoryObjects(), thumbnails: new MemoryQueue(), now: () => new Date('2026-01-01T00:00:00Z') };
  return deps;
}

async function pdf(pages: number) {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage();
  return doc.save();
}

/** Puts content and returns the event S3 would send for it. */
async function upload(deps: ReturnType<typeof setup>, key: string, bytes: Uint8Array, sequencer: string) {
  await deps.objects.put(key, bytes);
  return { key, eTag: deps.objects.eTagOf(key), sequencer, eventTime: '2026-01-01T00:00:01Z' };
}

describe('processUploadedObject', () => {
  it('measures size and page count and marks a PDF ready', async () => {
    const deps = setup();
    const file = await createFile(deps, principal, { name: 'a.pdf', fileTypeId: 'pdf' });
    const bytes = await pdf(3);
    expect(await processUploadedObject(deps, await upload(deps, file.contentKey, bytes, '0A'))).toBe('processed');
    expect(await deps.files.get(file.id)).toMatchObject({ status: 'ready', size: bytes.length, pageCount: 3, contentSequencer: '0A', detectedMimeType: 'application/pdf' });
  });

  it('ignores an older event that arrives after a newer one', async () => {
    const deps = setup();
    const file = await createFile(deps, principal, { name: 'a.pdf', fileTypeId: 'pdf' });
    const newer = await upload(deps, file.contentKey, await pdf(5), '0B');
    await processUploadedObject(deps, newer);
    const older = { ...newer, sequencer: '0A', eTag: 'etag-of-the-old-content' };
    expect(await processUploadedObject(deps, older)).toBe('stale');
    expect(await deps.files.get(file.id)).toMatchObject({ pageCount: 5, contentSequencer: '0B', status: 'ready' });
  });

  it('does nothing for a duplicate of a finished event', async () => {
    const deps = setup();
    const file = await createFile(deps, principal, { name: 'a.pdf', fileTypeId: 'pdf' });
    const event = await upload(deps, file.contentKey, await pdf(2), '0A');
    await processUploadedObject(deps, event);
    const version = (await deps.files.get(file.id))?.version;
    expect(await processUploadedObject(deps, event)).toBe('stale');
    expect((await deps.files.get(file.id))?.version).toBe(version);
  });

  it('drops an event whose object was replaced before it was read', async () => {
    const deps = setup();
    const file = await createFile(deps, principal, { name: 'a.pdf', fileTypeId: 'pdf' });
    const first = await upload(deps, file.contentKey, await pdf(1), '0A');
    await deps.objects.put(file.contentKey, await pdf(9));
    expect(await processUploadedObject(deps, first)).toBe('stale');
    expect((await deps.files.get(file.id))?.pageCount).toBeNull();
  });

  it('deletes content that arrives for a deleted file', async () => {
    const deps = setup();
    const event = await upload(deps, 'content/0123456789abcdef0123456789abcdef', await pdf(1), '0A');
    expect(await processUploadedObject(deps, event)).toBe('deleted');
    expect(deps.objects.objects.size).toBe(0);
  });

  it('ignores keys Fileport did not hand out', async () => {
    const deps = setup();
    expect(await processUploadedObject(deps, await upload(deps, 'thumbnails/x/small.webp', Buffer.from('x'), '0A'))).toBe('not-a-file');
  });

  it('fails empty content and mismatched content without throwing', async () => {
    const deps = setup();
    const empty = await createFile(deps, principal, { name: 'a.pdf', fileTypeId: 'pdf' });
    await processUploadedObject(deps, await upload(deps, empty.contentKey, new Uint8Array(), '0A'));
    expect(await deps.files.get(empty.id)).toMatchObject({ status: 'failed', size: 0, error: { code: 'EMPTY_FILE' } });

    const html = await createFile(deps, principal, { name: 'a.png', fileTypeId: 'png' });
    await processUploadedObject(deps, await upload(deps, html.contentKey, Buffer.from('<html><script>x</script></html>'), '0A'));
    expect(await deps.files.get(html.id)).toMatchObject({ status: 'failed', detectedMimeType: 'text/html', error: { code: 'CONTENT_MISMATCH' } });
    expect(deps.thumbnails.jobs).toEqual([]);
  });
});

describe('processThumbnails', () => {
  it('queues images for thumbnails, then makes both sizes and replaces those of older content', async () => {
    const deps = setup();
    const file = await createFile(deps, principal, { name: 'p.png', fileTypeId: 'png' });
    const png = await sharp({ create: { width: 600, height: 300, channels: 3, background: '#888' } }).png().toBuffer();
    expect(await processUploadedObject(deps, await upload(deps, file.contentKey, png, '0A'))).toBe('thumbnails-queued');
    expect((await deps.files.get(file.id))?.status).toBe('processing');
    expect(await processThumbnails(deps, deps.thumbnails.jobs[0]!)).toBe('processed');
    const ready = await deps.files.get(file.id);
    expect(ready?.thumbnails).toEqual([
      { size: 'small', width: 256, height: 128 },
      { size: 'medium', width: 600, height: 300 },
    ]);
    const firstKeys = Object.values(ready!.thumbnailKeys);
    expect(firstKeys.every((k) => deps.objects.objects.has(k!))).toBe(true);

    const png2 = await sharp({ create: { width: 100, height: 400, channels: 3, background: '#111' } }).png().toBuffer();
    await processUploadedObject(deps, await upload(deps, file.contentKey, png2, '0B'));
    // A late duplicate of the old job must not bring old thumbnails back.
    expect(await processThumbnails(deps, deps.thumbnails.jobs[0]!)).toBe('stale');
    await processThumbnails(deps, deps.thumbnails.jobs[1]!);
    const replaced = await deps.files.get(file.id);
    expect(replaced?.thumbnails[0]).toEqual({ size: 'small', width: 64, height: 256 });
    expect(firstKeys.some((k) => deps.objects.objects.has(k!))).toBe(false);
  });
});
