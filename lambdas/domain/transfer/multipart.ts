import { FileportError, fileportError } from '../../errors';
import { actorOf, audit } from '../audit';
import { loadOwnFile, objectPrefixes } from '../files/files';
import { currentVersion, type FileRecord, type Principal } from '../model';
import { ChecksumRefused, NoSuchUpload, ObjectExists, PartsRefused, type Deps, type UploadDeps, type UploadedPart } from '../ports';
import { S3_LIMITS, type SizeLimits } from './size-limits';
import { signUploadId, verifyUploadId, type UploadToken } from './upload-ids';
import { fileAndOptions, grantSizeLimits, prepareGrant, type Pending } from './uploads';

const MiB = 1024 ** 2;
export const DEFAULT_PART_SIZE = 8 * MiB;
/** URLs in one answer: 10,000 pre-signed URLs would not fit in a Lambda response (6 MB). */
export const MAX_URLS_PER_ANSWER = 1000;


const keyOf = (fileId: string, object: string) => `${objectPrefixes.content}${fileId.replaceAll('-', '')}/${object}`;

/** The limits in force now: the operator's for the tenant, lowered by the tenant's own settings. */
export interface CurrentLimits {
  /** The deployment's limits (lambdas/config.ts); the defaults when absent. */
  sizeLimits?: SizeLimits;
  /** The tenant's own cap (its settings' maxFileSize). */
  maxFileSize?: number;
}

/**
 * The file of the path (404 if not the caller's) and the upload its id names, if this deployment
 * signed the id for this tenant and file (else a 404, as for an upload that is gone). Every call
 * rebuilds the key from the file of the path, so even a valid id can only name this file's upload.
 */
async function loadUpload(deps: UploadDeps, principal: Principal, id: string, uploadId: string) {
  const file = await loadOwnFile(deps, principal, id);
  const token = verifyUploadId(await deps.uploadIdKeys.signingKey(), uploadId, { tenantId: principal.tenantId, fileId: file.id });
  if (!token) throw fileportError('UPLOAD_NOT_FOUND', { uploadId });
  return { file, token, key: keyOf(file.id, token.object) };
}

/**
 * The tenant's limit now, and the one the upload was granted under: a tenant (or operator) that
 * lowered its limit since gets no more URLs for, and cannot complete, an upload over it.
 */
function limitOf(token: UploadToken, principal: Principal, limits: CurrentLimits): number {
  return Math.min(grantSizeLimits(limits, principal.tenantId).maxMultipartFileSize, token.maxSize);
}

function checkLimit(token: UploadToken, principal: Principal, limits: CurrentLimits): void {
  const max = limitOf(token, principal, limits);
  if (token.size > max) throw fileportError('FILE_TOO_LARGE', { size: token.size, max });
}

/** Part `n` (1-based) of an upload of `size` bytes in parts of `partSize`. */
export const partCount = (size: number, partSize: number): number => Math.max(1, Math.ceil(size / partSize));
const sizeOfPart = (n: number, size: number, partSize: number): number => (n < partCount(size, partSize) ? partSize : size - (n - 1) * partSize);

/**
 * The part size: the client's, or 8 MiB, raised (in whole MiB) when the default would need more
 * than 10,000 parts. A client's own size that would is refused: it asked for something S3 cannot do.
 */
export function planParts(size: number, requested: number | undefined): { partSize: number; partCount: number } {
  if (requested !== undefined) {
    if (requested < S3_LIMITS.minPartSize || requested > S3_LIMITS.maxPartSize) {
      throw new FileportError('VALIDATION_ERROR', `partSize must be between ${S3_LIMITS.minPartSize} and ${S3_LIMITS.maxPartSize} bytes.`);
    }
    if (partCount(size, requested) > S3_LIMITS.maxParts) {
      throw new FileportError('VALIDATION_ERROR', `${size} bytes in parts of ${requested} would be ${partCount(size, requested)} parts; S3 takes at most ${S3_LIMITS.maxParts}.`);
    }
    return { partSize: requested, partCount: partCount(size, requested) };
  }
  let partSize = DEFAULT_PART_SIZE;
  if (partCount(size, partSize) > S3_LIMITS.maxParts) partSize = Math.ceil(size / S3_LIMITS.maxParts / MiB) * MiB;
  return { partSize, partCount: partCount(size, partSize) };
}

