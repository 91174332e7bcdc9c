import { FileportError } from './errors';
import { crc64nvmeOfBlob, sha256OfBlob, sha256OfBytes } from './hashing';
import { partRange, planUpload } from './planning';
import { runPool } from './pool';
import { ProgressTracker } from './progress';
import { putBytes, resolveTransport, type UploadTransport } from './put';
import { isStorageRefusal, withRetries, type RetryOptions } from './retry';
import { readSlice, toBlob, type UploadSource } from './source';
import { segment, type Transport } from './transport';
import type { FileportFile, MultipartStatus, MultipartUpload, NewFile, PartUrl, Progress, UploadGrant } from './types';

/** Where a multipart upload can be picked up again: persist it as soon as `onUploadStarted` gives it. */
export interface ResumePoint {
  fileId: string;
  uploadId: string;
}

export interface UploadSettings {
  /** Largest file sent in one PUT (default 16 MiB); larger ones go in parts. */
  multipartThreshold?: number;
  /** Bytes per part (5 MiB–5 GiB); default: the API's (8 MiB, more for very large files). */
  partSize?: number;
  /** Parts sent at once (default 4). */
  concurrency?: number;
  /** Attempts per part (and per single PUT) with exponential back-off and jitter (default 3). */
  retry?: RetryOptions;
  /** How bytes are sent (default `auto`: XMLHttpRequest in browsers, a counted stream in Node). */
  uploadTransport?: UploadTransport;
}

export interface UploadOptions extends Partial<NewFile>, UploadSettings {
  /**
   * Upload new content to this existing file instead of creating one (`name`, `fileTypeId`,
   * `mimeType` then unused). A new file's `name` and `mimeType` default to a `File`'s own, and
   * without `fileTypeId` the API tells the type from the MIME type, else from the name's extension.
   */
  fileId?: string;
  /** Continue this multipart upload: only the parts S3 does not hold are sent. */
  resume?: ResumePoint;
  /**
   * Declare a checksum of the whole file (default true), computed in one read of the file before
   * the upload starts: its SHA-256 for a single PUT (S3 checks it); for a multipart upload its
   * CRC-64/NVME, which S3 checks when the upload completes and keeps (S3 has no whole-object
   * SHA-256 for multipart uploads), so processing need not read the object and downloads are
   * verified with it. With `partChecksums`, the SHA-256 instead, verified by processing reading
   * the whole object.
   */
  checksum?: boolean;
  /**
   * Sign each part's SHA-256 into its URL so that S3 checks every part (default false: the
   * whole-object CRC-64/NVME covers every part). S3 takes one checksum algorithm per upload, so the
   * whole file is then declared by its SHA-256, which only processing can verify.
   */
  partChecksums?: boolean;
  onProgress?: (progress: Progress) => void;
  /** The file exists (before any byte is sent). */
  onFileCreated?: (file: FileportFile) => void;
  /** The multipart upload exists: what `resume` needs after a crash. */
  onUploadStarted?: (point: ResumePoint) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface UploadResult {
  /** The file as the API shows it after the upload: `processing` or already `ready`. */
  file: FileportFile;
  method: 'single' | 'multipart';
  /** Null for a single PUT. */
  uploadId: string | null;
  /** The declared SHA-256 of the whole content (null with `checksum: false`, for a multipart upload without `partChecksums`, and on resume). */
  checksumSha256: string | null;
  /** The declared CRC-64/NVME of the whole content: a multipart upload's (null otherwise, and on resume). */
  checksumCrc64nvme: string | null;
  size: number;
  /** Parts sent by this call (a resumed upload sends only the missing ones); [] for a single PUT. */
  partsSent: number[];
}

interface Context {
  transport: Transport;
  settings: Required<Omit<UploadSettings, 'partSize'>> & { partSize?: number };
  customFetch: boolean;
}

/** Attaches where the upload can be resumed to the error that interrupted it. */
function withResumePoint(error: unknown, point: ResumePoint): unknown {
  if (error instanceof FileportError) Object.assign(error, { resume: point });
  return error;
}

export class Uploader {
  constructor(private readonly ctx: Context) {}

  async upload(source: UploadSource, options: UploadOptions = {}): Promise<UploadResult> {
    const blob = toBlob(source);
    if (options.resume) return this.resume(options.resume.fileId, options.resume.uploadId, blob, options);
    const settings = { ...this.ctx.settings, ...definedOf(options) };
    const plan = planUpload(blob.size, settings);
    const fileId = options.fileId ?? (await this.createFile(options, blob)).id;
    return plan.kind === 'single' ? this.single(fileId, blob, options) : this.multipart(fileId, blob, plan.partSize, options);
  }

