import { createClient, FileportError, type FileportFile, type Progress } from '../../client/src/index';
import type { PageFileType } from './pick-type';

/** What the page shows of a file. */
export type PageFile = FileportFile;

/** The calls the page makes, all through the SDK but one (see thumbnailUrl). */
export interface PageClient {
  listFiles(): Promise<PageFile[]>;
  listFileTypes(): Promise<PageFileType[]>;
  upload(file: File, options: { name: string; fileTypeId: string; onProgress(progress: Progress): void }): Promise<{ id: string }>;
  /** The content, verified against its SHA-256 by the SDK, as a Blob of the file's type. */
  download(file: PageFile, onProgress: (progress: Progress) => void): Promise<Blob>;
  /** The small or medium thumbnail's URL; undefined while it is not ready (409 THUMBNAIL_NOT_READY). */
  thumbnailUrl(id: string, size: 'small' | 'medium'): Promise<string | undefined>;
  downloadUrl(id: string): Promise<string>;
}

export function makeClient(apiUrl: string, token: string): PageClient {
  const sdk = createClient({ baseUrl: apiUrl, token });
  return {
    // One page of the newest 100: a local page, not a file browser.
    listFiles: async () => (await sdk.files.list({ limit: 100 })).items,
    listFileTypes: () => sdk.fileTypes.list(),
    upload: async (file, options) => (await sdk.files.upload(file, options)).file,
    download: async (file, onProgress) => {
      const { bytes } = await sdk.files.download(file.id, { onProgress });
      return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: file.mimeType });
    },
    thumbnailUrl: async (id, size) => {
      try {
        return (await sdk.files.thumbnailUrl(id, size)).url;
      } catch (error) {
        if (error instanceof FileportError && error.code === 'THUMBNAIL_NOT_READY') return undefined;
        throw error;
      }
    },
    downloadUrl: async (id) => (await sdk.files.downloadUrl(id)).url,
  };
}
