/**
 * The API's resources as the SDK returns them. Hand-written from the README's API reference and
 * `toApiFile` (lambdas/http/answers.ts); an OpenAPI description may generate them later.
 */
import type { FileFailureCode } from './errors';

export type FileStatus = 'pending' | 'processing' | 'ready' | 'failed';
export type AccessControl = 'private' | 'public';
/** `upload`: an upload link, which only uploads. */
export type ShareAccessLevel = 'read' | 'full' | 'upload';
export type ThumbnailSize = 'small' | 'medium';

export interface FileLink {
  type: string;
  id: string;
}

/** What a version's malware scan found; `skipped` when the deployment scans nothing. */
export type ScanStatus = 'pending' | 'clean' | 'infected' | 'failed' | 'skipped';

/**
 * A version's malware scan. Until it is `clean` (or `skipped`), downloads and thumbnails answer 409
 * SCAN_PENDING (SCAN_FAILED when the scanner could not scan it), unless the tenant's `scanHold` is
 * `serve`; `infected` content failed with MALWARE_FOUND and is gone.
 */
export interface ScanState {
  status: ScanStatus;
  completedAt: string | null;
}

export interface FileProblem {
  code: FileFailureCode | (string & {});
  message: string;
}

/** A File of the API (`GET /v1/files/{id}`). Named so as not to shadow the DOM's `File`. */
export interface FileportFile {
  id: string;
  name: string;
  fileTypeId: string;
  mimeType: string;
  extension: string;
  status: FileStatus;
  size: number | null;
  pageCount: number | null;
  thumbnails: { size: ThumbnailSize; width: number; height: number }[];
  tags: string[];
  externalId: string | null;
  links: FileLink[];
  accessControl: AccessControl;
  /** The file's stable public link: present only while `accessControl` is `public`. */
  publicUrl?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  uploadedAt: string | null;
  checksumSha256: string | null;
  /** Base64 CRC-64/NVME of the whole content as S3 verified it (multipart uploads that declared it). */
  checksumCrc64nvme: string | null;
  /** Why a field processing fills is null on content that is not failed. */
  unavailable: Unavailable;
  contentVersion: number | null;
  /** The current version's malware scan; null while the file has no content. */
  scan: ScanState | null;
  expiresAt: string | null;
  /** The metadata's write counter: what `If-Match` names. */
  version: number;
  error: FileProblem | null;
}

/** Fields processing left null on content that is not failed, each with why. */
export type Unavailable = Partial<Record<'checksumSha256' | 'pageCount' | 'thumbnails', FileProblem>>;

export interface FileVersionInfo {
  version: number;
  size: number | null;
  checksumSha256: string | null;
  checksumCrc64nvme: string | null;
  pageCount: number | null;
  unavailable: Unavailable;
  uploadedAt: string;
  /** Null for content stored before uploads were signed with their uploader. */
  uploadedBy: string | null;
  status: Exclude<FileStatus, 'pending'>;
  error: FileProblem | null;
  scan: ScanState;
}

/** A type of the deployment's catalogue (`GET /v1/file-types`): the operator's data, not the SDK's. */
export interface FileType {
  id: string;
  name: string;
  /** The first is canonical: uploads are signed with it and downloads served as it. */
  mimeTypes: string[];
  /** The first of `extensions`; '' for a type without one (`binary`). */
  extension: string;
  extensions: string[];
  /** Magic numbers (lowercase hex at an offset) content of this type starts with. */
  signatures: { offset: number; hex: string }[];
  /** Detected content types it takes besides `mimeTypes`; `*\/*`: any content, unchecked. */
  accepts: string[];
  thumbnails: boolean;
  pageCount: boolean;
  preview: boolean;
  activeContent: boolean;
}

/**
 * A new file. Its type is `fileTypeId`, else the one whose MIME types include `mimeType`, else the
 * one whose extensions include `name`'s: the API answers 400 naming what it tried when none or
 * several match.
 */
export interface NewFile {
  name: string;
  fileTypeId?: string;
  mimeType?: string;
  tags?: string[];
  externalId?: string | null;
  links?: FileLink[];
  accessControl?: AccessControl;
}

export type FileChanges = Partial<Pick<FileportFile, 'name' | 'tags' | 'externalId' | 'links' | 'accessControl'>>;

/** What a copy may change; the rest (type, access control, content) comes from the source. */
export type CopyChanges = Partial<Pick<FileportFile, 'name' | 'tags' | 'links'>>;

