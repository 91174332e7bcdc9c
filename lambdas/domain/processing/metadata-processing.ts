import { createHash, type Hash } from 'node:crypto';
import { checkSvg } from '../../inspect/check-svg';
import { ProcessingFailure } from '../../inspect/failure';
import { discard, readToBuffer } from '../../inspect/read-stream';
import { contentMatches, sniffType } from '../../inspect/sniff-type';
import { readGrantMetadata } from '../transfer/content-metadata';
import { failed, failMissing, freshVersion, isCurrentKey, writeForVersion, type ContentRef, type ProcessingOutcome, type VersionResult } from './content-writes';
import { claimVersion, deleteSuperseded } from './version-claims';
import { countPdfPages, type PdfPageCount } from './pdf-page-count';
import { canonicalMimeType, getsThumbnails, type FileType } from '../files/file-types';
import { fileIdOfContentKey } from '../files/files';
import { hasContent, isRefusedUpload, type FileRecord, type FileVersion, type Unavailable } from '../model';
import { auditReusedUpload } from '../audit';
import type { ObjectChecksums, ProcessingDeps, UploadedObject } from '../ports';

export const SNIFF_BYTES = 4096;

/** SVGs are text: read whole, up to a bound, to look for scripts. */
const MAX_SVG_BYTES = 20 * 1024 * 1024;

/**
 * PDFs are counted from one buffer of their size: 500 MB peaked at 634 MB in the 1,024 MB metadata
 * Lambda. Larger ones are ready without a page count rather than failed: nothing is wrong with them.
 */
export const MAX_COUNTED_PDF_BYTES = 512 * 1024 * 1024;

/**
 * Objects without a checksum S3 verified are hashed as they stream through; past this size the
 * read would not fit the metadata Lambda's timeout, and the version gets no SHA-256 (its
 * `unavailable.checksumSha256` says so; S3 still checks the checksums signed into each part).
 */
export const MAX_HASHED_BYTES = 4 * 1024 ** 3;

/**
 * Step one of processing, for every object created under `content/`. An object under a file's
 * prefix is a version of that file: a new one for a key the file has not seen (refused when the
 * file has content and the grant did not allow overwriting), the same one again for a key it has
 * while that version has accepted no content (its bytes were refused and removed, or are still
 * being processed); newer bytes at the key of a version that accepted content are a reused upload
 * URL or form, refused (UPLOAD_REUSED). Older or repeated events are ignored. Then it measures the
 * size and SHA-256 of the whole object, checks the checksum the client declared, the first bytes
 * against the file type, counts PDF pages, and hands images and PDFs with a preview to the
 * thumbnail step. Bad content ends as a failed version; only infrastructure errors are thrown (and retried). Objects are only
 * ever deleted as the bytes this run judged (their ETag), never newer bytes at the same key.
 */
