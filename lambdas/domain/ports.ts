import type { FileTypeCatalogue } from './files/file-types';
import type { FileChanges, FileRecord, ListQuery, ShareToken, ShareTokenGrant } from './model';

/**
 * The domain talks to storage only through these interfaces, so the same code runs on Lambda,
 * in the local stack and against LocalStack.
 */
export interface FileRepository {
  /** Also writes the TTL attribute of a temporary file (`expiresAt`) on every item of the file. */
  create(file: FileRecord): Promise<void>;
  /**
   * Strongly consistent; an expired temporary file reads as missing. Tenant checks are the
   * caller's: the repository does not know who asks.
   */
  get(id: string): Promise<FileRecord | undefined>;
  /**
   * Writes `changes` if the stored version is still `current.version` and the file has not
   * expired by `now`; else throws `StaleWrite`. `expiresAt: null` clears the TTL on every item.
   */
  update(current: FileRecord, changes: FileChanges, now: Date): Promise<FileRecord>;
  delete(file: FileRecord): Promise<void>;
}

/**
 * Lists of files: a tenant's, searched, and those stuck in processing. Apart from FileRepository,
 * so that only the functions that list (the files routes, the reconciler) carry the code.
 */
export interface FileQueries {
  /**
   * Expired temporary files are left out. A page may hold fewer than `limit` files (none, even)
   * while `nextCursor` is set: only a null cursor ends the list.
   */
  list(tenantId: string, query: ListQuery): Promise<{ items: FileRecord[]; nextCursor: string | null }>;
  /** Up to `limit` files of any tenant that have had a version in `processing` since before `before`. */
  listProcessingSince(before: Date, limit: number): Promise<{ file: FileRecord; since: Date }[]>;
  /** When the longest-running `processing` of any file began; undefined when no file is processing. */
  oldestProcessingSince(): Promise<Date | undefined>;
}

/**
 * Where the renditions made of a file's content are recorded (FileRecord.renditions): a port of the
 * renditions route group's alone, so no other function carries it.
 */
export interface RenditionRecords {
  /**
   * Records that the file's rendition `name` is stored at `key`, keeping only the entries whose keys
   * are under `keep`, if the file is still as read: its `version` and its renditions. Else throws
   * `StaleWrite`. Not a change of the file: its `version` stays.
   */
  record(file: FileRecord, name: string, key: string, keep: string): Promise<void>;
}

/**
 * A file's share tokens. The set of a file's tokens has a version, bumped by every change, so a
 * deletion that must leave a full token behind can be made conditional on the set it looked at.
 */
export interface ShareTokenRepository {
  create(token: ShareToken): Promise<void>;
  /** The token whose secret hashes to this, found with one read; expired ones included (the caller decides). */
  findBySecretHash(secretHash: string): Promise<ShareTokenGrant | undefined>;
  /** Strongly consistent. */
  listOf(fileId: string): Promise<{ tokens: ShareToken[]; setVersion: number }>;
  /** With `setVersion`, throws `StaleWrite` when the file's tokens changed since that version was read. */
  delete(token: ShareToken, setVersion?: number): Promise<void>;
  deleteAllOf(fileId: string): Promise<void>;
  /** Sets `lastUsedAt`; a token deleted meanwhile stays deleted. */
  recordUse(token: TokenOwner, at: Date): Promise<void>;
  /** A tenant's drop boxes (upload links bound to no file), expired ones included; strongly consistent. */
  listDropBoxes(tenantId: string): Promise<ShareToken[]>;
  /**
   * Counts one more file created through the drop box, atomically: false, and nothing counted, when
   * it has created `maxFiles` already or was deleted meanwhile.
   */
  countFile(token: TokenOwner, maxFiles: number | null): Promise<boolean>;
  /** Counts one request of the token in the window starting at `windowStart`; returns the window's count so far. */
  countRequest(tokenId: string, windowStart: Date, windowSeconds: number): Promise<number>;
}

