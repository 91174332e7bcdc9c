import { ProcessingFailure } from '../processing/failure';
import { makeThumbnails } from '../processing/make-thumbnails';
import { readToBuffer } from '../processing/read-stream';
import { failed, writeForContent, type ProcessingOutcome } from './content-writes';
import { thumbnailObjectKeys } from './files';
import type { FileRecord } from './model';
import type { Deps, ThumbnailJob } from './ports';
import type { ThumbnailSize } from './thumbnail-sizes';

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