export interface PartUrl {
  partNumber: number;
  size: number;
  url: string;
  /** Headers the PUT must carry (the part's checksum, when one was declared). */
  headers: Record<string, string>;
}

export interface MultipartUpload {
  uploadId: string;
  size: number;
  partSize: number;
  partCount: number;
  /**
   * URLs of the parts still to upload: all of them at first, at most 1,000 per answer; none when
   * the parts carry checksums (they are asked for with them).
   */
  parts: PartUrl[];
  expiresAt: string;
}

export interface MultipartOptions {
  size: number;
  partSize?: number;
  /** Base64 SHA-256 of the whole object: verified by processing (S3 checks parts, not whole multipart objects). */
  checksumSha256?: string;
  /**
   * Every part will carry its base64 SHA-256, signed into its URL so that S3 checks it. The URLs
   * are then asked for with the checksums (`partUrlsFor`), in batches: 10,000 of them would not
   * fit in one request body.
   */
  partChecksums?: boolean;
  /**
   * Base64 CRC-64/NVME of the whole object: the upload is a FULL_OBJECT CRC64NVME one, S3 checks
   * the assembled object against it at completion (a mismatch is a 400) and keeps it, so processing
   * need not read the object and a download can be verified end to end. S3 has no full-object
   * SHA-256 for multipart uploads. Not with `partChecksums` (SHA-256 parts make a COMPOSITE upload:
   * one algorithm per upload).
   */
  checksumCrc64nvme?: string;
  expiresIn: number;
  /** The deployment's limits (lambdas/config.ts); the defaults when absent. */
  sizeLimits?: SizeLimits;
  /** The tenant's own cap (its settings' maxFileSize): lowers the deployment's limit, never raises it. */
  maxFileSize?: number;
}

const expiry = (deps: Deps, expiresIn: number) => new Date(deps.now().getTime() + expiresIn * 1000).toISOString();

async function partUrls(
  deps: Deps,
  key: string,
  token: UploadToken,
  partNumbers: number[],
  checksums: (n: number) => string | undefined,
  expiresIn: number,
): Promise<PartUrl[]> {
  return Promise.all(
    partNumbers.map(async (partNumber) => {
      const size = sizeOfPart(partNumber, token.size, token.partSize);
      const checksumSha256 = checksums(partNumber);
      const { url, headers } = await deps.objects.presignUploadPart(key, token.s3UploadId, { partNumber, size, checksumSha256, expiresIn });
      return { partNumber, size, url, headers };
    }),
  );
}

/** One audit line per answer that hands out part URLs (none when it hands out none). */
function auditParts(deps: Deps, principal: Principal, fileId: string, key: string, parts: PartUrl[], expiresAt: string): void {
  if (parts.length === 0) return;
  audit(deps, { action: 'upload-part', tenantId: principal.tenantId, actor: actorOf(principal), fileId, expiresAt, key, partNumbers: parts.map((p) => p.partNumber) });
}

/**
 * Starts a multipart upload of a new object for the file, with the same grant as a PUT URL
 * (overwrite right, metadata processing reads back), and hands out a URL per part, each signed
 * for its exact size: the parts S3 accepts add up to the declared size.
 */
