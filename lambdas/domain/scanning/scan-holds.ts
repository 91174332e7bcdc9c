import { FileportError, fileportError } from '../../errors';
import { scanOf, type FileRecord, type FileVersion } from '../model';
import type { ScanHold } from '../ports';

/**
 * The one check every path that hands out a version's bytes or its thumbnails makes (member and
 * share-token downloads and thumbnails, public links): infected content is never served; content
 * whose scan is pending, or failed, is held with the tenant's `scanHold: hold` (the default) and
 * served with `serve`. Content that is clean, or never scanned (`skipped`: the deployment scans
 * nothing, or the version predates scanning), is served.
 */
export function checkScanServes(file: Pick<FileRecord, 'id'>, version: Pick<FileVersion, 'version' | 'scan'>, hold: ScanHold): void {
  const { status } = scanOf(version);
  if (status === 'infected') {
    throw new FileportError('NOT_UPLOADED', `Version ${version.version} of file ${file.id} contained malware (MALWARE_FOUND) and was deleted.`);
  }
  if (hold === 'serve') return;
  if (status === 'pending') throw fileportError('SCAN_PENDING', { id: file.id, version: version.version });
  if (status === 'failed') throw fileportError('SCAN_FAILED', { id: file.id, version: version.version });
}
