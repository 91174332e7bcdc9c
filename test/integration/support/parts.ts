import { createHash } from 'node:crypto';

/**
 * The bytes of part `partNumber` (1-based) of a large test object, made on demand from a seed so
 * that a 1 GiB upload never has more than a few parts in memory, and the same part can be made
 * again (a retry, a resume, a checksum of the whole). xorshift32 per part: ~8 MiB in a few ms.
 */
export function partBytes(seed: number, partNumber: number, size: number): Buffer<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = (Math.imul(seed ^ 0x9e3779b9, 2654435761) ^ Math.imul(partNumber, 40503)) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, size);
}

/** The size of part `n` of `size` bytes in parts of `partSize`. */
export const partSizeOf = (n: number, size: number, partSize: number): number => Math.min(partSize, size - (n - 1) * partSize);

/** Base64 SHA-256 of the whole object that `part` makes, computed part by part. */
export function sha256OfParts(part: (n: number, size: number) => Uint8Array, size: number, partSize: number): string {
  const hash = createHash('sha256');
  for (let n = 1; (n - 1) * partSize < size; n++) hash.update(part(n, partSizeOf(n, size, partSize)));
  return hash.digest('base64');
}

/** Runs `work` on every item, at most `concurrency` at a time, and returns the results in order. */
export async function inParallel<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** PUTs one part's bytes to its pre-signed URL; returns S3's ETag header as sent (quoted). */
export async function putPart(url: string, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, { method: 'PUT', headers, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`part PUT failed: ${response.status} ${text}`);
  const etag = response.headers.get('etag');
  if (!etag) throw new Error('part PUT answered without an ETag');
  return etag;
}

/** A browser's form upload: the fields in order, the file last, as `multipart/form-data`. */
export async function postForm(url: string, fields: Record<string, string>, file: Uint8Array<ArrayBuffer>, options: { fileName?: string; type?: string } = {}): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file], { type: options.type ?? 'application/octet-stream' }), options.fileName ?? 'upload.bin');
  return fetch(url, { method: 'POST', body: form });
}
