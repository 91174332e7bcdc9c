import { ProcessingFailure } from '../../inspect/failure';
import { currentVersion, isRefusedUpload, type FileChanges, type FileRecord, type FileVersion } from '../model';
import { retryOnStaleWrite, WRITE_ATTEMPTS } from '../concurrency';
import type { Deps, UploadedObject } from '../ports';

export type ProcessingOutcome = 'processed' | 'thumbnails-queued' | 'stale' | 'not-a-file' | 'deleted' | 'refused';

/** The bytes a processing run works on: one version's object, as one S3 event reported it. */
export interface ContentRef {
  key: string;
  sequencer: string;
}

/** What processing learns about a version. Thumbnails are kept for the current version only. */
export type VersionResult = Partial<Pick<FileVersion, 'status' | 'size' | 'checksumSha256' | 'checksumCrc64nvme' | 'pageCount' | 'unavailable' | 'detectedMimeType' | 'error' | 'contentRemoved'>> &
  Partial<Pick<FileRecord, 'thumbnails' | 'thumbnailKeys'>>;

export const isCurrentKey = (file: Pick<FileRecord, 'versions'>, key: string): boolean => currentVersion(file)?.key === key;

/** The file's content fields as its current version describes them. */
export function mirrorOf(v: FileVersion): FileChanges {
  return {
    status: v.status,
    size: v.size,
    pageCount: v.pageCount,
    checksumSha256: v.checksumSha256,
    checksumCrc64nvme: v.checksumCrc64nvme ?? null,
    unavailable: v.unavailable ?? {},
    detectedMimeType: v.detectedMimeType,
    error: v.error,
    uploadedAt: v.uploadedAt,
    contentKey: v.key,
  };
}

/**
 * The scan state of new bytes: they await the scanner when the deployment scans (GuardDuty scans
 * every object created under `content/`), else they are never scanned.
 */
export const newScan = (scanning: boolean | undefined): NonNullable<FileVersion['scan']> => ({ status: scanning ? 'pending' : 'skipped', completedAt: null });

/** A version that has just been uploaded (or re-uploaded to its key) and awaits processing. */
export function freshVersion(object: UploadedObject, uploadedBy: string | null, scanning?: boolean): Omit<FileVersion, 'version' | 'key'> {
  return {
    sequencer: object.sequencer,
    eTag: object.eTag,
    uploadedAt: object.eventTime,
    uploadedBy,
    status: 'processing',
    size: null,
    checksumSha256: null,
    checksumCrc64nvme: null,
    pageCount: null,
    unavailable: {},
    detectedMimeType: null,
    error: null,
    contentRemoved: false,
    scan: newScan(scanning),
  };
}

/**
 * Changes that replace the version with `next.key` by `next`; when it is the current version the
 * file's content fields follow, and thumbnails change only then.
 */
export function versionChanges(file: FileRecord, next: FileVersion, thumbnails: Partial<Pick<FileRecord, 'thumbnails' | 'thumbnailKeys'>> = {}): FileChanges {
  const versions = file.versions.map((v) => (v.key === next.key ? next : v));
  return isCurrentKey(file, next.key) ? { versions, ...mirrorOf(next), ...thumbnails } : { versions };
}

/**
 * Changes that add `added` as the file's new current version: the previous current version's
 * thumbnails are no longer shown (their objects are the caller's to delete), and the file is no
 * longer temporary. A refused upload is only recorded: the file keeps its content, thumbnails and all.
 */
export function appendVersion(file: FileRecord, added: FileVersion): FileChanges {
  if (isRefusedUpload(added)) return { versions: [...file.versions, added] };
  return { versions: [...file.versions, added], ...mirrorOf(added), thumbnails: [], thumbnailKeys: {}, expiresAt: null };
}

/**
 * Applies `change` to a version only while it still describes the content `ref` names: a newer
 * upload to the same key (or a deleted file) makes the result of this run worthless, and it is
 * dropped. Undefined when it was dropped; else the file after the write, with `changed` false
 * when `change` had nothing to write.
 */
export async function writeForVersion(
  deps: Deps,
  fileId: string,
  ref: ContentRef,
  change: (version: FileVersion, file: FileRecord) => VersionResult | undefined,
): Promise<{ file: FileRecord; version: FileVersion; current: boolean; changed: boolean } | undefined> {
  return retryOnStaleWrite(async () => {
    const file = await deps.files.get(fileId);
    const version = file?.versions.find((v) => v.key === ref.key && v.sequencer === ref.sequencer);
    if (!file || !version) return undefined;
    const current = isCurrentKey(file, ref.key);
    // Malware found in these bytes (lambdas/domain/processing/scan-results.ts) ended the version
    // for good, whatever processing still had to say about them.
    if (version.scan?.status === 'infected') return { file, version, current, changed: false };
    const result = change(version, file);
    if (!result) return { file, version, current, changed: false };
    const { thumbnails, thumbnailKeys, ...fields } = result;
    const next: FileVersion = { ...version, ...fields };
    const shown = { ...(thumbnails && { thumbnails }), ...(thumbnailKeys && { thumbnailKeys }) };
    const written = { file: await deps.files.update(file, versionChanges(file, next, shown), deps.now()), version: next, current, changed: true };
    reportFinished(deps, version, next);
    return written;
  }, { attempts: WRITE_ATTEMPTS, exhausted: () => new Error(`File ${fileId} kept changing while processing wrote its results.`) });
}

/**
 * Counts a version whose processing has just ended (written, not merely decided): it was
 * processing, or it is new bytes at its key (a reused upload, a dead letter for an unclaimed key).
 * A duplicate run finds the version finished and writes nothing, so nothing is counted twice.
 */
export function reportFinished(deps: Pick<Deps, 'telemetry' | 'now'>, before: Pick<FileVersion, 'status' | 'sequencer'> | undefined, after: FileVersion): void {
  if (after.status === 'processing') return;
  if (before && before.status !== 'processing' && before.sequencer === after.sequencer) return;
  deps.telemetry.versionFinished({ status: after.status, errorCode: after.error?.code ?? null, uploadedAt: after.uploadedAt, at: deps.now() });
}

export const failed = (failure: ProcessingFailure): VersionResult => ({ status: 'failed', error: { code: failure.code, message: failure.message } });

/**
 * The object of a version processing claimed is gone, with nothing newer at its key (that would
 * have an event of its own): the version fails rather than stay `processing` until the reconciler
 * gives up. Written only while the version is still the claimed content, processing.
 */
export async function failMissing(deps: Deps, fileId: string, ref: ContentRef): Promise<void> {
  const failure = new ProcessingFailure('CONTENT_MISSING', 'The uploaded content disappeared before it was processed. Upload it again.');
  await writeForVersion(deps, fileId, ref, (v) => (v.status === 'processing' ? { ...failed(failure), contentRemoved: true } : undefined));
}
