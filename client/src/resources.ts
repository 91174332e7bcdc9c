import { FileportError } from './errors';
import { downloadGrant, type BytesDownload, type DownloadOptions, type StreamDownload } from './downloads';
import { putBytes } from './put';
import { sleep } from './retry';
import type { UploadSource } from './source';
import { segment, type Query, type Transport } from './transport';
import type { UploadOptions, UploadResult, Uploader } from './uploads';
import type {
  CopyChanges,
  DownloadGrant,
  DroppedFile,
  FileChanges,
  FileListQuery,
  FileportFile,
  FileType,
  FileVersionInfo,
  NewFile,
  NewShareToken,
  Page,
  SettingsAnswer,
  ShareAccessLevel,
  ShareToken,
  TenantSettings,
  ThumbnailGrant,
  RenditionGrant,
  RenditionRequest,
  ThumbnailSize,
  UploadForm,
  UploadGrant,
  UploadLinkLimits,
} from './types';

const filePath = (id: string) => `/v1/files/${segment(id)}`;

const downloadQuery = (options: DownloadOptions): Query => ({ version: options.version });
const renditionQuery = (r: RenditionRequest): Query => ({ width: r.width, height: r.height, fit: r.fit, format: r.format });

function listQuery(query: FileListQuery): Query {
  const { link, createdAfter, createdBefore, ...rest } = query;
  return {
    ...rest,
    link: typeof link === 'object' ? `${link.type}:${link.id}` : link,
    createdAfter: createdAfter instanceof Date ? createdAfter.toISOString() : createdAfter,
    createdBefore: createdBefore instanceof Date ? createdBefore.toISOString() : createdBefore,
  };
}

