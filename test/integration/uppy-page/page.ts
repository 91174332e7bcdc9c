/**
 * The page of the Uppy browser test (test/integration/uppy.test.ts), for either major: Uppy with
 * `@uppy/aws-s3` in its default settings (its default part size and multipart threshold), Golden
 * Retriever, and Fileport's glue (client/src/uppy.ts). The test drives it through `window.harness`.
 */
import { fileportUppy, type UppyFileLike } from '../../../client/src/uppy';

/** Two majors of Uppy: typed by what the page uses of them, which both have. */
type AnyUppy = any;

export interface Harness {
  /** Adds a zip of `size` bytes and uploads it: answers the Fileport file id once Uppy reports success. */
  upload(name: string, size: number): Promise<string>;
  /** Adds a zip of `size` bytes, starts its upload, and answers once `parts` parts are uploaded (the Fileport id). */
  startUpload(name: string, size: number, parts: number): Promise<string>;
  /** Removes the file (Uppy's cancel): Uppy aborts its upload, the glue deletes the Fileport file. */
  cancel(name: string): void;
  /** After a reload: whether Golden Retriever restored files, and the restored upload's completion once confirmed. */
  restored(): Promise<number>;
  /** Whether Golden Retriever has the files' bytes in IndexedDB. */
  blobsStored(): boolean;
  resume(name: string): Promise<string>;
}

const zip = (size: number) => {
  const bytes = new Uint8Array(size);
  bytes.set([0x50, 0x4b, 0x03, 0x04]);
  for (let i = 4; i < size; i += 4096) bytes[i] = i % 251;
  return new Blob([bytes], { type: 'application/zip' });
};

export function startPage(major: 5 | 6, Uppy: AnyUppy, AwsS3: AnyUppy, GoldenRetriever: AnyUppy): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const fileport = fileportUppy({ baseUrl: params.get('api') as string, token: params.get('token') as string });
  // Golden Retriever keeps a file's bytes in IndexedDB once it says so in its log: a reload before
  // that would find none to resume with.
  let blobsStored = false;
  const log = (...args: unknown[]) => {
    if (args.some((a) => typeof a === 'string' && /\[GoldenRetriever\] Added \d+ blobs/.test(a))) blobsStored = true;
    if (params.has('debug')) console.log(...args);
  };
  const uppy: AnyUppy = new Uppy({ id: `fileport-uppy${major}`, logger: { debug: log, warn: log, error: log } });
  uppy.use(AwsS3, major === 5 ? fileport.uppy5Options() : fileport.uppy6Options());
  // Files up to 200 MiB are kept for a reload (the default is 10 MiB).
  uppy.use(GoldenRetriever, { indexedDB: { maxFileSize: 200 * 1024 * 1024, maxTotalSize: 1024 * 1024 * 1024 } });
  fileport.cleanUpCancelled(uppy);

  const byName = (name: string) => uppy.getFiles().find((f: UppyFileLike) => f.name === name);
  const success = (name: string) =>
    new Promise<string>((resolve, reject) => {
      uppy.on('upload-success', (file: UppyFileLike) => file.name === name && resolve(fileport.fileIdOf(uppy.getFile(file.id)) as string));
      uppy.on('upload-error', (file: UppyFileLike, error: Error) => file.name === name && reject(new Error(`${name}: ${error.message}`)));
    });
  let restoredFiles: (count: number) => void;
  const restored = new Promise<number>((resolve) => (restoredFiles = resolve));
  uppy.on('restored', () => restoredFiles(uppy.getFiles().length));
  // No state to restore: nothing will come.
  setTimeout(() => restoredFiles(uppy.getFiles().length), 3000);

  const harness: Harness = {
    upload(name, size) {
      const done = success(name);
      uppy.addFile({ name, type: 'application/zip', data: zip(size), meta: { fileTypeId: 'zip' } });
      void uppy.upload();
      return done;
    },
    startUpload(name, size, parts) {
      return new Promise((resolve, reject) => {
        let uploaded = 0;
        uppy.on('s3-multipart:part-uploaded', (file: UppyFileLike) => {
          if (file.name === name && ++uploaded === parts) resolve(fileport.fileIdOf(uppy.getFile(file.id)) as string);
        });
        success(name).catch(reject);
        uppy.addFile({ name, type: 'application/zip', data: zip(size), meta: { fileTypeId: 'zip' } });
        void uppy.upload();
      });
    },
    cancel(name) {
      uppy.removeFile(byName(name).id);
    },
    restored: () => restored,
    blobsStored: () => blobsStored,
    resume(name) {
      const done = success(name);
      uppy.emit('restore-confirmed');
      return done;
    },
  };
  (window as unknown as { harness: Harness }).harness = harness;
}
