import { deleteSuperseded } from '../processing/version-claims';
import { renditionPrefix } from '../transfer/rendition-spec';
import { retryOnStaleWrite, WRITE_ATTEMPTS } from '../concurrency';
import { fileIdOfContentKey } from '../files/files';
import type { ScanStatus } from '../events/model';
import type { FileVersion } from '../model';
import type { Deps } from '../ports';
import { ProcessingFailure } from '../../inspect/failure';
import { failed, isCurrentKey, versionChanges } from '../processing/content-writes';

/**
 * What a malware scanner said of one object: GuardDuty Malware Protection for S3 deployed
 * (lambdas/adapters/guardduty-scan-results.ts reads its result events), the local stand-in
 * (local/scanner.ts) locally. The object is named by its key and the ETag of the bytes scanned.
 */
export interface ScanResult {
  key: string;
  /** Without quotes. */
  eTag: string;
  status: Exclude<ScanStatus, 'pending' | 'skipped'>;
  /** When the scan ended (ISO-8601). */
  completedAt: string;
  /** The scanner's own word: its status, the threats it named. For the log, never for clients. */
  detail: string;
}

/**
 * The result came before processing recorded the version of the bytes it names (the scanner and
 * the metadata processor both start from the object's creation, and race). Thrown so the queue
 * delivers the result again later: by then the version exists. Never lost, never applied to a
 * version of other bytes.
 */
export class ScanResultEarly extends Error {}

export type ScanRecordOutcome = 'recorded' | 'unchanged' | 'stale' | 'not-a-file';

const unquoted = (eTag: string) => eTag.replace(/^"|"$/g, '');

const malwareFound = () => new ProcessingFailure('MALWARE_FOUND', 'The malware scan found a threat in this content: it was deleted and is never served. Upload a clean file.');

/**
 * Records a scan result on the version of the bytes it names (key and ETag), with the file's
 * conditional update (retried on a concurrent write). Infected bytes end their version `failed`
 * (MALWARE_FOUND): the object and, for the current version, its thumbnails are deleted, so no path
 * can ever serve them; the file is `failed` when it was its current version. A result for bytes
 * no longer at the key, or for a file gone, changes nothing; one for bytes still at the key that
 * processing has not recorded yet throws `ScanResultEarly`.
 */
export async function recordScanResult(deps: Deps, result: ScanResult): Promise<ScanRecordOutcome> {
  const fileId = fileIdOfContentKey(result.key);
  if (!fileId) return 'not-a-file';
  const eTag = unquoted(result.eTag);
  const written = await retryOnStaleWrite(
    async () => {
      const file = await deps.files.get(fileId);
      if (!file) return { outcome: 'stale' as const };
      const version = file.versions.find((v) => v.key === result.key && unquoted(v.eTag) === eTag);
      if (!version) return { outcome: 'missing' as const };
      const scan = { status: result.status, completedAt: result.completedAt };
      if (version.scan?.status === result.status) return { outcome: 'unchanged' as const, file, version };
      // A verdict is final: a redelivered or reordered older one never turns infected into clean.
      if (version.scan?.status === 'infected') return { outcome: 'unchanged' as const, file, version };
      const current = isCurrentKey(file, version.key);
      const next: FileVersion =
        result.status === 'infected' ? { ...version, ...failed(malwareFound()), scan, contentRemoved: true } : { ...version, scan };
      // An entry ending in `/`: the version's renditions (deleteSuperseded).
      const removedThumbnails = result.status === 'infected' && current ? [...Object.values(file.thumbnailKeys).filter((k): k is string => typeof k === 'string'), renditionPrefix(version)] : [];
      const changes = versionChanges(file, next, result.status === 'infected' && current ? { thumbnails: [], thumbnailKeys: {} } : {});
      const updated = await deps.files.update(file, changes, deps.now());
      return { outcome: 'recorded' as const, file: updated, version: next, removedThumbnails };
    },
    { attempts: WRITE_ATTEMPTS, exhausted: () => new Error(`File ${fileId} kept changing while its scan result was recorded.`) },
  );
  if (written.outcome === 'missing') {
    // Not (yet) a version of the file: the bytes scanned are still at the key only when processing
    // has not recorded them yet. Gone or replaced, they need no verdict (newer bytes get their own).
    const head = await deps.objects.readHead(result.key, 1);
    if (head && unquoted(head.eTag) === eTag) throw new ScanResultEarly(`The version of ${result.key} (ETag ${eTag}) is not recorded yet; its scan result is retried.`);
    return 'stale';
  }
  if (written.outcome !== 'recorded') {
    // A redelivery after the write but before the deletes: they are finished now.
    if (written.outcome === 'unchanged' && written.version.scan?.status === 'infected') await deps.objects.deleteIfUnchanged(written.version.key, eTag);
    return written.outcome;
  }
  if (result.status === 'infected') {
    await deps.objects.deleteIfUnchanged(result.key, eTag);
    if (written.removedThumbnails.length > 0) await deleteSuperseded(deps, written.removedThumbnails);
  }
  return 'recorded';
}

