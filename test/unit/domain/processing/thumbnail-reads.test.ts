import { createReadStream, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { createFile } from '../../../../lambdas/domain/files/files';
import { processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import type { ObjectStore } from '../../../../lambdas/domain/ports';
import { processThumbnails } from '../../../../lambdas/domain/processing/thumbnail-processing';
import { IMAGE_HEAD_BYTES, MAX_IMAGE_BYTES } from '../../../../lambdas/inspect/make-thumbnails';
import { pngDeclaring } from '../../../support/png-bomb';
import { setup, uploadThroughGrant, writer, type TestDeps } from '../../support/grants';

jest.setTimeout(60_000);

const MiB = 1024 ** 2;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fileport-thumbnail-reads-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `image` followed by zero bytes up to `size` in all: a sparse file, so the padding costs no disk. */
function padded(name: string, image: Buffer, size: number): string {
  const path = join(dir, name);
  writeFileSync(path, image);
  truncateSync(path, size);
  return path;
}

/**
 * The memory store, except that the object at `key` is the file at `path`, streamed from disk as S3
 * streams an object; `streamed.bytes` counts every byte it hands out, heads and whole reads alike.
 */
function fileBacked(deps: TestDeps, key: string, path: string) {
  const streamed = { bytes: 0 };
  const size = statSync(path).size;
  const eTag = `file-${size}`;
  const { readHead, read } = { readHead: deps.objects.readHead.bind(deps.objects), read: deps.objects.read.bind(deps.objects) };
  deps.objects.readHead = async (k, length) => {
    const memory = await readHead(k, length);
    if (k !== key || !memory) return memory;
    const bytes = Buffer.alloc(Math.min(length, size));
    const fd = openSync(path, 'r');
    try {
      readSync(fd, bytes, 0, bytes.length, 0);
    } finally {
      closeSync(fd);
    }
    streamed.bytes += bytes.length;
    // The grant's metadata stays that of the upload.
    return { bytes, size, eTag, metadata: memory.metadata, checksums: memory.checksums };
  };
  deps.objects.read = async (k) => {
    if (k !== key) return read(k);
    async function* body() {
      for await (const chunk of createReadStream(path, { highWaterMark: MiB })) {
        streamed.bytes += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    return { size, eTag, body: body() };
  };
  return { streamed, eTag };
}

/** A PNG file whose stored object is the file at `path`, processed up to its thumbnail job. */
async function uploadedFrom(path: string) {
  const { deps } = setup();
  const file = await createFile(deps, writer, { name: 'image.png', fileTypeId: 'png' });
  const event = await uploadThroughGrant(deps, writer, file, Buffer.alloc(1), '0A');
  const { streamed, eTag } = fileBacked(deps, event.key, path);
  expect(await processUploadedObject(deps, { ...event, eTag })).toBe('thumbnails-queued');
  streamed.bytes = 0;
  return { deps, file, job: deps.thumbnails.jobs[0]!, streamed };
}

const png16 = () => sharp({ create: { width: 16, height: 16, channels: 3, background: '#4a7' } }).png().toBuffer();

describe('processThumbnails reads no more of an image than it can process', () => {
  it('fails a 16×16 PNG padded past the byte cap as FILE_TOO_LARGE, having read only its head', async () => {
    const size = MAX_IMAGE_BYTES + MiB;
    const { deps, file, job, streamed } = await uploadedFrom(padded('padded.png', await png16(), size));
    expect(await processThumbnails(deps, job)).toBe('processed');
    const after = (await deps.files.get(file.id))!;
    expect(after).toMatchObject({ status: 'failed', size, thumbnails: [], error: { code: 'FILE_TOO_LARGE' } });
    expect(after.error!.message).toContain(String(size));
    expect(streamed.bytes).toBeLessThanOrEqual(IMAGE_HEAD_BYTES);
  });

  it('fails an image whose header declares 100000×100000 pixels as IMAGE_TOO_LARGE, having read only its head', async () => {
    const { deps, file, job, streamed } = await uploadedFrom(padded('bomb.png', pngDeclaring(100_000, 100_000), 64 * MiB));
    expect(await processThumbnails(deps, job)).toBe('processed');
    const after = (await deps.files.get(file.id))!;
    expect(after).toMatchObject({ status: 'failed', thumbnails: [], error: { code: 'IMAGE_TOO_LARGE' } });
    expect(after.error!.message).toContain('100000×100000');
    expect(streamed.bytes).toBeLessThanOrEqual(IMAGE_HEAD_BYTES);
  });

  it('makes thumbnails of an image within the bounds: one read when its head is all of it, the head and one whole read when not', async () => {
    const small = await png16();
    const one = await uploadedFrom(padded('small.png', small, small.length));
    expect(await processThumbnails(one.deps, one.job)).toBe('processed');
    expect((await one.deps.files.get(one.file.id))!).toMatchObject({ status: 'ready', thumbnails: [{ size: 'small', width: 16, height: 16 }, { size: 'medium', width: 16, height: 16 }] });
    expect(one.streamed.bytes).toBe(small.length);

    // Padding within the cap is no reason to refuse an image: sharp reads the PNG up to its end.
    const size = IMAGE_HEAD_BYTES + 5 * MiB;
    const two = await uploadedFrom(padded('larger.png', small, size));
    expect(await processThumbnails(two.deps, two.job)).toBe('processed');
    expect((await two.deps.files.get(two.file.id))!).toMatchObject({ status: 'ready', error: null });
    expect(two.streamed.bytes).toBe(IMAGE_HEAD_BYTES + size);
  });

  it('never buffers more than the checked head said: a read reporting another size is an error, its body closed unread', async () => {
    const path = padded('changing.png', await png16(), IMAGE_HEAD_BYTES + MiB);
    const { deps, job } = await uploadedFrom(path);
    const body = Readable.from([Buffer.alloc(MiB), Buffer.alloc(MiB)]);
    (deps.objects as ObjectStore).read = async () => ({ size: MAX_IMAGE_BYTES + 1, eTag: job.contentETag, body });
    await expect(processThumbnails(deps, job)).rejects.toThrow(`was ${IMAGE_HEAD_BYTES + MiB} bytes and is now ${MAX_IMAGE_BYTES + 1}`);
    expect(body.destroyed).toBe(true);
  });
});