/** What names a token's own item: its id and what it belongs to (its file, or its tenant's drop boxes). */
export type TokenOwner = Pick<ShareToken, 'id' | 'fileId' | 'tenantId'>;

/** Thrown by `FileRepository.update` when another write came first. */
export class StaleWrite extends Error {
  /** `what`: `File <id>`, `The share tokens of file <id>`. */
  constructor(what: string) {
    super(`${what} was changed by another write.`);
  }
}

/** Thrown by `FileRepository.list` for a cursor it did not issue for this query. */
export class BadCursor extends Error {}

/** S3 user metadata as the SDK names it: keys without `x-amz-meta-`, lower case. */
export type ObjectMetadata = Record<string, string>;

/**
 * The whole-object checksums S3 holds (HeadObject with checksum mode): the ones it verified on the
 * way in (a PUT's or form's x-amz-checksum-sha256, a multipart upload's full-object CRC-64/NVME
 * given at completion) or computed itself (the CRC-64/NVME S3 adds to every upload without one).
 * `type` is S3's: FULL_OBJECT values are checksums of the bytes; a COMPOSITE one (`<base64>-<parts>`)
 * is a checksum of the parts' checksums, not of the object.
 */
export interface ObjectChecksums {
  sha256: string | null;
  crc64nvme: string | null;
  type: 'FULL_OBJECT' | 'COMPOSITE' | null;
}

export interface ObjectHead {
  bytes: Uint8Array;
  size: number;
  eTag: string;
  metadata: ObjectMetadata;
  checksums: ObjectChecksums;
}

export interface StoredObject {
  size: number;
  eTag: string;
  body: AsyncIterable<Uint8Array>;
}

export interface PresignedPut {
  url: string;
  /** Every header the client must send with the PUT: all are signed, S3 refuses other values. */
  headers: Record<string, string>;
}

export interface ObjectStore {
  /**
   * A PUT of exactly this key with this Content-Type, user metadata and (when given) base64
   * SHA-256 of the body; the size too when `contentLength` is given. The PUT creates the key only
   * while it does not exist (`If-None-Match: *`): used again once the object is there, S3 answers
   * 412 PreconditionFailed.
   */
  presignPut(
    key: string,
    options: { contentType: string; contentLength?: number; checksumSha256?: string; metadata: ObjectMetadata; expiresIn: number },
  ): Promise<PresignedPut>;
  presignGet(key: string, options: { expiresIn: number; contentType: string; contentDisposition: string }): Promise<string>;
  /**
   * The first `length` bytes (fewer if the object is shorter), the user metadata and the checksums
   * S3 holds for the whole object, or undefined if there is no object.
   */
  readHead(key: string, length: number): Promise<ObjectHead | undefined>;
  read(key: string): Promise<StoredObject | undefined>;
  /**
   * Bytes `start` to `end` (inclusive; cut at the object's end) of the object while it is the one
   * of this ETag (S3's Range with If-Match): 'changed' when newer bytes are at the key, undefined
   * when there is no object. Processing reads only what it needs with it (issue 16).
   */
  readRange(key: string, start: number, end: number, eTag: string): Promise<Uint8Array | 'changed' | undefined>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /**
   * A server-side copy (no bytes through the caller) with new metadata. False when the source
   * does not exist. Objects up to 5 GiB (S3's CopyObject limit).
   */
  copy(sourceKey: string, targetKey: string, options: { contentType: string; metadata: ObjectMetadata }): Promise<boolean>;
  delete(keys: string[]): Promise<void>;
  /**
   * Deletes every object whose key starts with `prefix` (ListObjectsV2, then DeleteObjects): image
   * renditions are made on request and recorded nowhere but in S3, so their version's or file's
   * prefix is what finds them. S3 lists what was written before the list began.
   */
  deleteUnder(prefix: string): Promise<void>;
  /**
   * Deletes the object only while it is the one of this ETag (S3's `If-Match`): newer bytes at the
   * key are never deleted by a decision made about older ones.
   */
  deleteIfUnchanged(key: string, eTag: string): Promise<'deleted' | 'changed' | 'missing'>;