export async function createMultipartUpload(deps: UploadDeps, principal: Principal, id: string, pending: Pending<MultipartOptions>): Promise<MultipartUpload> {
  // The key before S3 starts anything: without it, no upload could be named.
  const [signingKey, [file, options]] = await Promise.all([deps.uploadIdKeys.signingKey(), fileAndOptions(deps, principal, id, pending)]);
  const { maxMultipartFileSize } = grantSizeLimits(options, principal.tenantId);
  const plan = planParts(options.size, options.partSize);
  const partChecksums = options.partChecksums === true;
  const crc = options.checksumCrc64nvme;
  if (partChecksums && crc !== undefined) {
    throw new FileportError(
      'VALIDATION_ERROR',
      'checksumCrc64nvme and partChecksums cannot be combined: S3 takes one checksum algorithm per multipart upload (SHA-256 parts, or a CRC-64/NVME of the whole object).',
    );
  }
  const grant = prepareGrant(deps, principal, file, { size: options.size, checksumSha256: options.checksumSha256, checksumCrc64nvme: crc, maxSize: maxMultipartFileSize });
  const s3UploadId = await deps.objects.createMultipartUpload(grant.key, {
    contentType: grant.contentType,
    metadata: grant.metadata,
    partChecksums,
    ...(crc === undefined ? {} : { fullObjectCrc64nvme: true }),
  });
  const token: UploadToken = {
    object: grant.key.slice(grant.key.lastIndexOf('/') + 1),
    s3UploadId,
    size: options.size,
    partSize: plan.partSize,
    partChecksums,
    maxSize: maxMultipartFileSize,
    ...(crc === undefined ? {} : { checksumCrc64nvme: crc }),
  };
  const first = partChecksums ? [] : Array.from({ length: Math.min(plan.partCount, MAX_URLS_PER_ANSWER) }, (_, i) => i + 1);
  const parts = await partUrls(deps, grant.key, token, first, () => undefined, options.expiresIn);
  const expiresAt = expiry(deps, options.expiresIn);
  auditParts(deps, principal, grant.file.id, grant.key, parts, expiresAt);
  const uploadId = signUploadId(signingKey, token, { tenantId: principal.tenantId, fileId: grant.file.id });
  return { uploadId, size: options.size, partSize: plan.partSize, partCount: plan.partCount, parts, expiresAt };
}

export interface MultipartStatus extends MultipartUpload {
  /** What S3 already holds: a client resuming after a crash sends only the rest. */
  uploadedParts: { partNumber: number; size: number; etag: string }[];
  /** Every part still to upload; `parts` has URLs for (up to 1,000 of) them. */
  missingPartNumbers: number[];
}

/**
 * Where an upload stands, from S3 itself: the parts it holds, and fresh URLs for the missing ones.
 * An upload whose parts carry checksums gets none here (they must be signed into the URL): the
 * client asks for them with the checksums (`partUrlsFor`).
 */
export async function getMultipartUpload(
  deps: UploadDeps,
  principal: Principal,
  id: string,
  uploadId: string,
  options: { expiresIn: number } & CurrentLimits,
): Promise<MultipartStatus> {
  const { file, token, key } = await loadUpload(deps, principal, id, uploadId);
  checkLimit(token, principal, options);
  const uploaded = await listParts(deps, key, token, uploadId);
  const count = partCount(token.size, token.partSize);
  const held = new Set(uploaded.filter((p) => p.size === sizeOfPart(p.partNumber, token.size, token.partSize)).map((p) => p.partNumber));
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !held.has(n));
  const parts = token.partChecksums ? [] : await partUrls(deps, key, token, missing.slice(0, MAX_URLS_PER_ANSWER), () => undefined, options.expiresIn);
  const expiresAt = expiry(deps, options.expiresIn);
  auditParts(deps, principal, file.id, key, parts, expiresAt);
  return {
    uploadId,
    size: token.size,
    partSize: token.partSize,
    partCount: count,
    uploadedParts: uploaded.map((p) => ({ partNumber: p.partNumber, size: p.size, etag: p.eTag })),
    missingPartNumbers: missing,
    parts,
    expiresAt,
  };
}

