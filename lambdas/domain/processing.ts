import { countPages } from '../processing/count-pages';
import { ProcessingFailure } from '../processing/failure';
import { makeThumbnails, type ThumbnailSize } from '../processing/make-thumbnails';
import { readToBuffer } from '../processing/read-stream';
import { contentMatches, sniffType } from '../processing/sniff-type';
import { fileIdOfContentKey, fileTypeOf, thumbnailObjectKeys } from './files';
import type { FileChanges, FileRecord } from './model';
import { StaleWrite, type Deps, type ThumbnailJob, type ThumbnailQueue } from './ports';

/** An object that landed under `content/`: what the S3 event says about it. */
export interface UploadedObject {
  key: string;
  eTag: string;
  /** S3's per-key event order; fixed-width hex, so string order is event order. */
  sequencer: string;
  eventTime: string;
}

export type ProcessingOutcome = 'processed' | 'thumbnails-queued' | 'stale' | 'not-a-file' | 'deleted';

const SNIFF_BYTES = 4096;

/**
 * Applies `change` to the file only while it still describes content `sequencer`: a newer upload
 * (or a deleted file) makes the result of this run worthless, and it is dropped.
 */
async function writeForContent(
  deps: Deps,
  fileId: string,
  sequencer: string,
  change: (file: FileRecord) => FileChanges | undefined,
): Promise<FileRecord | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const file = await deps.files.get(fileId);
    if (!file || file.contentSequencer !== sequencer) return undefined;
    const changes = change(file);
    if (!changes) return file;
    try {
      return await deps.files.update(file, changes, deps.now());
    } catch (error) {
      if (!(error instanceof StaleWrite)) throw error;
    }
  }
  throw new Error(`File ${fileId} kept changing while processing wrote its results.`);
}

const failed = (failure: ProcessingFailure): FileChanges => ({ status: 'failed', error: { code: failure.code, message: failure.message } });

/**
 * Step one of processing, for every object created under `content/`: claims the file for this
 * content (ignoring events older than what the file already describes), measures the size, checks
 * the first bytes against the file type, counts PDF pages, and hands images to the thumbnail step.
 * Bad content ends as a failed file; only infrastructure errors are thrown (and retried).
 */
export async function processUploadedObject(deps: Deps & { thumbnails: ThumbnailQueue }, object: UploadedObject): Promise<ProcessingOutcome> {
  const fileId = fileIdOfContentKey(object.key);
  if (!fileId) return 'not-a-file';

  let superseded: string[] = [];
  const claimed = await claim(deps, fileId, object, (keys) => (superseded = keys));
  if (claimed === 'deleted') {
    // The file was deleted before its content arrived: nothing may keep the bytes.
    await deps.objects.delete([object.key]);
    return 'deleted';
  }
  if (claimed === 'stale') return 'stale';
  await deps.objects.delete(superseded);

  const head = await deps.objects.readHead(object.key, SNIFF_BYTES);
  // Replaced or removed since the event: the newer object's own event carries on.
  if (!head || head.eTag !== object.eTag) return 'stale';
  const type = fileTypeOf(claimed);

  let result: FileChanges;
  try {
    result = { size: head.size, ...(await inspect(deps, object, head.bytes, head.size, type.pageCount)) };
  } catch (error) {
    if (!(error instanceof ProcessingFailure)) throw error;
    await writeForContent(deps, fileId, object.sequencer, () => ({ size: head.size, ...failed(error) }));
    return 'processed';
  }
  if (!contentMatches(result.detectedMimeType as string, type)) {
    const failure = new ProcessingFailure('CONTENT_MISMATCH', `The content is ${result.detectedMimeType}, not ${type.name}.`);
    await writeForContent(deps, fileId, object.sequencer, () => ({ size: head.size, detectedMimeType: result.detectedMimeType, ...failed(failure) }));
    return 'processed';
  }
  if (type.thumbnails) {
    const written = await writeForContent(deps, fileId, object.sequencer, () => result);
    if (written) await deps.thumbnails.enqueue({ fileId, contentSequencer: object.sequencer, contentETag: object.eTag });
    return 'thumbnails-queued';
  }
  await writeForContent(deps, fileId, object.sequencer, () => ({ ...result, status: 'ready' }));
  return 'processed';
}