  /**
   * A browser form upload (S3 POST policy, SigV4) of exactly this key, Content-Type and user
   * metadata, `minSize` to `maxSize` bytes, stored with SSE-S3; S3 answers 201.
   */
  presignPost(key: string, options: { contentType: string; minSize: number; maxSize: number; metadata: ObjectMetadata; expiresIn: number }): Promise<PresignedPost>;
  /**
   * Starts a multipart upload of the key (a real call); the metadata is the object's. Returns S3's
   * upload id. `partChecksums`: each part carries its SHA-256 (a COMPOSITE SHA-256 upload);
   * `fullObjectCrc64nvme`: S3 is to verify the whole object's CRC-64/NVME at completion (a
   * FULL_OBJECT CRC64NVME upload). One algorithm per upload: not both.
   */
  createMultipartUpload(key: string, options: { contentType: string; metadata: ObjectMetadata; partChecksums: boolean; fullObjectCrc64nvme?: boolean }): Promise<string>;
  /** A PUT of one part of exactly `size` bytes (and SHA-256, when given). */
  presignUploadPart(
    key: string,
    uploadId: string,
    options: { partNumber: number; size: number; checksumSha256?: string; expiresIn: number },
  ): Promise<PresignedPut>;
  /** Every part S3 holds for the upload, in part number order. Throws `NoSuchUpload`. */
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  /**
   * Assembles the object from these parts, only while the key has no object (`If-None-Match: *`).
   * With `checksumCrc64nvme` (an upload started with `fullObjectCrc64nvme`), S3 checks the whole
   * object's CRC-64/NVME against it. Throws `NoSuchUpload`, `PartsRefused` when S3 refuses the list,
   * `ChecksumRefused` when the object's CRC differs, or `ObjectExists`.
   */
  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: { partNumber: number; eTag: string; checksumSha256: string | null }[],
    options?: { checksumCrc64nvme?: string },
  ): Promise<void>;
  /** Throws `NoSuchUpload`. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  /** One S3 request of a multipart upload of the key, signed for the client to send itself. */
  presignUploadRequest(key: string, request: SignableUploadRequest, expiresIn: number): Promise<PresignedRequest>;
}

/**
 * The S3 requests of a multipart upload a client may be given signed (Uppy 6's `signRequest`).
 * Creating one signs its Content-Type and metadata; completing one signs `If-None-Match: *`.
 */
export type SignableUploadRequest =
  | { operation: 'CreateMultipartUpload'; contentType: string; metadata: ObjectMetadata }
  | { operation: 'UploadPart'; uploadId: string; partNumber: number }
  | { operation: 'ListParts' | 'CompleteMultipartUpload' | 'AbortMultipartUpload'; uploadId: string };

export interface PresignedRequest extends PresignedPut {
  method: 'PUT' | 'POST' | 'GET' | 'DELETE';
}

export interface PresignedPost {
  url: string;
  /** The form fields, in the order to send them; the file goes last. */
  fields: Record<string, string>;
  /** The policy's expiration, exactly as signed. */
  expiresAt: string;
}

export interface UploadedPart {
  partNumber: number;
  size: number;
  /** Without quotes. */
  eTag: string;
  checksumSha256: string | null;
}

/** S3 knows no such multipart upload for the key: never started, completed, aborted, or another key's. */
export class NoSuchUpload extends Error {}

/** S3 refused to complete a multipart upload with the parts given (InvalidPart, EntityTooSmall…). */
export class PartsRefused extends Error {
  constructor(
    readonly s3Code: string,
    message: string,
  ) {
    super(message);
  }
}

