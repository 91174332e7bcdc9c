import { checkSvg } from '../processing/check-svg';
import { countPages } from '../processing/count-pages';
import { ProcessingFailure } from '../processing/failure';
import { readToBuffer } from '../processing/read-stream';
import { contentMatches, sniffType } from '../processing/sniff-type';
import { failed, writeForContent, type ProcessingOutcome } from './content-writes';
import { fileIdOfContentKey, fileTypeOf, thumbnailObjectKeys } from './files';
import type { FileChanges, FileRecord } from './model';
import { StaleWrite, type Deps, type ThumbnailQueue, type UploadedObject } from './ports';

const SNIFF_BYTES = 4096;

/**
 * Step one of processing, for every object created under `content/`: claims the file for this
 * content (ignoring events older than what the file already describes), measures the size, checks
 * the first bytes against the file type, counts PDF pages, and hands images to the thumbnail step.
 * Bad content ends as a failed file; only infrastructure errors are thrown (and retried).
 */
export async function processUploadedObject(deps: Deps & { thumbnails: ThumbnailQueue }, object: UploadedObject): Promise<ProcessingOutcome> {
  const fileId = fileIdOfContentKey(object.key);
  if (!fileId) return 'not-a-file';

  const claimed = await claim(deps, fileId, object);
  if (claimed === 'deleted') {
    // The file was deleted before its content arrived: nothing may keep the bytes.
    await deps.objects.delete([object.key]);
    return 'deleted';
  }
  if (claimed === 'stale') return 'stale';
  await deps.objects.delete(claimed.superseded);

  const head = await deps.objects.readHead(object.key, SNIFF_BYTES);
  // Replaced or removed since the event: the newer object's own event carries on.
  if (!head || head.eTag !== object.eTag) return 'stale';
  const type = fileTypeOf(claimed.file);
  const measured: FileChanges = { size: head.size, detectedMimeType: head.size === 0 ? null : sniffType(head.bytes) };

  let pageCount: number | null = null;
  try {
    if (head.size === 0) throw new ProcessingFailure('EMPTY_FILE', 'The uploaded content is empty.');
    if (!contentMatches(measured.detectedMimeType as string, type)) {
      throw new ProcessingFailure('CONTENT_MISMATCH', `The content is ${measured.detectedMimeType}, not ${type.name}.`);
    }
    if (type.pageCount) pageCount = await readPageCount(deps, object);
    if (type.id === 'svg') await readSvg(deps, object, head.size);
  } catch (error) {
    if (!(error instanceof ProcessingFailure)) throw error;
    await writeForContent(deps, fileId, object.sequencer, () => ({ ...measured, ...failed(error) }));
    return 'processed';
  }
  if (type.thumbnails) {
    const written = await writeForContent(deps, fileId, object.sequencer, () => measured);
    if (written) await deps.thumbnails.enqueue({ fileId, contentSequencer: object.sequencer, contentETag: object.eTag });
    return 'thumbnails-queued';
  }
  await writeForContent(deps, fileId, object.sequencer, () => ({ ...measured, pageCount, status: 'ready' }));
  return 'processed';
}

async function claim(
  deps: Deps,
  fileId: string,
  object: UploadedObject,
): Promise<{ file: FileRecord; superseded: string[] } | 'stale' | 'deleted'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const file = await deps.files.get(fileId);
    if (!file) return 'deleted';
    const current = file.contentSequencer ?? '';
    if (current > object.sequencer) return 'stale';
    // The same event again: done if it was finished, resumed if a crash left it half-way.
    if (current === object.sequencer) return file.status === 'processing' ? { file, superseded: [] } : 'stale';
    try {
      const claimed = await deps.files.update(
        file,
        {
          status: 'processing',
          contentSequencer: object.sequencer,
          contentETag: object.eTag,
          uploadedAt: object.eventTime,
          size: null,
          pageCount: null,
          thumbnails: [],
          thumbnailKeys: {},
          detectedMimeType: null,
          error: null,
        },
        deps.now(),
      );
      return { file: claimed, superseded: thumbnailObjectKeys(file) };
    } catch (error) {
      if (!(error instanceof StaleWrite)) throw error;
    }
  }
  throw new Error(`File ${fileId} kept changing while processing claimed it.`);
}

/** SVGs are text: read whole, up to a bound, to look for scripts. */
const MAX_SVG_BYTES = 20 * 1024 * 1024;

async function readSvg(deps: Deps, object: UploadedObject, size: number): Promise<void> {
  if (size > MAX_SVG_BYTES) throw new ProcessingFailure('FILE_TOO_LARGE', `SVG files are limited to ${MAX_SVG_BYTES / 1024 / 1024} MB.`);
  const stored = await deps.objects.read(object.key);
  if (!stored || stored.eTag !== object.eTag) return;
  checkSvg(await readToBuffer(stored.body, stored.size));
}

async function readPageCount(deps: Deps, object: UploadedObject): Promise<number | null> {
  const stored = await deps.objects.read(object.key);
  // Replaced since the head was read: the newer content's event counts its pages.
  if (!stored || stored.eTag !== object.eTag) return null;
  return countPages(await readToBuffer(stored.body, stored.size));
}

