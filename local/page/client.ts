import type { PageFileType } from './pick-type';

/** What the page shows of a file (`GET /v1/files`). */
export interface PageFile {
  id: string;
  name: string;
  fileTypeId: string;
  extension: string;
  status: 'pending' | 'processing' | 'ready' | 'failed';
  size: number | null;
  pageCount: number | null;
  contentVersion: number | null;
  error: { code: string; message: string } | null;
}

type Progress = { loaded: number; total: number };

/** The calls the page makes. */
export interface PageClient {
  listFiles(): Promise<PageFile[]>;
  listFileTypes(): Promise<PageFileType[]>;
  upload(file: File, options: { name: string; fileTypeId: string; onProgress(progress: Progress): void }): Promise<{ id: string }>;
  download(file: PageFile, onProgress: (progress: Progress) => void): Promise<Blob>;
  /** The small or medium thumbnail's URL; undefined while it is not ready. */
  thumbnailUrl(id: string, size: 'small' | 'medium'): Promise<string | undefined>;
  downloadUrl(id: string): Promise<string>;
}

export function makeClient(apiUrl: string, token: string): PageClient {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw Object.assign(new Error(`${response.status}`), { status: response.status });
    return (await response.json()) as T;
  };
  return {
    listFiles: async () => (await get<{ items: PageFile[] }>('/v1/files?limit=100')).items,
    listFileTypes: async () => (await get<{ items: PageFileType[] }>('/v1/file-types')).items,
    upload: () => Promise.reject(new Error('not yet')),
    download: () => Promise.reject(new Error('not yet')),
    thumbnailUrl: async (id, size) => (await get<{ url: string }>(`/v1/files/${encodeURIComponent(id)}/thumbnails/${size}`)).url,
    downloadUrl: async (id) => (await get<{ url: string }>(`/v1/files/${encodeURIComponent(id)}/download`)).url,
  };
}