/** Fresh URLs for the parts named, with their checksums when the upload's parts carry them. */
export async function partUrlsFor(
  deps: UploadDeps,
  principal: Principal,
  id: string,
  uploadId: string,
  options: { parts: { partNumber: number; checksumSha256?: string }[]; expiresIn: number } & CurrentLimits,
): Promise<{ parts: PartUrl[]; expiresAt: string }> {
  const { file, token, key } = await loadUpload(deps, principal, id, uploadId);
  checkLimit(token, principal, options);
  const count = partCount(token.size, token.partSize);
  const beyond = options.parts.filter((p) => p.partNumber > count).map((p) => p.partNumber);
  if (beyond.length > 0) throw new FileportError('VALIDATION_ERROR', `The upload has ${count} parts; there is no part ${beyond.join(', ')}.`);
  const unsigned = options.parts.filter((p) => token.partChecksums !== (p.checksumSha256 !== undefined)).map((p) => p.partNumber);
  if (unsigned.length > 0) {
    throw new FileportError(
      'VALIDATION_ERROR',
      token.partChecksums ? `The upload's parts carry checksums: part ${unsigned.join(', ')} needs its checksumSha256.` : `The upload's parts carry no checksums (part ${unsigned.join(', ')}).`,
    );
  }
  // Fails with a 404 for an upload that no longer exists, rather than handing out dead URLs.
  await listParts(deps, key, token, uploadId);
  const checksums = new Map(options.parts.map((p) => [p.partNumber, p.checksumSha256]));
  const parts = await partUrls(deps, key, token, [...checksums.keys()], (n) => checksums.get(n), options.expiresIn);
  const expiresAt = expiry(deps, options.expiresIn);
  auditParts(deps, principal, file.id, key, parts, expiresAt);
  return { parts, expiresAt };
}

async function listParts(deps: Deps, key: string, token: UploadToken, uploadId: string): Promise<UploadedPart[]> {
  try {
    return await deps.objects.listParts(key, token.s3UploadId);
  } catch (error) {
    if (error instanceof NoSuchUpload) throw fileportError('UPLOAD_NOT_FOUND', { uploadId });
    throw error;
  }
}

/**
 * Assembles the object from exactly parts 1…n of the plan, as S3 holds them. An upload over the
 * tenant's limit as it is now is a 413, and aborted. The client's list is checked against S3's, so
 * a missing part or a wrong ETag is a 400 that names them, as are parts that do not add up to the
 * declared size. The object's S3 event then processes it like any upload; until processing has
 * claimed it, the File is shown `processing`.
 */
