import { ProcessingFailure } from '../../inspect/failure';
import { checkImageHead, IMAGE_HEAD_BYTES, makeThumbnails } from '../../inspect/make-thumbnails';
import { checkPreviewSize, previewPdf } from '../../inspect/pdf-preview';
import { discard, readToBuffer } from '../../inspect/read-stream';
import { failed, failMissing, isCurrentKey, writeForVersion, type ContentRef, type ProcessingOutcome } from './content-writes';
import { objectPrefixes, thumbnailObjectKeys } from '../files/files';
import { rendersPreview } from '../files/file-types';
import type { Deps, StoredObject, ThumbnailJob } from '../ports';
import type { ThumbnailSize } from '../../inspect/thumbnail-sizes';

/**
 * Thumbnail keys carry the content's key and sequencer, so a late run for other content (another
 * version, or older bytes at the same key) can never overwrite the thumbnails of the current one.
 */
const thumbnailKey = (job: ThumbnailJob, size: ThumbnailSize) =>
  `${objectPrefixes.thumbnails}${job.contentKey.slice(objectPrefixes.content.length)}/${job.contentSequencer}/${size}.webp`;

/**
 * Step two, for image types and PDFs with a preview: both thumbnail sizes of the current version
 * (of a PDF, its first page rendered), then it is ready. An image that cannot be thumbnailed fails;
 * a PDF whose page cannot be rendered (or not within the preview's budget) is ready without
 * thumbnails, with the reason in `unavailable.thumbnails`: the document itself passed its checks.
 */
export async function processThumbnails(deps: Deps, job: ThumbnailJob): Promise<ProcessingOutcome> {
  const ref: ContentRef = { key: job.contentKey, sequencer: job.contentSequencer };
  const file = await deps.files.get(job.fileId);
  if (!file) return 'deleted';
  const version = file.versions.find((v) => v.key === ref.key && v.sequencer === ref.sequencer);
  if (!version || version.status !== 'processing') return 'stale';
  if (!isCurrentKey(file, ref.key)) {
    // A newer version arrived meanwhile. This one passed its checks; only the current version
    // gets thumbnails, so there is nothing left to do for it.
    await writeForVersion(deps, file.id, ref, (v) => (v.status === 'processing' ? { status: 'ready' } : undefined));
    return 'stale';
  }
  const pdf = rendersPreview(deps.fileTypes.typeOf(file));
  // The head first: the image's size and header can refuse it before the rest is read.
  const head = await deps.objects.readHead(ref.key, IMAGE_HEAD_BYTES);
  if (!head) {
    // Gone, with nothing newer at the key (that would have its own event): the version ends here.
    await failMissing(deps, file.id, ref);
    return 'stale';
  }
  // Replaced: the newer object's event claims the version again.
  if (head.eTag !== job.contentETag) return 'stale';

  let thumbnails;
  try {
    // A PDF too large to render is never read.
    if (pdf) checkPreviewSize(head.size);
    else checkImageHead(head.bytes, head.size);
    const image = head.bytes.length === head.size ? Buffer.from(head.bytes.buffer, head.bytes.byteOffset, head.bytes.byteLength) : await readWhole(deps, ref.key, head);
    if (image === 'missing') await failMissing(deps, file.id, ref);
    if (image === 'stale' || image === 'missing') return 'stale';
    thumbnails = pdf ? await previewPdf(image) : await makeThumbnails(image);
  } catch (error) {
    if (!(error instanceof ProcessingFailure)) throw error;
    const { code, message } = error;
    await writeForVersion(deps, file.id, ref, (v) =>
      !pdf ? failed(error) : v.status === 'processing' ? { status: 'ready', unavailable: { ...v.unavailable, thumbnails: { code, message } } } : undefined,
    );
    return 'processed';
  }
  const keys: Partial<Record<ThumbnailSize, string>> = {};
  for (const thumbnail of thumbnails) {
    const key = thumbnailKey(job, thumbnail.size);
    await deps.objects.put(key, thumbnail.data, 'image/webp');
    keys[thumbnail.size] = key;
  }
  const written = await writeForVersion(deps, file.id, ref, (v, current) => {
    if (v.status !== 'processing') return undefined;
    if (!isCurrentKey(current, ref.key)) return { status: 'ready' };
    return { status: 'ready', thumbnails: thumbnails.map(({ size, width, height }) => ({ size, width, height })), thumbnailKeys: keys };
  });
  // Thumbnails the file does not show belong to nobody: it was deleted or got newer content
  // meanwhile. (A duplicate job for the same content wrote the same keys, which the file shows.)
  const shown = new Set(written ? thumbnailObjectKeys(written.file) : []);
  const orphans = thumbnailObjectKeys({ thumbnailKeys: keys }).filter((key) => !shown.has(key));
  if (orphans.length > 0) {
    await deps.objects.delete(orphans);
    return 'stale';
  }
  return 'processed';
}

/**
 * The whole object whose head was checked, in one buffer of the size the head had: a stream that
 * runs longer is cut off there (readToBuffer), so no more is held than was checked.
 */
async function readWhole(deps: Deps, key: string, head: Pick<StoredObject, 'size' | 'eTag'>): Promise<Buffer | 'stale' | 'missing'> {
  const stored = await deps.objects.read(key);
  if (!stored) return 'missing';
  if (stored.eTag !== head.eTag) {
    // Replaced since its head was read: the newer content's own job processes it.
    await discard(stored.body);
    return 'stale';
  }
  if (stored.size !== head.size) {
    await discard(stored.body);
    throw new Error(`Object ${key} (ETag ${head.eTag}) was ${head.size} bytes and is now ${stored.size}.`);
  }
  return readToBuffer(stored.body, stored.size);
}
