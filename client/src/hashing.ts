import { sha256 } from '@noble/hashes/sha2.js';

/**
 * SHA-256 as the API takes it: base64 of the 32-byte digest (S3's x-amz-checksum-sha256).
 *
 * The whole file is hashed with @noble/hashes while it is read chunk by chunk: WebCrypto's
 * `crypto.subtle.digest` only takes the whole input at once, which for a multi-GB file in a
 * browser means holding it all in memory. Parts (at most a few MiB, already read for their PUT)
 * go to WebCrypto, which is native and faster, where it exists.
 */

/** Read in slices of this size: large enough to be fast, small enough to stay flat in memory. */
const READ_CHUNK = 4 * 1024 * 1024;

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // In slices: String.fromCharCode with a very long argument list overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** An incremental SHA-256: `update` with each chunk in order, then `digest` once. */
export interface Sha256Stream {
  update(chunk: Uint8Array): void;
  digestBase64(): string;
}

export function sha256Stream(): Sha256Stream {
  const hash = sha256.create();
  return {
    update: (chunk) => void hash.update(chunk),
    digestBase64: () => toBase64(hash.digest()),
  };
}

/** SHA-256 of a Blob, read slice by slice; `onRead` gets the bytes read so far. */
export async function sha256OfBlob(blob: Blob, options: { signal?: AbortSignal; onRead?: (bytes: number) => void } = {}): Promise<string> {
  const hash = sha256Stream();
  for (let start = 0; start < blob.size; start += READ_CHUNK) {
    options.signal?.throwIfAborted();
    const chunk = new Uint8Array(await blob.slice(start, Math.min(blob.size, start + READ_CHUNK)).arrayBuffer());
    hash.update(chunk);
    options.onRead?.(start + chunk.length);
  }
  return hash.digestBase64();
}

/** SHA-256 of bytes in memory (a part): WebCrypto when there is one, else @noble/hashes. */
export async function sha256OfBytes(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) return toBase64(new Uint8Array(await subtle.digest('SHA-256', bytes)));
  return toBase64(sha256(bytes));
}
