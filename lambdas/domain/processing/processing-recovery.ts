import { ProcessingFailure } from '../../inspect/failure';
import { failed, freshVersion, writeForVersion } from './content-writes';
import { claimVersion, deleteSuperseded } from './version-claims';
import { fileIdOfContentKey } from '../files/files';
import { rendersPreview } from '../files/file-types';
import { isRefusedUpload } from '../model';
import type { Deps, ProcessingQueue, QueryDeps, ThumbnailJob, UploadedObject } from '../ports';

/**
 * What to do with files whose processing never ends. Processing is at-least-once and idempotent
 * (every write is tied to the content's key and sequencer), so re-driving a file that was in fact
 * still being worked on costs a duplicate run, never a wrong result.
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
  /** Age of the oldest version still processing once the run is done; 0 when none is. */
  oldestProcessingAgeSeconds: number;
}

/** The reconciler: re-drives versions stuck in `processing`, and fails those stuck for good. */
export async function recoverStuckFiles(deps: QueryDeps & { processing: ProcessingQueue }, policy: StuckFilePolicy): Promise<RecoveryReport> {
  const now = deps.now().getTime();
  const stuck = await deps.fileQueries.listProcessingSince(new Date(now - policy.stuckAfterMs), policy.batchSize);
  const report: RecoveryReport = { redriven: [], gaveUp: [], oldestProcessingAgeSeconds: 0 };
  for (const { file, since } of stuck) {
    const giveUp = now - since.getTime() >= policy.giveUpAfterMs;
    let redriven = false;
    let gaveUp = false;
    for (const version of file.versions.filter((v) => v.status === 'processing')) {
      if (giveUp) {
        const failure = new ProcessingFailure('PROCESSING_STUCK', 'Processing did not finish. Upload the file again.');
        const written = await writeForVersion(deps, file.id, version, (current) => (current.status === 'processing' ? failed(failure) : undefined));
        gaveUp ||= written?.changed === true;
      } else {
        await deps.processing.redrive({ key: version.key, eTag: version.eTag, sequencer: version.sequencer, eventTime: version.uploadedAt });
        redriven = true;
      }
    }
    if (redriven) report.redriven.push(file.id);
    if (gaveUp) report.gaveUp.push(file.id);
  }
  // Measured after the give-ups, so a run that failed the oldest files reports what is left: the
  // processing lag an operator is alarmed on is the one nobody has dealt with yet.
  const oldest = await deps.fileQueries.oldestProcessingSince();
  report.oldestProcessingAgeSeconds = oldest ? Math.max(0, Math.floor((now - oldest.getTime()) / 1000)) : 0;
  deps.telemetry.reconciled({ oldestProcessingAgeSeconds: report.oldestProcessingAgeSeconds, gaveUp: report.gaveUp.length });
  return report;
}

/** A message its processor failed on every attempt, now in a dead-letter queue. */
export type DeadLetter = { kind: 'upload'; object: UploadedObject } | { kind: 'thumbnails'; job: ThumbnailJob };

const deadLettered = () => new ProcessingFailure('PROCESSING_FAILED', 'Processing failed on every attempt. Upload the file again.');

const previewDeadLettered = () =>
  new ProcessingFailure('PROCESSING_FAILED', 'Rendering the first page failed on every attempt: the PDF has no preview.');

/**
 * A dead-lettered message ends its version as `failed`, so nobody waits on a file that will never
 * be ready, unless the version has moved on to newer bytes (or finished) meanwhile. A PDF whose
 * preview never rendered is the exception: it passed every check before its thumbnail job (its
 * page count is known), so it ends `ready`, with why it has no thumbnails in `unavailable`.
 */
export async function failDeadLetter(deps: Deps, letter: DeadLetter): Promise<'failed' | 'ready' | 'stale'> {
  if (letter.kind === 'thumbnails') {
    const { fileId, contentKey, contentSequencer } = letter.job;
    let preview = false;
    const written = await writeForVersion(deps, fileId, { key: contentKey, sequencer: contentSequencer }, (v, file) => {
      if (v.status !== 'processing') return undefined;
      preview = rendersPreview(deps.fileTypes.typeOf(file));
      if (!preview) return failed(deadLettered());
      const { code, message } = previewDeadLettered();
      return { status: 'ready', unavailable: { ...v.unavailable, thumbnails: { code, message } } };
    });
    if (!written?.changed) return 'stale';
    return preview ? 'ready' : 'failed';
  }
  const { object } = letter;
  const fileId = fileIdOfContentKey(object.key);
  if (!fileId) return 'stale';
  // The metadata step may have failed before it claimed the version: the key may be new to the
  // file, or describe older bytes, and is claimed for this content as it fails. (This function
  // cannot read the object's grant: a new key becomes a failed version whatever the grant allowed.)
  const claimed = await claimVersion<'stale'>(deps, fileId, object, {
    vanished: 'stale',
    outdated: 'stale',
    // Newer bytes at the key fail in its place; the same bytes fail only while still processing.
    // A refused upload's key stays refused: it never turns into the file's content.
    atKnownKey: (existing) =>
      (existing.sequencer === object.sequencer && existing.status !== 'processing') || isRefusedUpload(existing)
        ? { outcome: 'stale' }
        : { ...existing, ...(existing.sequencer !== object.sequencer ? freshVersion(object, existing.uploadedBy, deps.malwareScanning) : {}), ...failed(deadLettered()) },
    atNewKey: () => ({ ...freshVersion(object, null, deps.malwareScanning), ...failed(deadLettered()) }),
    exhausted: () => new Error(`File ${fileId} kept changing while its dead letter was recorded.`),
  });
  if ('outcome' in claimed) return claimed.outcome;
  await deleteSuperseded(deps, claimed.superseded);
  return 'failed';
}
