import type { ScanStatus } from './events/model';
import type { ThumbnailSize } from '../inspect/thumbnail-sizes';

/**
 * `files:overwrite` is not a route's scope: it lets a `files:write` caller replace content a file
 * already has (checked by the upload routes and again by processing). `files:admin` implies all.
 */
export const scopes = ['files:read', 'files:write', 'files:overwrite', 'files:admin'] as const;
export type Scope = (typeof scopes)[number];

/**
 * What a share token lets its holder do: `full` adds changing and deleting the file and managing its
 * tokens; `upload` (an upload link) only uploads, and reads nothing.
 */
export type ShareAccess = 'read' | 'full' | 'upload';

export type FileStatus = 'pending' | 'processing' | 'ready' | 'failed';

/** `public`: anyone with the file's `publicUrl` may download it; the bucket itself stays private. */
export type AccessControl = 'private' | 'public';

/** A tie between a file and a business object of the caller's domain (contract, unit, party…). */
export interface FileLink {
  type: string;
  id: string;
}

export interface ThumbnailInfo {
  size: ThumbnailSize;
  width: number;
  height: number;
}

export interface FileError {
  code: string;
  message: string;
}

/** Who is calling: taken from the verified JWT, never from the request body. */
export interface Principal {
  tenantId: string;
  userId: string;
  scopes: ReadonlySet<string>;
  /** An upload link's holder (`userId` is then `token:<id>`): the link's id, for the audit log. */
  shareTokenId?: string;
}

/**
 * One upload of a file's content: its own object, measured and checked on its own. The file's
 * content fields describe the current version (`currentVersion`).
 */
export interface FileVersion {
  /** 1, 2, 3… in the order processing learned of the uploads; never reused, also after pruning. */
  version: number;
  /** `content/<file>/<upload>`: one key per upload grant, see `newContentKey`. */
  key: string;
  /**
   * S3 event sequencer of the newest bytes processing decided about at this key (the bytes the
   * version describes, or those of a refused reuse of its URL); orders events for this key only.
   */
  sequencer: string;
  eTag: string;
  uploadedAt: string;
  /** The principal the upload grant was issued to, as signed into the object's metadata. */
  uploadedBy: string | null;
  status: Exclude<FileStatus, 'pending'>;
  size: number | null;
  /**
   * Base64 SHA-256 of the bytes: read back from S3 when S3 verified the one the client declared,
   * else computed by processing as the bytes stream through (never the client's bare claim).
   */
  checksumSha256: string | null;
  /**
   * Base64 CRC-64/NVME of the whole object, as S3 holds it (issue 16): the full-object checksum a
   * multipart upload can have. Absent on versions recorded before it existed (read as null).
   */
  checksumCrc64nvme?: string | null;
  pageCount: number | null;
  /** Why a field processing fills stayed null on a version that is not failed (issue 16); absent or empty when none did. */
  unavailable?: Unavailable;
  /** What the content's first bytes say it is, once processed. */
  detectedMimeType: string | null;
  error: FileError | null;
  /**
   * The object is gone: processing refused and deleted it (CHECKSUM_MISMATCH, FILE_TOO_LARGE,
   * UPLOAD_REUSED), or it disappeared (CONTENT_MISSING). Nothing to download.
   */
  contentRemoved: boolean;
  /**
   * The malware scan of this version's bytes (issue 15). Absent on versions recorded before scanning
   * existed, and read as `skipped` then.
   */
  scan?: { status: ScanStatus; completedAt: string | null };
}

/**
 * The fields of a version processing may leave null without failing it, each with why: a
 * checksum of an object too large to hash, a page count the PDF reader could not decide, the
 * thumbnails of a PDF that could not be rendered. `code` is one of the error catalogue's codes.
 */
export type Unavailable = Partial<Record<'checksumSha256' | 'pageCount' | 'thumbnails', FileError>>;

/** A file as stored: the public fields plus what only the service needs to know. */
export interface FileRecord {
  id: string;
  tenantId: string;
  name: string;
  fileTypeId: string;
  tags: string[];
  externalId: string | null;
  links: FileLink[];
  accessControl: AccessControl;
  /** From here to `checksumSha256`: the current version's, kept on the file so reads need no lookup. */
  status: FileStatus;
  size: number | null;
  pageCount: number | null;
  thumbnails: ThumbnailInfo[];
  uploadedAt: string | null;
  error: FileError | null;
  detectedMimeType: string | null;
  checksumSha256: string | null;
  checksumCrc64nvme?: string | null;
  unavailable?: Unavailable;
  /** The current version's object key; null while the file has no content. */
  contentKey: string | null;
  /** Thumbnails exist for the current version only. */
  thumbnailKeys: Partial<Record<ThumbnailSize, string>>;
  /** Oldest first; the last one is the current version, unless refused uploads (`isRefusedUpload`) came after it. */
  versions: FileVersion[];
  /** A file without content is temporary: it is gone after this (DynamoDB TTL). Null once content arrived. */
  expiresAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Incremented by every write; the optimistic-locking token behind `If-Match`. */
  version: number;
  /**
   * The renditions made of the current content, by name (`renditionName`): their object keys.
   * Written by `FileRepository.recordRendition` alone, which is no change of the file (no new
   * `version`, no event); an entry whose key is not of the current content is stale.
   */
  renditions?: Partial<Record<string, string>>;
}