export async function processUploadedObject(deps: ProcessingDeps, object: UploadedObject): Promise<ProcessingOutcome> {
  const fileId = fileIdOfContentKey(object.key);
  if (!fileId) return 'not-a-file';
  const ref: ContentRef = { key: object.key, sequencer: object.sequencer };

  const head = await deps.objects.readHead(object.key, SNIFF_BYTES);
  if (!head) {
    // Removed since the event. A run that claimed the version (and died) left it processing, and
    // no other event will come: it ends failed here.
    await failMissing(deps, fileId, ref);
    return 'stale';
  }
  // Replaced since the event: the newer object's own event carries on.
  if (head.eTag !== object.eTag) return 'stale';
  const grant = readGrantMetadata(head.metadata);

  const claimed = await claim(deps, fileId, object, grant, head.size);
  if (claimed === 'deleted') {
    // A deleted (or expired) file keeps no bytes.
    await deps.objects.deleteIfUnchanged(object.key, object.eTag);
    return claimed;
  }
  if (claimed === 'stale') return 'stale';
  if (claimed === 'removed') {
    // The same event again for bytes already refused: a run that stopped before deleting them is finished.
    await deps.objects.deleteIfUnchanged(object.key, object.eTag);
    return 'stale';
  }
  await deleteSuperseded(deps, claimed.superseded);
  if (isRefusedUpload(claimed.version)) {
    // A second upload from a grant that could not overwrite (two grants issued before any content
    // arrived) does not replace the first: recorded as a failed version, its bytes deleted.
    await deps.objects.deleteIfUnchanged(object.key, object.eTag);
    return 'refused';
  }
  if (claimed.reused) {
    await deps.objects.deleteIfUnchanged(object.key, object.eTag);
    const { file, version } = claimed;
    auditReusedUpload(deps, { tenantId: file.tenantId, uploadedBy: grant.uploadedBy, fileId: file.id, key: object.key, version: version.version });
    return 'refused';
  }

  // A type removed from the catalogue since the grant: its content is taken unchecked, and served as an attachment.
  const type = deps.fileTypes.typeOf(claimed.file);
  const detectedMimeType = head.size === 0 ? null : await sniffType(head.bytes);

  if (grant.maxSize !== null && head.size > grant.maxSize) {
    // Checked before the object is read: bytes over the grant's limit are neither hashed nor kept.
    const failure = new ProcessingFailure('FILE_TOO_LARGE', `The content is ${head.size} bytes; the upload allowed at most ${grant.maxSize}.`);
    const written = await writeForVersion(deps, fileId, ref, () => ({ size: head.size, detectedMimeType, checksumSha256: null, ...failed(failure), contentRemoved: true }));
    if (written?.changed) await deps.objects.deleteIfUnchanged(object.key, object.eTag);
    return 'processed';
  }
  const verified = verifiedChecksums(head.checksums, grant);
  if (verified.mismatch) {
    // S3 refused such bytes on the way in; were it ever to keep them, they are still never served.
    const measured: VersionResult = { size: head.size, detectedMimeType, checksumSha256: verified.sha256, checksumCrc64nvme: verified.crc64nvme };
    const written = await writeForVersion(deps, fileId, ref, () => ({ ...measured, ...failed(verified.mismatch as ProcessingFailure), contentRemoved: true }));
    if (written?.changed) await deps.objects.deleteIfUnchanged(object.key, object.eTag);
    return 'processed';
  }
  // The object is read whole only when it has no checksum S3 verified for the client (or the
  // client declared a SHA-256 S3 did not check), or its type's processing needs its bytes.
  const hash = verified.sha256 === null && (!verified.crc64nvmeDeclared || grant.checksumSha256 !== null);
  const keep = needsBytes(type, head.size, hash);
  const content = hash || keep ? await readContent(deps, object, keep, head.size) : { checksumSha256: null, bytes: null };
  // Replaced since the head was read: the newer content's event claims the version again.
  if (content === 'stale') return 'stale';
  if (content === 'missing') {
    await failMissing(deps, fileId, ref);
    return 'processed';
  }
  const checksumSha256 = verified.sha256 ?? content.checksumSha256;
  // Said on content that is not failed: a failed version's error says what matters.
  const unavailable: Unavailable = {};
  if (checksumSha256 === null) {
    const why = new ProcessingFailure(
      'CHECKSUM_NOT_COMPUTED',
      verified.crc64nvmeDeclared
        ? 'S3 verified the whole-object CRC-64/NVME declared with the upload (checksumCrc64nvme); the content was not read to compute a SHA-256.'
        : `The content is ${head.size} bytes, more than the ${MAX_HASHED_BYTES} processing hashes, and S3 holds no SHA-256 for it (declare checksumSha256 with a single upload for one).`,
    );
    unavailable.checksumSha256 = { code: why.code, message: why.message };
  }
  const measured: VersionResult = { size: head.size, detectedMimeType, checksumSha256, checksumCrc64nvme: verified.crc64nvme };

  if (grant.checksumSha256 !== null && content.checksumSha256 !== null && grant.checksumSha256 !== content.checksumSha256) {
    const failure = new ProcessingFailure('CHECKSUM_MISMATCH', `The content's SHA-256 is ${content.checksumSha256}, not the declared ${grant.checksumSha256}.`);
    const written = await writeForVersion(deps, fileId, ref, () => ({ ...measured, ...failed(failure), contentRemoved: true }));
    // Bytes that are not what the client sent are never served.
    if (written?.changed) await deps.objects.deleteIfUnchanged(object.key, object.eTag);
    return 'processed';
  }

  let pages: PdfPageCount = { pageCount: null };
  try {
    if (head.size === 0) throw new ProcessingFailure('EMPTY_FILE', 'The uploaded content is empty.');
    if (!contentMatches(detectedMimeType as string, head.bytes, type)) {
      throw new ProcessingFailure('CONTENT_MISMATCH', `The content is ${detectedMimeType}, not ${type.name}.`);
    }
    if (type.pageCount) pages = await countPdfPages(deps.objects, { key: object.key, eTag: object.eTag, size: head.size }, content.bytes, () => wholePdf(deps, object, head.size));
    if (isSvg(type)) {
      if (head.size > MAX_SVG_BYTES) throw new ProcessingFailure('FILE_TOO_LARGE', `SVG files are limited to ${MAX_SVG_BYTES / 1024 / 1024} MB.`);
      checkSvg(content.bytes as Buffer);
    }
  } catch (error) {
    if (!(error instanceof ProcessingFailure)) throw error;
    await writeForVersion(deps, fileId, ref, () => ({ ...measured, ...failed(error) }));
    return 'processed';
  }
  const counted: VersionResult = {
    ...measured,
    pageCount: pages.pageCount,
    unavailable: { ...unavailable, ...(pages.unavailable && { pageCount: pages.unavailable }) },
  };
  if (getsThumbnails(type)) {
    // Only the current version has thumbnails; an older one (re-uploaded to its key) is done here.
    // A PDF's preview is a thumbnail: its page count is written now, as it is known.
    const written = await writeForVersion(deps, fileId, ref, (_v, file) => (isCurrentKey(file, ref.key) ? counted : { ...counted, status: 'ready' }));
    if (!written?.current) return 'processed';
    await deps.thumbnails.enqueue({ fileId, contentKey: object.key, contentSequencer: object.sequencer, contentETag: object.eTag });
    return 'thumbnails-queued';
  }
  await writeForVersion(deps, fileId, ref, () => ({ ...counted, status: 'ready' }));
  return 'processed';
}