async function claim(
  deps: Deps,
  fileId: string,
  object: UploadedObject,
  onSuperseded: (keys: string[]) => void,
): Promise<FileRecord | 'stale' | 'deleted'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const file = await deps.files.get(fileId);
    if (!file) return 'deleted';
    const current = file.contentSequencer ?? '';
    if (current > object.sequencer) return 'stale';
    // The same event again: done if it was finished, resumed if a crash left it half-way.
    if (current === object.sequencer) return file.status === 'processing' ? file : 'stale';
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
      onSuperseded(thumbnailObjectKeys(file));
      return claimed;
    } catch (error) {
      if (!(error instanceof StaleWrite)) throw error;
    }
  }
  throw new Error(`File ${fileId} kept changing while processing claimed it.`);
}

async function inspect(deps: Deps, object: UploadedObject, head: Uint8Array, size: number, wantsPageCount: boolean): Promise<FileChanges> {
  if (size === 0) throw new ProcessingFailure('EMPTY_FILE', 'The uploaded content is empty.');
  const detectedMimeType = sniffType(head);
  if (!wantsPageCount || detectedMimeType !== 'application/pdf') return { detectedMimeType };
  const stored = await deps.objects.read(object.key);
  if (!stored || stored.eTag !== object.eTag) return { detectedMimeType };
  return { detectedMimeType, pageCount: await countPages(await readToBuffer(stored.body, stored.size)) };
}

/** Thumbnail keys carry the content's sequencer, so a late run for old content cannot overwrite new thumbnails. */
const thumbnailKey = (file: FileRecord, sequencer: string, size: ThumbnailSize) =>
  `thumbnails/${file.contentKey.slice('content/'.length)}/${sequencer}/${size}.webp`;

/** Step two, for image types: both thumbnail sizes, then the file is ready. */
export async function processThumbnails(deps: Deps, job: ThumbnailJob): Promise<ProcessingOutcome> {
  const file = await deps.files.get(job.fileId);
  if (!file) return 'deleted';
  if (file.contentSequencer !== job.contentSequencer || file.status !== 'processing') return 'stale';
  const stored = await deps.objects.read(file.contentKey);
  if (!stored || stored.eTag !== job.contentETag) return 'stale';

  let thumbnails;
  try {
    thumbnails = await makeThumbnails(await readToBuffer(stored.body, stored.size));
  } catch (error) {
    if (!(error instanceof ProcessingFailure)) throw error;
    await writeForContent(deps, file.id, job.contentSequencer, () => failed(error));
    return 'processed';
  }
  const keys: Partial<Record<ThumbnailSize, string>> = {};
  for (const thumbnail of thumbnails) {
    const key = thumbnailKey(file, job.contentSequencer, thumbnail.size);
    await deps.objects.put(key, thumbnail.data, 'image/webp');
    keys[thumbnail.size] = key;
  }
  const written = await writeForContent(deps, file.id, job.contentSequencer, (current) =>
    current.status === 'processing'
      ? { status: 'ready', thumbnails: thumbnails.map(({ size, width, height }) => ({ size, width, height })), thumbnailKeys: keys }
      : undefined,
  );
  if (!written) {
    // The file was deleted or got new content meanwhile: these thumbnails belong to nobody. (A
    // duplicate job for the same content writes the same keys and finds the file ready: it keeps them.)
    await deps.objects.delete(thumbnailObjectKeys({ thumbnailKeys: keys }));
    return 'stale';
  }
  return 'processed';
}
