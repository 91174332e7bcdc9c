import type { FileChanges, FileRecord, ListFilter } from './model';

/**
 * The domain talks to storage only through these interfaces, so the same code runs on Lambda,
 * in the local stack and against LocalStack.
 */
export interface FileRepository {
  create(file: FileRecord): Promise<void>;
  /** Strongly consistent. Tenant checks are the caller's: the repository does not know who asks. */
  get(id: string): Promise<FileRecord | undefined>;
  /** Writes `changes` if the stored version is still `current.version`; else throws `StaleWrite`. */
  update(current: FileRecord, changes: FileChanges, now: Date): Promise<FileRecord>;
  delete(file: FileRecord): Promise<void>;
  list(tenantId: string, query: { limit: number; cursor?: string; filter?: ListFilter }): Promise<{ items: FileRecord[]; nextCursor: string | null }>;
  /** Up to `limit` files of any tenant that have been in `processing` since before `before`. */
  listProcessingSince(before: Date, limit: number): Promise<{ file: FileRecord; since: Date }[]>;
}

/** Thrown by `FileRepository.update` when another write came first. */
export class StaleWrite extends Error {
  constructor(id: string) {
    super(`File ${id} was changed by another write.`);
  }
}

/** Thrown by `FileRepository.list` for a cursor it did not issue for this query. */
export class BadCursor extends Error {}

export interface StoredObject {
  size: number;
  eTag: string;
  body: AsyncIterable<Uint8Array>;
}

export interface ObjectStore {
  presignPut(key: string, options: { contentType: string; contentLength?: number; expiresIn: number; uploadId: string }): Promise<string>;
  presignGet(key: string, options: { expiresIn: number; contentType: string; contentDisposition: string }): Promise<string>;
  /** The first `length` bytes (fewer if the object is shorter), or undefined if there is no object. */
  readHead(key: string, length: number): Promise<{ bytes: Uint8Array; size: number; eTag: string } | undefined>;
  read(key: string): Promise<StoredObject | undefined>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

/** What the metadata processor hands to the thumbnail processor. */
export interface ThumbnailJob {
  fileId: string;
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

export interface Deps {
  files: FileRepository;
  objects: ObjectStore;
  now: () => Date;
}