type Grant = ReturnType<typeof readGrantMetadata>;

/**
 * Whether a version holds content it accepted: it is ready, or failed with its bytes kept (they
 * were judged), or lost them to a reused upload. New bytes at its key never replace that content.
 * A version still processing, or whose bytes processing refused and removed, has accepted none.
 */
const acceptedContent = (v: FileVersion): boolean => v.status === 'ready' || (v.status === 'failed' && (!v.contentRemoved || v.error?.code === 'UPLOAD_REUSED'));

const alreadyUploaded = () =>
  new ProcessingFailure(
    'ALREADY_UPLOADED',
    'The file already had content when these bytes arrived, and their upload URL or form (issued before that content) could not replace it: they were deleted, and the file keeps its content. Replacing content needs files:overwrite.',
  );

const uploadReused = () =>
  new ProcessingFailure(
    'UPLOAD_REUSED',
    'The upload URL or form of this version was used again after its content was accepted. The content is gone and the new bytes were deleted; upload it again with a new URL (replacing content needs files:overwrite).',
  );

type Claim = { file: FileRecord; version: FileVersion; superseded: string[]; reused: boolean };
type ClaimAnswer = Claim | 'stale' | 'removed' | 'deleted';

/**
 * Makes the object's version `processing` (adding the version if its key is new), fails it as a
 * reused upload or as a refused one (ALREADY_UPLOADED), or says why not.
 */
async function claim(deps: ProcessingDeps, fileId: string, object: UploadedObject, grant: Grant, size: number): Promise<ClaimAnswer> {
  // Refused bytes are recorded with their size (what the client sent), and deleted unread.
  const refused = (): Omit<FileVersion, 'version' | 'key'> => ({ ...freshVersion(object, grant.uploadedBy, deps.malwareScanning), size, ...failed(alreadyUploaded()), contentRemoved: true });
  const claimed = await claimVersion<ClaimAnswer>(deps, fileId, object, {
    vanished: 'deleted',
    outdated: 'stale',
    atKnownKey: (existing, file) => {
      // The same event again: resumed if a crash left it half-way; done if it was finished.
      if (existing.sequencer === object.sequencer) {
        if (existing.status === 'processing') return { outcome: { file, version: existing, superseded: [], reused: false } };
        return { outcome: existing.contentRemoved ? 'removed' : 'stale' };
      }
      // The URL of a refused upload used again: still refused, whatever the file holds now.
      if (isRefusedUpload(existing)) return { ...existing, ...refused() };
      // New bytes at a key the file knows: the same upload URL (or form) used again. Accepted
      // content is never replaced, whatever the grant allowed: its bytes are gone (the bucket
      // keeps one object per key), so the version fails, visibly. Otherwise the version has
      // accepted nothing yet, and the new bytes are measured as it.
      return acceptedContent(existing)
        ? { ...existing, sequencer: object.sequencer, eTag: object.eTag, ...failed(uploadReused()), contentRemoved: true }
        : { ...existing, ...freshVersion(object, grant.uploadedBy, deps.malwareScanning) };
    },
    atNewKey: (file) =>
      hasContent(file) && !grant.overwrite ? refused() : freshVersion(object, grant.uploadedBy, deps.malwareScanning),
    maxVersions: deps.maxVersions,
    exhausted: () => new Error(`File ${fileId} kept changing while processing claimed it.`),
  });
  if ('outcome' in claimed) return claimed.outcome;
  const { file, existing, version, superseded } = claimed;
  return { file, version, superseded, reused: existing !== undefined && acceptedContent(existing) };
}