  async resume(fileId: string, uploadId: string, source: UploadSource, options: UploadOptions = {}): Promise<UploadResult> {
    const blob = toBlob(source);
    const status = await this.ctx.transport.request<MultipartStatus>('GET', `/v1/files/${segment(fileId)}/multipart/${segment(uploadId)}`, { signal: options.signal });
    if (status.size !== blob.size) {
      throw new FileportError({
        status: 0,
        code: 'SOURCE_MISMATCH',
        message: `Upload ${uploadId.slice(0, 16)}… is of ${status.size} bytes; the source given has ${blob.size}.`,
        details: { expected: status.size, actual: blob.size },
      });
    }
    // The status hands out no URLs when the parts carry checksums: they are signed with them.
    const partChecksums = status.missingPartNumbers.length > 0 && status.parts.length === 0;
    return this.sendAndComplete(fileId, blob, status, { ...options, partChecksums }, { uploaded: status.uploadedParts, checksumSha256: null, checksumCrc64nvme: null });
  }

  private createFile(options: UploadOptions, blob: Blob): Promise<FileportFile> {
    // A browser File (and fromPath's Blob) has a name; a File's type is what the browser made of its extension.
    const name = options.name ?? (typeof (blob as Partial<File>).name === 'string' ? (blob as File).name : undefined);
    if (!name) {
      throw new FileportError({ status: 0, code: 'VALIDATION_ERROR', message: 'A new file needs a name: upload a File, or give name (or fileId to upload to an existing file).' });
    }
    // application/octet-stream is what a browser says of any type it does not know: the name's extension says more.
    const mimeType = options.fileTypeId ? undefined : (options.mimeType ?? (blob.type && blob.type !== 'application/octet-stream' ? blob.type : undefined));
    const body: NewFile = { name, fileTypeId: options.fileTypeId, mimeType, tags: options.tags, externalId: options.externalId, links: options.links, accessControl: options.accessControl };
    return this.ctx.transport.request<FileportFile>('POST', '/v1/files', { body, signal: options.signal }).then((file) => {
      options.onFileCreated?.(file);
      return file;
    });
  }

  private async single(fileId: string, blob: Blob, options: UploadOptions): Promise<UploadResult> {
    const settings = { ...this.ctx.settings, ...definedOf(options) };
    const bytes = await readSlice(blob, 0, blob.size);
    const checksumSha256 = options.checksum === false ? null : await sha256OfBytes(bytes);
    const tracker = new ProgressTracker(blob.size, options.onProgress);
    tracker.start();
    const path = `/v1/files/${segment(fileId)}/upload`;
    const body = { size: blob.size, ...(checksumSha256 && { checksumSha256 }) };
    const grant = await this.ctx.transport.request<UploadGrant>('PUT', path, { body, signal: options.signal });
    const transport = resolveTransport(settings.uploadTransport, this.ctx.customFetch);
    await withRetries(
      async (attempt) => {
        try {
          await putBytes({ url: grant.url, headers: grant.headers, body: bytes, what: 'the file', signal: options.signal, onProgress: (n) => tracker.update(1, n) }, { fetch: this.ctx.transport.fetch, transport });
        } catch (error) {
          // The URL creates its object once (If-None-Match: *): a retry refused with 412 means an
          // earlier attempt's bytes arrived and only its answer was lost. Processing measures them.
          if (attempt > 1 && isStorageRefusal(error, 'S3_URL_ALREADY_USED')) return;
          throw error;
        }
      },
      { ...settings.retry, signal: options.signal, onRetry: () => tracker.fail(1) },
    );
    tracker.complete(1, blob.size);
    tracker.finish();
    const file = await this.ctx.transport.request<FileportFile>('GET', `/v1/files/${segment(fileId)}`, { signal: options.signal });
    return { file, method: 'single', uploadId: null, checksumSha256, checksumCrc64nvme: null, size: blob.size, partsSent: [] };
  }

  private async multipart(fileId: string, blob: Blob, partSize: number | undefined, options: UploadOptions): Promise<UploadResult> {
    const partChecksums = options.partChecksums === true;
    const checksum = options.checksum !== false;
    const checksumSha256 = checksum && partChecksums ? await sha256OfBlob(blob, { signal: options.signal }) : null;
    const checksumCrc64nvme = checksum && !partChecksums ? await crc64nvmeOfBlob(blob, { signal: options.signal }) : null;
    const upload = await this.ctx.transport.request<MultipartUpload>('POST', `/v1/files/${segment(fileId)}/multipart`, {
      body: { size: blob.size, ...(partSize !== undefined && { partSize }), ...(checksumSha256 && { checksumSha256 }), ...(checksumCrc64nvme && { checksumCrc64nvme }), partChecksums },
      signal: options.signal,
    });
    await options.onUploadStarted?.({ fileId, uploadId: upload.uploadId });
    const status: MultipartStatus = { ...upload, uploadedParts: [], missingPartNumbers: Array.from({ length: upload.partCount }, (_, i) => i + 1) };
    return this.sendAndComplete(fileId, blob, status, { ...options, partChecksums }, { uploaded: [], checksumSha256, checksumCrc64nvme });
  }

