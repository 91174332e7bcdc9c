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

/**
 * An incremental CRC-64/NVME (base64 of its 8 bytes, big-endian, as S3's x-amz-checksum-crc64nvme):
 * the whole-object checksum S3 verifies for a multipart upload (it has no full-object SHA-256 for
 * one). Written here rather than taken from @aws-sdk/checksums: that package's browser entry
 * pulls node-only modules of @smithy/core into the browser bundle. Reflected polynomial
 * 0x9a6c9329ac4bc9b5, initial value and final XOR all ones; the 64-bit state is kept as two
 * 32-bit halves (BigInt per byte would be far slower). Checked against the AWS SDK's own in the
 * client's unit tests.
 */
export interface Crc64NvmeStream {
  update(chunk: Uint8Array): void;
  digestBase64(): Promise<string>;
}

/** Slice-by-8 tables, as 32-bit halves: table k holds the CRC of a byte followed by k zero bytes. */
let crcTables: { hi: Int32Array[]; lo: Int32Array[] } | undefined;
function crc64nvmeTables(): { hi: Int32Array[]; lo: Int32Array[] } {
  if (crcTables) return crcTables;
  const hi = Array.from({ length: 8 }, () => new Int32Array(256));
  const lo = Array.from({ length: 8 }, () => new Int32Array(256));
  const [hi0, lo0] = [hi[0] as Int32Array, lo[0] as Int32Array];
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let bit = 0; bit < 8; bit++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (carry) {
        h = (h ^ 0x9a6c9329) >>> 0;
        l = (l ^ 0xac4bc9b5) >>> 0;
      }
    }
    hi0[n] = h;
    lo0[n] = l;
  }
  for (let k = 1; k < 8; k++) {
    const [ph, pl, th, tl] = [hi[k - 1] as Int32Array, lo[k - 1] as Int32Array, hi[k] as Int32Array, lo[k] as Int32Array];
    for (let n = 0; n < 256; n++) {
      const index = (pl[n] as number) & 0xff;
      tl[n] = ((((pl[n] as number) >>> 8) | ((ph[n] as number) << 24)) ^ (lo0[index] as number)) >>> 0;
      th[n] = (((ph[n] as number) >>> 8) ^ (hi0[index] as number)) >>> 0;
    }
  }
  return (crcTables = { hi, lo });
}

export function crc64nvmeStream(): Crc64NvmeStream {
  const { hi: h, lo: l } = crc64nvmeTables();
  const [h0, h1, h2, h3, h4, h5, h6, h7] = h as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  const [l0, l1, l2, l3, l4, l5, l6, l7] = l as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  const state = { hi: -1, lo: -1 };
  return {
    update: (chunk) => {
      let hi = state.hi;
      let lo = state.lo;
      let i = 0;
      const whole = chunk.length - (chunk.length % 8);
      for (; i < whole; i += 8) {
        // The next 8 bytes, little-endian, folded into the state; then one table per byte.
        const a = (lo ^ ((chunk[i] as number) | ((chunk[i + 1] as number) << 8) | ((chunk[i + 2] as number) << 16) | ((chunk[i + 3] as number) << 24))) | 0;
        const b = (hi ^ ((chunk[i + 4] as number) | ((chunk[i + 5] as number) << 8) | ((chunk[i + 6] as number) << 16) | ((chunk[i + 7] as number) << 24))) | 0;
        const x0 = a & 0xff;
        const x1 = (a >>> 8) & 0xff;
        const x2 = (a >>> 16) & 0xff;
        const x3 = a >>> 24;
        const x4 = b & 0xff;
        const x5 = (b >>> 8) & 0xff;
        const x6 = (b >>> 16) & 0xff;
        const x7 = b >>> 24;
        lo = ((l7[x0] as number) ^ (l6[x1] as number) ^ (l5[x2] as number) ^ (l4[x3] as number) ^ (l3[x4] as number) ^ (l2[x5] as number) ^ (l1[x6] as number) ^ (l0[x7] as number)) | 0;
        hi = ((h7[x0] as number) ^ (h6[x1] as number) ^ (h5[x2] as number) ^ (h4[x3] as number) ^ (h3[x4] as number) ^ (h2[x5] as number) ^ (h1[x6] as number) ^ (h0[x7] as number)) | 0;
      }
      for (; i < chunk.length; i++) {
        const index = (lo ^ (chunk[i] as number)) & 0xff;
        lo = (((lo >>> 8) | (hi << 24)) ^ (l0[index] as number)) | 0;
        hi = ((hi >>> 8) ^ (h0[index] as number)) | 0;
      }
      state.hi = hi;
      state.lo = lo;
    },
    digestBase64: async () => {
      const bytes = new Uint8Array(8);
      const view = new DataView(bytes.buffer);
      view.setUint32(0, (state.hi ^ 0xffffffff) >>> 0);
      view.setUint32(4, (state.lo ^ 0xffffffff) >>> 0);
      return toBase64(bytes);
    },
  };
}

/** CRC-64/NVME of a Blob, read slice by slice as sha256OfBlob reads. */
export async function crc64nvmeOfBlob(blob: Blob, options: { signal?: AbortSignal } = {}): Promise<string> {
  const crc = crc64nvmeStream();
  for (let start = 0; start < blob.size; start += READ_CHUNK) {
    options.signal?.throwIfAborted();
    crc.update(new Uint8Array(await blob.slice(start, Math.min(blob.size, start + READ_CHUNK)).arrayBuffer()));
  }
  return crc.digestBase64();
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
