import type { ThumbnailSize } from './thumbnail-sizes';

export type FileStatus = 'pending' | 'processing' | 'ready' | 'failed';

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
}

/** A file as stored: the public fields plus what only the service needs to know. */
export interface FileRecord {
  id: string;
  tenantId: string;
  name: string;
  fileTypeId: string;
  tags: string[];
  externalId: string | null;
  links: FileLink[];
  status: FileStatus;
  size: number | null;
  pageCount: number | null;
  thumbnails: ThumbnailInfo[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  uploadedAt: string | null;
  /** Incremented by every write; the optimistic-locking token behind `If-Match`. */
  version: number;
  error: FileError | null;
  /** What the content's first bytes say it is, once processed. */
  detectedMimeType: string | null;
  /** S3 key of the content: an opaque id, nothing of the tenant, user or file name. */
  contentKey: string;
  /** S3 event sequencer of the content the metadata describes; older events are ignored. */
  contentSequencer: string | null;
  contentETag: string | null;
  thumbnailKeys: Partial<Record<ThumbnailSize, string>>;
}

/** Fields a write may change; `version` and `updatedAt` are maintained by the repository. */
export type FileChanges = Partial<Omit<FileRecord, 'id' | 'tenantId' | 'createdBy' | 'createdAt' | 'version' | 'updatedAt'>>;

export type ListFilter = { kind: 'tag'; tag: string } | { kind: 'externalId'; externalId: string } | { kind: 'link'; link: FileLink };