/** S3 refused to complete a multipart upload: the whole object's checksum is not the one given (BadDigest). */
export class ChecksumRefused extends Error {}

/** The key already holds an object, and the write was to create it only. */
export class ObjectExists extends Error {}

/** What the metadata processor hands to the thumbnail processor. */
export interface ThumbnailJob {
  fileId: string;
  contentKey: string;
  contentSequencer: string;
  contentETag: string;
}

export interface ThumbnailQueue {
  enqueue(job: ThumbnailJob): Promise<void>;
}

/** An object that landed under `content/`: what the S3 event says about it. */
export interface UploadedObject {
  key: string;
  eTag: string;
  /** S3's per-key event order; fixed-width hex, so string order is event order. */
  sequencer: string;
  eventTime: string;
}

/** Hands an uploaded object to the metadata processor again, as its S3 event did. */
export interface ProcessingQueue {
  redrive(object: UploadedObject): Promise<void>;
}

/**
 * What a tenant's admin chose for its own files (PUT /v1/settings), stored whole. Bounded by the
 * deployment's configuration: see lambdas/domain/settings/tenant-settings.ts.
 */
export interface TenantSettings {
  /** MIME types (`type/subtype`, `type/*`, `*\/*`) that may be served inline; everything else is always an attachment. */
  disableForceDownloadForMimeTypes: string[];
  /** Caps both the single and the multipart size limit of the deployment; never raises them. */
  maxFileSize: number;
  downloadUrlTtlSeconds: number;
  uploadUrlTtlSeconds: number;
  /** The file types new files may have (ids of the catalogue); absent: every type of the catalogue. */
  allowedFileTypeIds?: string[];
  /**
   * Content whose malware scan has not come back clean (pending, or the scanner could not scan it):
   * `hold` answers SCAN_PENDING / SCAN_FAILED until it has, `serve` serves it meanwhile. Infected
   * content is never served, whatever this says.
   */
  scanHold: ScanHold;
  /** What image renditions may be asked for (GET …/renditions): anything else is refused, so no one can make unbounded variants. */
  renditions: RenditionAllowlist;
}

export type ScanHold = 'hold' | 'serve';

/** How a rendition fills its box, as sharp's `fit` says it. */
export type RenditionFit = 'cover' | 'contain' | 'fill' | 'inside' | 'outside';
export type RenditionFormat = 'webp' | 'avif' | 'jpeg';

/** The renditions a tenant allows: each size is a width×height box; any allowed fit and format goes with any allowed size. */
export interface RenditionAllowlist {
  sizes: { width: number; height: number }[];
  fits: RenditionFit[];
  formats: RenditionFormat[];
}

export interface SettingsRepository {
  /**
   * Strongly consistent: a grant right after a PUT sees it. Undefined when the tenant never saved
   * any; fields saved before they existed are missing, and take their defaults.
   */
  get(tenantId: string): Promise<Partial<TenantSettings> | undefined>;
  /** `get`, with the revision a conditional `put` names: null when nothing was saved (or saved before revisions). */
  getForUpdate(tenantId: string): Promise<{ stored: Partial<TenantSettings>; revision: string | null }>;
  /**
   * Stores the fields given (the others take their defaults). With `expectedRevision` (null: none
   * yet), throws `StaleWrite` when another write came since that revision was read.
   */
  put(tenantId: string, settings: Partial<TenantSettings>, change: { updatedAt: Date; updatedBy: string; expectedRevision?: string | null }): Promise<void>;
}

/** Where audit lines go (lambdas/domain/audit.ts). */
export interface AuditLog {
  /** `message`: what happened, for the log line ('url granted' when not given). */
  write(fields: Record<string, unknown>, message?: string): void;
}

