import { ProcessingFailure } from '../processing/failure';
import { failed, writeForContent } from './content-writes';
import { fileIdOfContentKey, thumbnailObjectKeys } from './files';
import { StaleWrite, type Deps, type ProcessingQueue, type ThumbnailJob, type UploadedObject } from './ports';

/**
 * What to do with files whose processing never ends. Processing is at-least-once and idempotent
 * (every write is tied to the content's sequencer), so re-driving a file that was in fact still
 * being worked on costs a duplicate run, never a wrong result.
 */
export interface StuckFilePolicy {
  /** A file in `processing` this long is re-driven: its message was lost, or its processor died. */
  stuckAfterMs: number;
  /** A file in `processing` this long ends `failed` (PROCESSING_STUCK) instead. */
  giveUpAfterMs: number;
  /** Files looked at per run; the next run takes the rest. */
  batchSize: number;
}

export interface RecoveryReport {
  redriven: string[];
  gaveUp: string[];
}

/** The reconciler: re-drives files stuck in `processing`, and fails those stuck for good. */
export async function recoverStuckFiles(deps: Deps & { processing: ProcessingQueue }, policy: StuckFilePolicy): Promise<RecoveryReport> {
  const now = deps.now().getTime();
  const stuck = await deps.files.listProcessingSince(new Date(now - policy.stuckAfterMs), policy.batchSize);
  const report: RecoveryReport = { redriven: [], gaveUp: [] };
  for (const { file, since } of stuck) {
    const { contentSequencer: sequencer, contentETag: eTag, uploadedAt } = file;
    const giveUp = now - since.getTime() >= policy.giveUpAfterMs || !sequencer || !eTag;
    if (giveUp) {
      const failure = new ProcessingFailure('PROCESSING_STUCK', 'Processing did not finish. Upload the file again.');
      const written = await writeForContent(deps, file.id, sequencer ?? '', (current) => (current.status === 'processing' ? failed(failure) : undefined));
      if (written) report.gaveUp.push(file.id);
    } else {
      await deps.processing.redrive({ key: file.contentKey, eTag, sequencer, eventTime: uploadedAt ?? new Date(now).toISOString() });
      report.redriven.push(file.id);
    }
  }
  return report;
}

/** A message its processor failed on every attempt, now in a dead-letter queue. */
export type DeadLetter = { kind: 'upload'; object: UploadedObject } | { kind: 'thumbnails'; job: ThumbnailJob };

const deadLettered = () => new ProcessingFailure('PROCESSING_FAILED', 'Processing failed on every attempt. Upload the file again.');

/**
 * A dead-lettered message ends its file as `failed`, so nobody waits on a file that will never be
 * ready, unless the file has moved on to newer content (or finished) meanwhile.
 */
export async function failDeadLetter(deps: Deps, letter: DeadLetter): Promise<'failed' | 'stale'> {
  if (letter.kind === 'thumbnails') {
    const { fileId, contentSequencer } = letter.job;
    const written = await writeForContent(deps, fileId, contentSequencer, (file) => (file.status === 'processing' ? failed(deadLettered()) : undefined));
    return written?.status === 'failed' ? 'failed' : 'stale';
  }
  const { object } = letter;
  const fileId = fileIdOfContentKey(object.key);
  if (!fileId) return 'stale';
  // The metadata step may have failed before it claimed the file: the file may still describe older
  // content (or none), and is claimed for this content as it fails.
  for (let attempt = 0; attempt < 5; attempt++) {
    const file = await deps.files.get(fileId);
    if (!file) return 'stale';
    const current = file.contentSequencer ?? '';
    if (current > object.sequencer || (current === object.sequencer && file.status !== 'processing')) return 'stale';
    const newContent = current !== object.sequencer;
    const forgetOldContent = newContent
      ? { contentSequencer: object.sequencer, contentETag: object.eTag, uploadedAt: object.eventTime, size: null, pageCount: null, detectedMimeType: null, thumbnails: [], thumbnailKeys: {} }
      : {};
    try {
      await deps.files.update(file, { ...forgetOldContent, ...failed(deadLettered()) }, deps.now());
      if (newContent) await deps.objects.delete(thumbnailObjectKeys(file));
      return 'failed';
    } catch (error) {
      if (!(error instanceof StaleWrite)) throw error;
    }
  }
  throw new Error(`File ${fileId} kept changing while its dead letter was recorded.`);
}