/** Fields a write may change; `version` and `updatedAt` are maintained by the repository, `renditions` by recordRendition. */
export type FileChanges = Partial<Omit<FileRecord, 'id' | 'tenantId' | 'createdBy' | 'createdAt' | 'version' | 'updatedAt' | 'renditions'>>;

export type ListFilter = { kind: 'tag'; tag: string } | { kind: 'externalId'; externalId: string } | { kind: 'link'; link: FileLink };

/**
 * Conditions on a file's own fields, each optional, all of them ANDed with each other and with the
 * one `ListFilter`. Timestamps are ISO-8601 as `Date.toISOString` writes them.
 */
export interface FileSearch {
  /** The file has every one of these tags (a list by tag reads the first one's index: these are the others). */
  tags?: string[];
  /** The name starts with this, compared lower-cased. */
  namePrefix?: string;
  fileTypeId?: string;
  status?: FileStatus;
  createdBy?: string;
  /** Exclusive: files created strictly after. */
  createdAfter?: string;
  /** Inclusive: files created at or before. */
  createdBefore?: string;
}

/** A page of a list: every condition given must hold. */
export interface ListQuery {
  limit: number;
  cursor?: string;
  filter?: ListFilter;
  search?: FileSearch;
}

/**
 * Bytes that arrived through a grant without `files:overwrite` after the file got its content (two
 * grants issued before any content arrived): recorded as a failed version, deleted, never current.
 */
export const isRefusedUpload = (version: Pick<FileVersion, 'error'>): boolean => version.error?.code === 'ALREADY_UPLOADED';

/** The version the file's content fields describe, if it has content: the last one but refused uploads. */
export const currentVersion = (file: Pick<FileRecord, 'versions'>): FileVersion | undefined => file.versions.findLast((v) => !isRefusedUpload(v));

/**
 * Content worth protecting from a replacement by a caller without `files:overwrite`: anything
 * uploaded that did not fail. A file whose uploads all failed can be uploaded to again.
 */
/**
 * Whether replacing the file's content needs `files:overwrite`: some version is not failed, or
 * lost content it had accepted to a reused upload URL (UPLOAD_REUSED), which must not turn a
 * plain writer's file back into one that takes "first" content.
 */
export const hasContent = (file: Pick<FileRecord, 'versions'>): boolean => file.versions.some((v) => v.status !== 'failed' || v.error?.code === 'UPLOAD_REUSED');

/** A version's malware scan; `skipped` for versions recorded before scanning existed. */
export const scanOf = (version: Pick<FileVersion, 'scan'>): NonNullable<FileVersion['scan']> => version.scan ?? { status: 'skipped', completedAt: null };

/** Whether some version is being processed: what the reconciler watches. */
export const isProcessing = (file: Pick<FileRecord, 'versions'>): boolean => file.versions.some((v) => v.status === 'processing');

/** Expired temporary files read as gone everywhere, before DynamoDB (within ~48 h) deletes them. */
export const isExpired = (file: Pick<FileRecord, 'expiresAt'>, now: Date): boolean =>
  file.expiresAt !== null && Date.parse(file.expiresAt) <= now.getTime();

/**
 * A capability for one file, held by someone outside the tenant. Only a hash of its secret is
 * stored: the secret is shown once, when the token is created.
 */
export interface ShareToken {
  id: string;
  /** Null for a drop box: an upload link that creates a new file of its tenant per upload. */
  fileId: string | null;
  tenantId: string;
  /** SHA-256 (hex) of the secret. */
  secretHash: string;
  accessLevel: ShareAccess;
  /** `user:<sub>` of the member, or `token:<id>` of the full token, that created it. */
  createdBy: string;
  createdAt: string;
  /** Null: valid until deleted (or its file is). */
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** An upload link's terms (`accessLevel: 'upload'` only). */
  upload?: UploadLinkTerms;
  /** A drop box: the files it created so far. */
  filesCreated?: number;
}

/**
 * What an upload link allows, fixed when it is created. Nulls: no limit of the link's own (the
 * tenant's and the deployment's still apply).
 */
export interface UploadLinkTerms {
  /** Requests per minute through the link, under the deployment's limit for every share token. */
  requestsPerMinute: number | null;
  /** The largest upload, under the tenant's own limit. */
  maxSize: number | null;
  /** A file link: whether it may replace content the file has (its creator's `files:overwrite`). */
  overwrite: boolean;
  /** A drop box: the file types its files may have. */
  fileTypeIds: string[] | null;
  /** A drop box: how many files it may create; `filesCreated` counts them. */
  maxFiles: number | null;
  /** A drop box: the tags and links every file it creates gets. */
  tags: string[];
  links: FileLink[];
}

/** What a request with a token's secret needs to know to authorize it: one read, whatever the outcome. */
export type ShareTokenGrant = Pick<ShareToken, 'id' | 'fileId' | 'tenantId' | 'accessLevel' | 'expiresAt' | 'upload'>;
