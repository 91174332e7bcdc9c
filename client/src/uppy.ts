/**
 * Uppy against Fileport: the options of `@uppy/aws-s3` for Uppy 5 (`uppy5Options`) and Uppy 6
 * (`uppy6Options`), and `cleanUpCancelled`, which deletes the Fileport file of an upload the user
 * cancels. Imports nothing of Uppy: the functions are typed by what Uppy passes them.
 *
 * ```ts
 * import Uppy from '@uppy/core';
 * import AwsS3 from '@uppy/aws-s3';
 * import { fileportUppy } from '@fileport/client/uppy';
 *
 * const fileport = fileportUppy({ baseUrl: 'https://files.example.com', token: () => getJwt() });
 * const uppy = new Uppy().use(AwsS3, fileport.uppy6Options()); // Uppy 5: fileport.uppy5Options()
 * fileport.cleanUpCancelled(uppy);
 * uppy.on('upload-success', (file) => console.log(fileport.fileIdOf(file))); // the Fileport file
 * ```
 *
 * Each Uppy file becomes a Fileport file (POST /v1/files: its name and type, or the `fileTypeId` of
 * its meta when it has one; `createFile` to do otherwise), then its content is uploaded with a PUT URL
 * (small files) or a multipart upload, in parts of Uppy's own size. Uppy 5 asks the multipart
 * routes; Uppy 6 signs each S3 request with POST /v1/files/{id}/upload-requests, which signs only
 * the requests of that file's own upload. Uploads resume after a page reload (Golden Retriever):
 * Uppy keeps the upload's key and id, from which the file is found again.
 */
// From the SDK's entry, so the built `./uppy` shares dist/index.* (one FileportError class).
import { Transport, type FetchLike } from './index';

const MiB = 1024 * 1024;

/** What Uppy passes of a file (both majors). */
export interface UppyFileLike {
  id: string;
  name?: string;
  type?: string;
  size: number | null;
  meta: Record<string, unknown>;
}

/** The part size both Uppy majors use by default: 5 MiB, or more when 10,000 parts would not do. */
export const uppyPartSize = (size: number): number => Math.max(5 * MiB, Math.ceil(size / 10_000));

export interface FileportUppyOptions {
  baseUrl: string;
  token: string | (() => string | Promise<string>);
  fetch?: FetchLike;
  /** Makes the Fileport file of an Uppy file and answers its id (default: POST /v1/files). */
  createFile?: (file: UppyFileLike) => Promise<string>;
}

interface Created {
  id: string;
}
interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  key: string;
}