/**
 * The checksums S3 holds that vouch for the bytes: a FULL_OBJECT SHA-256 (S3 verified the one the
 * client sent with a PUT or a form), and a FULL_OBJECT CRC-64/NVME that is the one the client
 * declared (a multipart upload S3 checked at completion). S3 computes a CRC-64/NVME of every upload
 * without one itself: it is recorded, but vouches only for what S3 received, not for what the
 * client meant to send. A held value that differs from the grant's is a mismatch (S3 would have
 * refused the upload: checked all the same).
 */
function verifiedChecksums(held: ObjectChecksums, grant: Grant): { sha256: string | null; crc64nvme: string | null; crc64nvmeDeclared: boolean; mismatch?: ProcessingFailure } {
  const full = held.type === 'FULL_OBJECT';
  const sha256 = full ? held.sha256 : null;
  const crc64nvme = full ? held.crc64nvme : null;
  if (sha256 !== null && grant.checksumSha256 !== null && sha256 !== grant.checksumSha256) {
    return { sha256, crc64nvme, crc64nvmeDeclared: false, mismatch: new ProcessingFailure('CHECKSUM_MISMATCH', `The content's SHA-256 is ${sha256}, not the declared ${grant.checksumSha256}.`) };
  }
  if (crc64nvme !== null && grant.checksumCrc64nvme !== null && crc64nvme !== grant.checksumCrc64nvme) {
    return { sha256, crc64nvme, crc64nvmeDeclared: false, mismatch: new ProcessingFailure('CHECKSUM_MISMATCH', `The content's CRC-64/NVME is ${crc64nvme}, not the declared ${grant.checksumCrc64nvme}.`) };
  }
  return { sha256, crc64nvme, crc64nvmeDeclared: crc64nvme !== null && crc64nvme === grant.checksumCrc64nvme };
}

/** SVG images (served as image/svg+xml, whatever the operator calls the type) are scanned for scripts. */
const isSvg = (type: FileType) => canonicalMimeType(type) === 'image/svg+xml';

/**
 * SVGs are scanned from memory, up to their bound. A PDF's pages are counted through ranged reads;
 * its bytes are kept only when they stream through to be hashed anyway (up to its bound), for the
 * whole-file count should the ranged one not decide. Everything else is only hashed, never held.
 */
const needsBytes = (type: FileType, size: number, hashed: boolean) =>
  size > 0 && ((type.pageCount && hashed && size <= MAX_COUNTED_PDF_BYTES) || (isSvg(type) && size <= MAX_SVG_BYTES));

/**
 * The whole PDF for pdf-lib's count, when the ranged count could not decide and its bytes were not
 * read already: one read of them now if the PDF is within the bound (null beyond it). Bytes
 * replaced or gone meanwhile are an error: the run is retried and then finds them stale.
 */
async function wholePdf(deps: ProcessingDeps, object: UploadedObject, size: number): Promise<Uint8Array | null> {
  if (size > MAX_COUNTED_PDF_BYTES) return null;
  const content = await readContent(deps, object, true, size);
  if (content === 'stale' || content === 'missing') throw new Error(`Object ${object.key} (ETag ${object.eTag}) ${content === 'stale' ? 'changed' : 'disappeared'} while its pages were counted.`);
  return content.bytes;
}

/** One read of the whole object, hashed as it streams (up to MAX_HASHED_BYTES), kept in memory only when `keep`. */
async function readContent(
  deps: ProcessingDeps,
  object: UploadedObject,
  keep: boolean,
  size: number,
): Promise<{ checksumSha256: string | null; bytes: Buffer | null } | 'stale' | 'missing'> {
  if (size > MAX_HASHED_BYTES) return { checksumSha256: null, bytes: null };
  const stored = await deps.objects.read(object.key);
  if (!stored) return 'missing';
  if (stored.eTag !== object.eTag) {
    await discard(stored.body);
    return 'stale';
  }
  // The bounds above were checked on the head's size: the bytes read and kept are never more.
  if (stored.size !== size) {
    await discard(stored.body);
    throw new Error(`Object ${object.key} (ETag ${object.eTag}) was ${size} bytes and is now ${stored.size}.`);
  }
  const hash = createHash('sha256');
  const body = hashing(stored.body, hash);
  let bytes: Buffer | null = null;
  if (keep) bytes = await readToBuffer(body, stored.size);
  else for await (const _chunk of body) {
    // Only hashed: the bytes are not needed.
  }
  return { checksumSha256: hash.digest('base64'), bytes };
}

async function* hashing(body: AsyncIterable<Uint8Array>, hash: Hash): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
}