export async function completeMultipartUpload(
  deps: UploadDeps,
  principal: Principal,
  id: string,
  uploadId: string,
  options: { parts: { partNumber: number; etag: string }[] } & CurrentLimits,
): Promise<FileRecord> {
  const { token, key } = await loadUpload(deps, principal, id, uploadId);
  const numbers = options.parts.map((p) => p.partNumber);
  if (numbers.some((n, i) => i > 0 && n <= (numbers[i - 1] as number))) {
    throw new FileportError('INVALID_PARTS', 'parts must be in ascending partNumber order, each part once.');
  }
  let uploaded: UploadedPart[];
  try {
    uploaded = await deps.objects.listParts(key, token.s3UploadId);
  } catch (error) {
    if (!(error instanceof NoSuchUpload)) throw error;
    // Completed already (a retry whose first answer was lost): the object is there, answer as then.
    if (await deps.objects.readHead(key, 1)) return processingView(deps, principal, id, key);
    throw fileportError('UPLOAD_NOT_FOUND', { uploadId });
  }
  const max = limitOf(token, principal, options);
  if (token.size > max) await refuseOverLimit(deps, key, token, token.size, max);
  const held = new Map(uploaded.map((p) => [p.partNumber, p]));
  const given = new Map(options.parts.map((p) => [p.partNumber, p.etag.replaceAll('"', '')]));
  const count = partCount(token.size, token.partSize);
  const expected = Array.from({ length: count }, (_, i) => i + 1);
  const problems: string[] = [];
  const unknown = numbers.filter((n) => n > count);
  if (unknown.length > 0) problems.push(`the upload has ${count} parts, not part ${unknown.join(', ')}`);
  const notGiven = expected.filter((n) => !given.has(n));
  if (notGiven.length > 0) problems.push(`part ${list(notGiven)} not listed`);
  const notUploaded = expected.filter((n) => given.has(n) && !held.has(n));
  if (notUploaded.length > 0) problems.push(`part ${list(notUploaded)} not uploaded`);
  const wrong = expected.filter((n) => given.has(n) && held.has(n) && held.get(n)?.eTag !== given.get(n));
  if (wrong.length > 0) problems.push(`part ${list(wrong)} with another ETag than uploaded`);
  if (problems.length > 0) throw new FileportError('INVALID_PARTS', `Cannot complete the upload: ${problems.join('; ')}.`);

  const parts = expected.map((n) => held.get(n) as UploadedPart);
  const total = parts.reduce((sum, p) => sum + p.size, 0);
  if (total > max) await refuseOverLimit(deps, key, token, total, max);
  // Each part URL is signed for its exact size, so only a bug (or an emulator) lets this happen;
  // the object would otherwise be of another size than the one declared and checked.
  const offPlan = parts.filter((p) => p.size !== sizeOfPart(p.partNumber, token.size, token.partSize)).map((p) => p.partNumber);
  if (offPlan.length > 0) problems.push(`part ${list(offPlan)} not of the planned size`);
  if (total !== token.size) problems.push(`the parts add up to ${total} bytes, not the declared ${token.size}`);
  if (problems.length > 0) throw new FileportError('INVALID_PARTS', `Cannot complete the upload: ${problems.join('; ')}.`);
  try {
    await deps.objects.completeMultipartUpload(
      key,
      token.s3UploadId,
      parts.map((p) => ({ partNumber: p.partNumber, eTag: p.eTag, checksumSha256: p.checksumSha256 })),
      token.checksumCrc64nvme === undefined ? {} : { checksumCrc64nvme: token.checksumCrc64nvme },
    );
  } catch (error) {
    if (error instanceof ChecksumRefused) {
      throw new FileportError(
        'CHECKSUM_MISMATCH',
        `The parts do not make the declared content: S3 refused the upload's whole-object CRC-64/NVME (declared ${token.checksumCrc64nvme ?? 'none'}): ${error.message} Upload the parts that differ again (the upload stays open), or abort it.`,
      );
    }
    if (error instanceof PartsRefused) throw new FileportError('INVALID_PARTS', `S3 refused the parts (${error.s3Code}): ${error.message}`);
    if (error instanceof NoSuchUpload) throw fileportError('UPLOAD_NOT_FOUND', { uploadId });
    // The object is there already: a concurrent completion of this same upload won (nothing
    // else can write its key), so answer as it would have.
    if (error instanceof ObjectExists) return processingView(deps, principal, id, key);
    throw error;
  }
  return processingView(deps, principal, id, key);
}

/** Aborts the upload (S3 frees its parts) and answers 413. */
async function refuseOverLimit(deps: Deps, key: string, token: UploadToken, size: number, max: number): Promise<never> {
  await deps.objects.abortMultipartUpload(key, token.s3UploadId).catch(() => undefined);
  throw fileportError('FILE_TOO_LARGE', { size, max });
}

/** `3, 5, 7` — the first 20 of them, so a message stays readable. */
const list = (numbers: number[]) => (numbers.length > 20 ? `${numbers.slice(0, 20).join(', ')}… (${numbers.length} in all)` : numbers.join(', '));

/**
 * The file after a completion. Processing claims the new object when its S3 event arrives, which
 * may be after this answer; until then the File reads as the upload left it, `processing`.
 */
async function processingView(deps: Deps, principal: Principal, id: string, key: string): Promise<FileRecord> {
  const file = await loadOwnFile(deps, principal, id);
  return currentVersion(file)?.key === key ? file : { ...file, status: 'processing' };
}

/** Aborts the upload: S3 frees its parts. */
export async function abortMultipartUpload(deps: UploadDeps, principal: Principal, id: string, uploadId: string): Promise<void> {
  const { token, key } = await loadUpload(deps, principal, id, uploadId);
  try {
    await deps.objects.abortMultipartUpload(key, token.s3UploadId);
  } catch (error) {
    if (error instanceof NoSuchUpload) throw fileportError('UPLOAD_NOT_FOUND', { uploadId });
    throw error;
  }
}