export interface WaitOptions {
  /** Give up after this long (default 120 s) with a TIMEOUT error. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function filesResource(transport: Transport, uploader: Uploader) {
  function download(id: string, options: DownloadOptions & { as: 'stream' }): Promise<StreamDownload>;
  function download(id: string, options?: DownloadOptions): Promise<BytesDownload>;
  async function download(id: string, options: DownloadOptions = {}): Promise<BytesDownload | StreamDownload> {
    const grant = await transport.request<DownloadGrant>('GET', `${filePath(id)}/download`, { query: downloadQuery(options), signal: options.signal });
    return downloadGrant(transport, grant, options);
  }

  return {
    /** Creates a file (metadata only; `upload` does this and sends the content). */
    create: (input: NewFile) => transport.request<FileportFile>('POST', '/v1/files', { body: input }),
    get: (id: string) => transport.request<FileportFile>('GET', filePath(id)),
    list: (query: FileListQuery = {}) => transport.request<Page<FileportFile>>('GET', '/v1/files', { query: listQuery(query) }),
    /** Every file matching `query`, page after page. */
    async *iterate(query: FileListQuery = {}): AsyncGenerator<FileportFile> {
      let cursor: string | undefined = query.cursor;
      do {
        const page: Page<FileportFile> = await transport.request<Page<FileportFile>>('GET', '/v1/files', { query: listQuery({ ...query, cursor }) });
        yield* page.items;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
    /** `ifMatch`: the `version` the change is meant for (412 PRECONDITION_FAILED if the file moved on). */
    update: (id: string, changes: FileChanges, options: { ifMatch?: number } = {}) =>
      transport.request<FileportFile>('PATCH', filePath(id), { body: changes, headers: options.ifMatch === undefined ? {} : { 'if-match': `"${options.ifMatch}"` } }),
    delete: (id: string) => transport.request<void>('DELETE', filePath(id)),
    versions: (id: string) => transport.request<{ items: FileVersionInfo[] }>('GET', `${filePath(id)}/versions`).then((a) => a.items),
    /** A pre-signed URL to the content, with the checksum to verify it by (`download` does both). */
    downloadUrl: (id: string, options: { version?: number } = {}) => transport.request<DownloadGrant>('GET', `${filePath(id)}/download`, { query: downloadQuery(options) }),
    download,
    /** A pre-signed URL of a thumbnail; 409 THUMBNAIL_NOT_READY until processing has made it. */
    thumbnailUrl: (id: string, size: ThumbnailSize) => transport.request<ThumbnailGrant>('GET', `${filePath(id)}/thumbnails/${segment(size)}`),
    /**
     * A pre-signed URL of an image rendition from the tenant's allowlist (settings `renditions`): made on
     * the first request, then served from S3. 400 RENDITION_NOT_ALLOWED outside the allowlist.
     */
    rendition: (id: string, rendition: RenditionRequest) => transport.request<RenditionGrant>('GET', `${filePath(id)}/renditions`, { query: renditionQuery(rendition) }),
    /** A new file with the source's current content, copied inside S3 and processed like an upload. */
    copy: (id: string, changes: CopyChanges = {}) => transport.request<FileportFile>('POST', `${filePath(id)}/copy`, { body: changes }),
    upload: (source: UploadSource, options?: UploadOptions): Promise<UploadResult> => uploader.upload(source, options),
    /** Continues a multipart upload after a crash: sends only the parts S3 does not hold, then completes. */
    resumeUpload: (fileId: string, uploadId: string, source: UploadSource, options?: UploadOptions): Promise<UploadResult> => uploader.resume(fileId, uploadId, source, options),
    /** Gives up a multipart upload: S3 frees its parts. */
    abortUpload: (fileId: string, uploadId: string) => transport.request<void>('DELETE', `${filePath(fileId)}/multipart/${segment(uploadId)}`),
    /**
     * The file once processing has finished with it (`ready` or `failed`: check `status`), by the
     * API's long poll (`?wait=10`), so it answers as soon as processing does.
     */
    async waitUntilProcessed(id: string, options: WaitOptions = {}): Promise<FileportFile> {
      const deadline = Date.now() + (options.timeoutMs ?? 120_000);
      for (;;) {
        const left = deadline - Date.now();
        const wait = Math.max(0, Math.min(10, Math.floor(left / 1000)));
        const file = await transport.request<FileportFile>('GET', filePath(id), { query: { wait: wait || undefined }, signal: options.signal });
        if (file.status === 'ready' || file.status === 'failed') return file;
        if (Date.now() >= deadline) {
          throw new FileportError({ status: 0, code: 'TIMEOUT', message: `File ${id} is still ${file.status} after ${options.timeoutMs ?? 120_000} ms.`, details: file });
        }
        // A pending file (no content yet) answers at once with wait=0; do not spin.
        if (wait === 0) await sleep(Math.min(250, Math.max(0, deadline - Date.now())), options.signal);
      }
    },
  };
}

export function fileTypesResource(transport: Transport) {
  return {
    list: () => transport.request<{ items: FileType[] }>('GET', '/v1/file-types').then((a) => a.items),
    get: (id: string) => transport.request<FileType>('GET', `/v1/file-types/${segment(id)}`),
  };
}

export function tokensResource(transport: Transport) {
  return {
    /** A share token for the file: its secret `token` is in this answer only. */
    create: (fileId: string, input: { accessLevel: ShareAccessLevel; expiresAt?: string | Date } & UploadLinkLimits) =>
      transport.request<NewShareToken>('POST', `${filePath(fileId)}/tokens`, {
        body: { ...input, ...(input.expiresAt !== undefined && { expiresAt: new Date(input.expiresAt).toISOString() }) },
      }),
    list: (fileId: string) => transport.request<{ items: ShareToken[] }>('GET', `${filePath(fileId)}/tokens`).then((a) => a.items),
    delete: (fileId: string, tokenId: string) => transport.request<void>('DELETE', `${filePath(fileId)}/tokens/${segment(tokenId)}`),
  };
}

/** Drop boxes: upload links that create files of the tenant (`shared(token).createFile`). */
export function uploadLinksResource(transport: Transport) {
  return {
    /** The secret `token` is in this answer only. */
    create: (input: { expiresAt: string | Date; fileTypeIds?: string[]; maxFiles?: number; tags?: string[]; links?: { type: string; id: string }[] } & UploadLinkLimits) =>
      transport.request<NewShareToken>('POST', '/v1/upload-links', { body: { ...input, expiresAt: new Date(input.expiresAt).toISOString() } }),
    list: () => transport.request<{ items: ShareToken[] }>('GET', '/v1/upload-links').then((a) => a.items),
    delete: (tokenId: string) => transport.request<void>('DELETE', `/v1/upload-links/${segment(tokenId)}`),
  };
}

/** What the holder of a share token can do: no JWT, the token is the credential. */
export function sharedResource(transport: Transport, token: string) {
  const base = `/v1/shared/${segment(token)}`;
  const anonymous = { auth: false } as const;
  function download(options: DownloadOptions & { as: 'stream' }): Promise<StreamDownload>;
  function download(options?: DownloadOptions): Promise<BytesDownload>;
  async function download(options: DownloadOptions = {}): Promise<BytesDownload | StreamDownload> {
    const grant = await transport.request<DownloadGrant>('GET', `${base}/download`, { ...anonymous, query: downloadQuery(options), signal: options.signal });
    return downloadGrant(transport, grant, options);
  }
  // An upload link uploads to its file, or (a drop box) to a file it created, named by `fileId`.
  const uploadBase = (fileId?: string) => (fileId === undefined ? base : `${base}/files/${segment(fileId)}`);
  type LinkUpload = { fileId?: string; size?: number; checksumSha256?: string };
  const uploadUrl = ({ fileId, ...body }: LinkUpload = {}) => transport.request<UploadGrant>('PUT', `${uploadBase(fileId)}/upload`, { ...anonymous, body });
  return {
    get: () => transport.request<FileportFile>('GET', base, anonymous),
    download,
    downloadUrl: (options: { version?: number } = {}) => transport.request<DownloadGrant>('GET', `${base}/download`, { ...anonymous, query: downloadQuery(options) }),
    thumbnailUrl: (size: ThumbnailSize) => transport.request<ThumbnailGrant>('GET', `${base}/thumbnails/${segment(size)}`, anonymous),
    rendition: (rendition: RenditionRequest) => transport.request<RenditionGrant>('GET', `${base}/renditions`, { ...anonymous, query: renditionQuery(rendition) }),
    /** Needs a `full` token. */
    update: (changes: FileChanges, options: { ifMatch?: number } = {}) =>
      transport.request<FileportFile>('PATCH', base, { ...anonymous, body: changes, headers: options.ifMatch === undefined ? {} : { 'if-match': `"${options.ifMatch}"` } }),
    /** Needs a `full` token: deletes the file. */
    delete: () => transport.request<void>('DELETE', base, anonymous),
    tokens: {
      create: (input: { accessLevel: ShareAccessLevel; expiresAt?: string | Date }) =>
        transport.request<NewShareToken>('POST', `${base}/tokens`, {
          ...anonymous,
          body: { accessLevel: input.accessLevel, ...(input.expiresAt !== undefined && { expiresAt: new Date(input.expiresAt).toISOString() }) },
        }),
      list: () => transport.request<{ items: ShareToken[] }>('GET', `${base}/tokens`, anonymous).then((a) => a.items),
      delete: (tokenId: string) => transport.request<void>('DELETE', `${base}/tokens/${segment(tokenId)}`, anonymous),
    },
    /** Upload link (drop box): a new file to upload to; its `id` is the `fileId` of the calls below. */
    createFile: (input: { name: string; fileTypeId: string; size?: number }) => transport.request<DroppedFile>('POST', `${base}/files`, { ...anonymous, body: input }),
    /** Upload link: a PUT URL for its file, or a drop box's file (`fileId`). */
    uploadUrl,
    /** Upload link: a browser form for its file, or a drop box's file (`fileId`). */
    uploadForm: ({ fileId, ...body }: LinkUpload = {}) => transport.request<UploadForm>('POST', `${uploadBase(fileId)}/upload-form`, { ...anonymous, body }),
    /** Upload link: sends `bytes` in one PUT (up to 5 GiB; larger files need the multipart routes). Processing follows. */
    async upload(bytes: Uint8Array<ArrayBuffer>, options: { fileId?: string; signal?: AbortSignal } = {}): Promise<void> {
      const grant = await uploadUrl({ fileId: options.fileId, size: bytes.length });
      await putBytes({ url: grant.url, headers: grant.headers, body: bytes, what: 'the file', signal: options.signal }, { fetch: transport.fetch, transport: 'fetch' });
    },
  };
}

/** The tenant's settings (needs `files:admin`). */
export function settingsResource(transport: Transport) {
  const get = () => transport.request<SettingsAnswer>('GET', '/v1/settings');
  return {
    get,
    /**
     * Changes the fields given and keeps the others (PATCH, a JSON Merge Patch): `null` restores a
     * field's default. A concurrent change by another admin is merged, not overwritten.
     */
    update: (changes: { [K in keyof TenantSettings]?: TenantSettings[K] | null }) =>
      transport.request<SettingsAnswer>('PATCH', '/v1/settings', { body: changes, headers: { 'content-type': 'application/merge-patch+json' } }),
    /** Replaces the whole object, as the API's PUT does. */
    replace: (settings: TenantSettings) => transport.request<SettingsAnswer>('PUT', '/v1/settings', { body: settings }),
  };
}