/** Which kind of pre-signed URL (or form) a grant handed out: the `kind` of the `UrlGranted` metric. */
export type UrlGrantKind = 'upload' | 'form' | 'multipart' | 'download' | 'thumbnail' | 'shared-download' | 'shared-thumbnail' | 'public' | 'rendition' | 'shared-rendition' | 'public-rendition';

/**
 * Why a share token was refused: `unknown` (no token has this secret: mistyped, guessed, or
 * revoked, since a deleted token leaves nothing to tell apart), `expired`, `read-only` (a read
 * token asked to change something), `upload-only` (an upload link asked for anything but an
 * upload), `not-upload` (another token asked to upload), `rate-limited`, `file-gone` (its file was deleted).
 */
export type ShareTokenRefusal = 'unknown' | 'expired' | 'read-only' | 'upload-only' | 'not-upload' | 'rate-limited' | 'file-gone';

/** The limit a refused request hit: a share token's own rate, or AWS throttling that outlasted the SDK's retries. */
export type ThrottleLimit = 'share-token-rate' | 'dynamodb' | 's3' | 'sqs' | 'eventbridge';

/**
 * What the service counts and times for its operators (the metrics of
 * lambdas/observability/metric-names.ts). Each call is one event; the adapter decides how it
 * reaches CloudWatch, so the domain knows no metrics library.
 */
export interface Telemetry {
  urlGranted(kind: UrlGrantKind): void;
  /**
   * A version's processing ended: `ready`, or `failed` with the error code. `uploadedAt` (when S3
   * received the bytes) gives the time to ready.
   */
  versionFinished(outcome: { status: 'ready' | 'failed'; errorCode: string | null; uploadedAt: string; at: Date }): void;
  /**
   * One processor's work on one object, whatever came of it: how long it took and how many bytes
   * of objects it read (counted at the object store, lambdas/adapters/counting-object-store.ts).
   */
  processed(processor: 'metadata' | 'thumbnails', durationMs: number, usage?: { bytesRead: number }): void;
  /** One image rendition made by sharp (issue 16): each is made once, then served from S3. */
  renditionMade(format: string, durationMs: number): void;
  shareTokenRefused(reason: ShareTokenRefusal): void;
  throttled(limit: ThrottleLimit): void;
  /** One reconciler run: the age of the oldest version still processing (0 when none is), and the files it failed. */
  reconciled(run: { oldestProcessingAgeSeconds: number; gaveUp: number }): void;
}

export interface Deps {
  files: FileRepository;
  objects: ObjectStore;
  settings: SettingsRepository;
  now: () => Date;
  /** The deployment's file types (config/file-types.json, or the operator's own). */
  fileTypes: FileTypeCatalogue;
  /** The process's log (stdout, one JSON line each) when absent. */
  auditLog?: AuditLog;
  telemetry: Telemetry;
  /** Whether new versions await a malware scan (lambdas/config.ts); absent: off. */
  malwareScanning?: boolean;
}

/** The deployment's secret that multipart upload ids are signed with (lambdas/domain/transfer/upload-ids.ts). */
export interface UploadIdKeys {
  /** Read on first use and kept for the life of the process; throws when none is configured. */
  signingKey(): Promise<Uint8Array>;
}

/** What the multipart routes need on top: the key their upload ids are signed and checked with. */
export interface UploadDeps extends Deps {
  uploadIdKeys: UploadIdKeys;
}

/** What listing files needs beside storage. */
export interface QueryDeps extends Deps {
  fileQueries: FileQueries;
}

/** What image renditions need beside storage: where those made are recorded. */
export interface RenditionDeps extends Deps {
  renditionRecords: RenditionRecords;
}

/** What the API needs on top: deleting a file revokes its share tokens. */
export interface SharingDeps extends Deps {
  shareTokens: ShareTokenRepository;
}

/** What the metadata processor needs on top: where thumbnail jobs go, and how many versions a file keeps. */
export interface ProcessingDeps extends Deps {
  thumbnails: ThumbnailQueue;
  maxVersions: number;
}