/** `GET /v1/files` query: at most one of tag, externalId and link. */
export interface FileListQuery {
  limit?: number;
  cursor?: string;
  /** Several: files with every one of them (the first given is read from the index: put the rarest first). */
  tag?: string | readonly string[];
  externalId?: string;
  /** `{type, id}` or `TYPE:ID`. */
  link?: FileLink | string;
  /** A prefix of the name, case-insensitive. */
  name?: string;
  fileTypeId?: string;
  status?: FileStatus;
  createdBy?: string;
  createdAfter?: string | Date;
  createdBefore?: string | Date;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** An upload link's own limits, when it is created. */
export interface UploadLinkLimits {
  /** Requests per minute through the link (under the deployment's limit for every share token). */
  requestsPerMinute?: number;
  /** The largest upload, in bytes. */
  maxSize?: number;
}

/** A file a drop box's holder created: as much of it as the holder may see. */
export interface DroppedFile {
  id: string;
  name: string;
  fileTypeId: string;
  status: FileStatus;
  createdAt: string;
  expiresAt: string | null;
}

/** An upload link's terms; null: no limit of the link's own. */
export interface UploadLinkTerms {
  requestsPerMinute: number | null;
  maxSize: number | null;
  overwrite: boolean;
  fileTypeIds: string[] | null;
  maxFiles: number | null;
  filesCreated: number;
  tags: string[];
  links: FileLink[];
}

export interface ShareToken {
  id: string;
  /** Null for a drop box. */
  fileId: string | null;
  accessLevel: ShareAccessLevel;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  upload?: UploadLinkTerms;
}

/** A token as created: the secret is in this answer only. */
export interface NewShareToken extends ShareToken {
  token: string;
}

export interface TenantSettings {
  disableForceDownloadForMimeTypes: string[];
  maxFileSize: number;
  downloadUrlTtlSeconds: number;
  uploadUrlTtlSeconds: number;
  /** The file types new files may have; absent: every type of the catalogue. */
  allowedFileTypeIds?: string[];
  /** Content whose malware scan is pending or failed: `hold` (absent: the default) or `serve`. */
  scanHold?: 'hold' | 'serve';
  /** The image renditions that may be asked for; absent: the default allowlist. */
  renditions?: RenditionAllowlist;
}

export type RenditionFit = 'cover' | 'contain' | 'fill' | 'inside' | 'outside';
export type RenditionFormat = 'webp' | 'avif' | 'jpeg';

/** A rendition: a width×height box, how the image fills it, and its format. */
export interface RenditionRequest {
  width: number;
  height: number;
  fit: RenditionFit;
  format: RenditionFormat;
}

export interface RenditionAllowlist {
  sizes: { width: number; height: number }[];
  fits: RenditionFit[];
  formats: RenditionFormat[];
}

export interface SettingsAnswer extends TenantSettings {
  scanHold: 'hold' | 'serve';
  renditions: RenditionAllowlist;
  warnings: { code: string; message: string }[];
}

export interface DownloadGrant {
  url: string;
  expiresAt: string;
  version: number;
  /** Null while processing has not measured the content yet (or when it did not compute one: see `checksumCrc64nvme`). */
  checksumSha256: string | null;
  /** The whole-object CRC-64/NVME S3 holds, when it has one: downloads are verified with it when there is no SHA-256. */
  checksumCrc64nvme: string | null;
}

/** A pre-signed URL of a WebP thumbnail, and its size in pixels. */
export interface ThumbnailGrant {
  url: string;
  expiresAt: string;
  width: number;
  height: number;
}

/** A pre-signed URL of a rendition; `width`×`height` is the box asked for (an `inside` rendition may be smaller in one side). */
export interface RenditionGrant extends RenditionRequest {
  url: string;
  expiresAt: string;
  /** The content version it is of (the current one). */
  version: number;
}

export interface UploadGrant {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}

/** A browser form: post `fields` in order, then the file as `fileField`, to `url`. */
export interface UploadForm {
  url: string;
  method: 'POST';
  fields: Record<string, string>;
  fileField: 'file';
  maxFileSize: number;
  expiresAt: string;
}

export interface PartUrl {
  partNumber: number;
  size: number;
  url: string;
  headers: Record<string, string>;
}

export interface MultipartUpload {
  uploadId: string;
  size: number;
  partSize: number;
  partCount: number;
  parts: PartUrl[];
  expiresAt: string;
}

export interface MultipartStatus extends MultipartUpload {
  uploadedParts: { partNumber: number; size: number; etag: string }[];
  missingPartNumbers: number[];
}

/** `{loaded, total}` in bytes: `loaded` never decreases and never exceeds `total`. */
export interface Progress {
  loaded: number;
  total: number;
}