/** The Fileport file id of a content key `content/<id without dashes>/<object>`. */
function fileIdOfKey(key: string): string {
  const hex = /^content\/([0-9a-f]{32})\/[0-9a-f]{32}$/.exec(key)?.[1];
  if (!hex) throw new Error(`Not a Fileport upload key: ${key}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function fileportUppy(options: FileportUppyOptions) {
  const api = new Transport({ baseUrl: options.baseUrl, token: options.token, fetch: options.fetch });
  /** Uppy file id → Fileport file id, and the files whose upload finished. */
  const fileIds = new Map<string, string>();
  const done = new Set<string>();
  /** Uppy 6 names a file only by the key it proposes: the proposal → the Uppy file. */
  const proposals = new Map<string, UppyFileLike>();

  const createFile =
    options.createFile ??
    (async (file: UppyFileLike) => {
      const fileTypeId = typeof file.meta.fileTypeId === 'string' ? file.meta.fileTypeId : undefined;
      // As the SDK's upload: a browser's application/octet-stream says less than the name's extension.
      const mimeType = !fileTypeId && file.type && file.type !== 'application/octet-stream' ? file.type : undefined;
      const created = await api.request<Created>('POST', '/v1/files', { body: { name: file.name ?? 'file', ...(fileTypeId ? { fileTypeId } : {}), ...(mimeType ? { mimeType } : {}) } });
      return created.id;
    });
  async function fileOf(file: UppyFileLike): Promise<string> {
    let id = fileIds.get(file.id);
    if (!id) {
      id = await createFile(file);
      fileIds.set(file.id, id);
    }
    return id;
  }
  const base = (id: string) => `/v1/files/${encodeURIComponent(id)}`;
  const multipart = (key: string, uploadId: string) => `${base(key)}/multipart/${encodeURIComponent(uploadId)}`;

  /** The Fileport file id of an Uppy file, once its upload began (or from the key Uppy kept, after a reload). */
  function fileIdOf(file: UppyFileLike & { s3Multipart?: { key?: string } }): string | undefined {
    const key = file.s3Multipart?.key;
    return fileIds.get(file.id) ?? (key ? (key.startsWith('content/') ? fileIdOfKey(key) : key) : undefined);
  }

  return {
    fileIdOf,

    /** `@uppy/aws-s3` 5 options: Fileport's PUT URL and multipart routes. The key Uppy keeps is the file id. */
    uppy5Options() {
      return {
        getChunkSize: (data: { size: number }) => uppyPartSize(data.size),
        async getUploadParameters(file: UppyFileLike) {
          const id = await fileOf(file);
          const grant = await api.request<{ url: string; headers: Record<string, string> }>('PUT', `${base(id)}/upload`, { body: { size: file.size ?? 0 } });
          return { method: 'PUT' as const, url: grant.url, headers: grant.headers };
        },
        async createMultipartUpload(file: UppyFileLike) {
          const id = await fileOf(file);
          const size = file.size ?? 0;
          const upload = await api.request<{ uploadId: string }>('POST', `${base(id)}/multipart`, { body: { size, partSize: uppyPartSize(size) } });
          return { uploadId: upload.uploadId, key: id };
        },
        async signPart(_file: UppyFileLike, { key, uploadId, partNumber, signal }: { key: string; uploadId: string; partNumber: number; signal?: AbortSignal }) {
          const { parts } = await api.request<{ parts: { url: string; headers: Record<string, string> }[] }>('POST', `${multipart(key, uploadId)}/parts`, {
            body: { parts: [{ partNumber }] },
            signal,
          });
          const [part] = parts;
          if (!part) throw new Error(`Fileport signed no URL for part ${partNumber}`);
          return { method: 'PUT' as const, url: part.url, headers: part.headers };
        },
        async listParts(_file: UppyFileLike, { key, uploadId, signal }: { key: string; uploadId: string; signal?: AbortSignal }) {
          const status = await api.request<{ uploadedParts: { partNumber: number; size: number; etag: string }[] }>('GET', multipart(key, uploadId), { signal });
          return status.uploadedParts.map((p) => ({ PartNumber: p.partNumber, Size: p.size, ETag: p.etag }));
        },
        async completeMultipartUpload(file: UppyFileLike, { key, uploadId, parts, signal }: { key: string; uploadId: string; parts: { PartNumber?: number; ETag?: string }[]; signal?: AbortSignal }) {
          await api.request('POST', `${multipart(key, uploadId)}/complete`, {
            body: { parts: parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag })) },
            signal,
          });
          // After a reload the key is all that is left of the file's id.
          fileIds.set(file.id, key);
          return {};
        },
        async abortMultipartUpload(_file: UppyFileLike, { key, uploadId }: { key: string; uploadId: string }) {
          await api.request('DELETE', multipart(key, uploadId)).catch(() => undefined);
        },
      };
    },

    /**
     * `@uppy/aws-s3` 6 options: every S3 request signed by Fileport (POST /v1/files/{id}/upload-requests).
     * Uppy 6 passes no file to `signRequest`, so the key Uppy proposes is made here, per file.
     */
    uppy6Options() {
      let proposed = 0;
      return {
        getChunkSize: (data: { size: number }) => uppyPartSize(data.size),
        generateObjectKey(file: UppyFileLike) {
          const key = `fileport-proposal-${++proposed}-${file.id}`;
          proposals.set(key, file);
          return key;
        },
        async signRequest(request: { method: string; key: string; uploadId?: string; partNumber?: number }) {
          const starting = request.uploadId === undefined && (request.method === 'PUT' || request.method === 'POST');
          const file = proposals.get(request.key);
          let id: string;
          let body: Record<string, unknown> = { method: request.method, key: request.key, uploadId: request.uploadId, partNumber: request.partNumber };
          if (starting) {
            if (!file) throw new Error(`No Uppy file proposed the key ${request.key}`);
            id = await fileOf(file);
            body = { method: request.method, size: file.size ?? 0 };
          } else {
            id = fileIdOfKey(request.key);
          }
          const signed = await api.request<SignedRequest>('POST', `${base(id)}/upload-requests`, { body });
          return { url: signed.url, headers: signed.headers, key: signed.key };
        },
      };
    },

    /**
     * Deletes the Fileport file of an upload the user cancels or removes before it finished, so no
     * pending file is left behind (Uppy itself aborts the multipart upload in S3).
     */
    cleanUpCancelled(uppy: {
      on(event: 'file-removed' | 'upload-success', handler: (file: UppyFileLike & { s3Multipart?: { key?: string } }, response?: { body?: { key?: unknown } }) => void): unknown;
    }) {
      uppy.on('upload-success', (file, response) => {
        done.add(file.id);
        // Uppy 6 answers the object's key (and forgets the upload's): after a reload, the id is read from it.
        const key = response?.body?.key;
        if (!fileIds.has(file.id) && typeof key === 'string' && key.startsWith('content/')) fileIds.set(file.id, fileIdOfKey(key));
      });
      uppy.on('file-removed', (file) => {
        const id = fileIdOf(file);
        if (!id || done.has(file.id)) return;
        fileIds.delete(file.id);
        void api.request('DELETE', base(id)).catch(() => undefined);
      });
    },
  };
}

export type FileportUppy = ReturnType<typeof fileportUppy>;
