import { FileportError, networkError, abortError } from './errors';
import { storageError } from './storage-errors';
import { crc64nvmeStream, sha256Stream } from './hashing';
import type { Transport } from './transport';
import type { DownloadGrant, Progress } from './types';

export interface DownloadOptions {
  /** A content version (`files.versions`); the current one by default. */
  version?: number;
  /** `bytes` (default): the whole content in memory, verified. `stream`: a ReadableStream that errors on a mismatch at its end. */
  as?: 'bytes' | 'stream';
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

interface DownloadBase {
  version: number;
  /** The SHA-256 processing measured; null while processing has not finished (then nothing could be verified). */
  checksumSha256: string | null;
  /** The whole-object CRC-64/NVME S3 verified; the bytes are checked against it when there is no SHA-256. */
  checksumCrc64nvme: string | null;
  /** Bytes announced by S3 (Content-Length), null when it sent none. */
  size: number | null;
}

export interface BytesDownload extends DownloadBase {
  bytes: Uint8Array;
  /** True when the bytes' SHA-256 (or, without one, CRC-64/NVME) matched; false when there was no checksum to compare with. */
  verified: boolean;
}

export interface StreamDownload extends DownloadBase {
  /** Errors with CHECKSUM_MISMATCH after its last chunk when the content does not match. */
  stream: ReadableStream<Uint8Array>;
}

export const checksumMismatch = (expected: string, actual: string, algorithm: 'SHA-256' | 'CRC-64/NVME' = 'SHA-256'): FileportError =>
  new FileportError({
    status: 0,
    code: 'CHECKSUM_MISMATCH',
    message: `The downloaded content's ${algorithm} is ${actual}, not ${expected}: it was altered or truncated on the way.`,
    details: { expected, actual, algorithm },
  });

/** What the bytes are checked against: the SHA-256, else the CRC-64/NVME S3 verified (a multipart upload's), else nothing. */
function checker(grant: DownloadGrant): { update(chunk: Uint8Array): void; verify(): Promise<boolean> } {
  if (grant.checksumSha256 !== null) {
    const expected = grant.checksumSha256;
    const hash = sha256Stream();
    return {
      update: (chunk) => hash.update(chunk),
      verify: async () => {
        const actual = hash.digestBase64();
        if (actual !== expected) throw checksumMismatch(expected, actual);
        return true;
      },
    };
  }
  const expected = grant.checksumCrc64nvme ?? null;
  if (expected === null) return { update: () => undefined, verify: async () => false };
  const crc = crc64nvmeStream();
  return {
    update: (chunk) => crc.update(chunk),
    verify: async () => {
      const actual = await crc.digestBase64();
      if (actual !== expected) throw checksumMismatch(expected, actual, 'CRC-64/NVME');
      return true;
    },
  };
}

/** Downloads through a grant (`GET …/download` answer): counting, hashing and checking as it reads. */
export async function downloadGrant(transport: Transport, grant: DownloadGrant, options: DownloadOptions & { as: 'stream' }): Promise<StreamDownload>;
export async function downloadGrant(transport: Transport, grant: DownloadGrant, options?: DownloadOptions): Promise<BytesDownload>;
export async function downloadGrant(transport: Transport, grant: DownloadGrant, options: DownloadOptions = {}): Promise<BytesDownload | StreamDownload> {
  let response: Response;
  try {
    response = await transport.fetch(grant.url, { method: 'GET', signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw abortError(options.signal.reason);
    throw networkError(error, 'the download');
  }
  if (!response.ok || !response.body) throw storageError(response.status, await response.text().catch(() => ''), 'the download', response.headers.get('x-amz-request-id'));
  const length = response.headers.get('content-length');
  const size = length === null ? null : Number(length);
  const check = checker(grant);
  let loaded = 0;
  let reported = -1;
  const report = (final: boolean) => {
    const total = size ?? (final ? loaded : Math.max(loaded, 0));
    const value = Math.min(loaded, total);
    if (value <= reported && !(final && reported < 0)) return;
    reported = value;
    options.onProgress?.({ loaded: value, total });
  };
  const reader = response.body.getReader();
  const base = { version: grant.version, checksumSha256: grant.checksumSha256, checksumCrc64nvme: grant.checksumCrc64nvme ?? null, size };

  if (options.as === 'stream') {
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            await check.verify();
            report(true);
            return controller.close();
          }
          check.update(value);
          loaded += value.length;
          report(false);
          controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return { ...base, stream };
  }

  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    check.update(value);
    chunks.push(value);
    loaded += value.length;
    report(false);
  }
  const verified = await check.verify();
  report(true);
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { ...base, bytes, verified };
}