  /** Sends the missing parts of `status` in parallel, each retried, then completes the upload. */
  private async sendAndComplete(
    fileId: string,
    blob: Blob,
    status: MultipartStatus,
    options: UploadOptions & { partChecksums: boolean },
    known: { uploaded: MultipartStatus['uploadedParts']; checksumSha256: string | null; checksumCrc64nvme: string | null },
  ): Promise<UploadResult> {
    const settings = { ...this.ctx.settings, ...definedOf(options) };
    const { uploadId, partSize } = status;
    const point = { fileId, uploadId };
    const base = `/v1/files/${segment(fileId)}/multipart/${segment(uploadId)}`;
    const transport = resolveTransport(settings.uploadTransport, this.ctx.customFetch);
    const tracker = new ProgressTracker(blob.size, options.onProgress);
    const missing = new Set(status.missingPartNumbers);
    for (const part of known.uploaded) if (!missing.has(part.partNumber)) tracker.addCompleted(part.size);
    tracker.start();
    const urls = new Map(status.parts.map((p) => [p.partNumber, p]));
    const etags = new Map<number, string | null>(known.uploaded.filter((p) => !missing.has(p.partNumber)).map((p) => [p.partNumber, p.etag]));

    const partUrl = async (partNumber: number, checksumSha256: string | undefined, fresh: boolean): Promise<PartUrl> => {
      const cached = urls.get(partNumber);
      if (cached && !fresh) return cached;
      const answer = await this.ctx.transport.request<{ parts: PartUrl[] }>('POST', `${base}/parts`, {
        body: { parts: [{ partNumber, ...(checksumSha256 && { checksumSha256 }) }] },
        signal: options.signal,
      });
      return answer.parts[0] as PartUrl;
    };

    const sendPart = async (partNumber: number) => {
      const { start, end } = partRange(partNumber, blob.size, partSize);
      const bytes = await readSlice(blob, start, end);
      const checksumSha256 = options.partChecksums ? await sha256OfBytes(bytes) : undefined;
      const result = await withRetries(
        async (attempt) => {
          // After a failure, a fresh URL: the old one may have expired while the part waited.
          const url = await partUrl(partNumber, checksumSha256, attempt > 1);
          return putBytes(
            { url: url.url, headers: url.headers, body: bytes, what: `part ${partNumber}`, signal: options.signal, onProgress: (n) => tracker.update(partNumber, n) },
            { fetch: this.ctx.transport.fetch, transport },
          );
        },
        { ...settings.retry, signal: options.signal, onRetry: () => tracker.fail(partNumber) },
      ).catch((error: unknown) => {
        tracker.fail(partNumber);
        throw error;
      });
      tracker.complete(partNumber, bytes.length);
      etags.set(partNumber, result.etag);
    };

    const partsSent = [...status.missingPartNumbers];
    try {
      await runPool(partsSent, settings.concurrency, sendPart);
      // ETags not readable from the answers (CORS): S3's own list has them.
      if ([...etags.values()].some((etag) => etag === null) || etags.size !== status.partCount) {
        const listed = await this.ctx.transport.request<MultipartStatus>('GET', base, { signal: options.signal });
        for (const part of listed.uploadedParts) etags.set(part.partNumber, part.etag);
      }
      const parts = [...etags.entries()].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag: etag as string }));
      const file = await this.ctx.transport.request<FileportFile>('POST', `${base}/complete`, { body: { parts }, signal: options.signal });
      tracker.finish();
      return { file, method: 'multipart', uploadId, checksumSha256: known.checksumSha256, checksumCrc64nvme: known.checksumCrc64nvme, size: blob.size, partsSent };
    } catch (error) {
      throw withResumePoint(error, point);
    }
  }
}

/** The options a caller actually set, so that undefined ones do not hide the client's defaults. */
function definedOf(options: UploadSettings): Partial<UploadSettings> {
  const out: Partial<UploadSettings> = {};
  for (const key of ['multipartThreshold', 'partSize', 'concurrency', 'retry', 'uploadTransport'] as const) {
    if (options[key] !== undefined) (out as Record<string, unknown>)[key] = options[key];
  }
  return out;
}
