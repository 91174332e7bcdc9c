import { abortError, FileportError, isAbort } from './errors';
import { StorageError, type StorageErrorCode } from './storage-errors';

export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** Delay before the second attempt; each further one doubles it (default 500 ms). */
  baseDelayMs?: number;
  /** Upper bound of a delay (default 10 s). */
  maxDelayMs?: number;
}

export const defaultRetry: Required<RetryOptions> = { attempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 };

/**
 * The wait before attempt `attempt + 1` after `attempt` failed (1-based): exponential, capped,
 * with "equal jitter" (half fixed, half random) so that parts failing together (a dropped
 * connection) do not all come back in the same instant, while every wait stays at least half
 * its nominal value.
 */
export function backoffDelay(attempt: number, options: RetryOptions = {}, random: () => number = Math.random): number {
  const { baseDelayMs, maxDelayMs } = { ...defaultRetry, ...options };
  const nominal = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return nominal / 2 + (nominal / 2) * random();
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Whether another attempt may help: not after an abort, nor when the thing is gone (404: the
 * upload was aborted or completed) or the request itself is wrong in a way a retry repeats.
 */
export function isRetryable(error: unknown): boolean {
  if (isAbort(error)) return false;
  if (!(error instanceof FileportError)) return true;
  if (error.status === 0) return error.code === 'NETWORK_ERROR';
  // An expired or denied URL: the next attempt of a part asks for a fresh one. Bytes altered on the
  // way may arrive whole next time. A wrong signature, a used URL (the object is there: an upload
  // URL creates it once), a gone upload or object are refused again however often they are sent.
  if (error instanceof StorageError) return error.retryable;
  return error.status === 429 || error.status >= 500;
}

/**
 * Runs `attempt` until it succeeds, the error is not retryable, or the attempts are spent; calls
 * `onRetry` before each wait (the progress accounting forgets the failed attempt's bytes there).
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal; onRetry?: (error: unknown, n: number) => void; random?: () => number } = {},
): Promise<T> {
  const attempts = options.attempts ?? defaultRetry.attempts;
  for (let n = 1; ; n++) {
    if (options.signal?.aborted) throw abortError(options.signal.reason);
    try {
      return await attempt(n);
    } catch (error) {
      if (options.signal?.aborted) throw abortError(options.signal.reason);
      if (n >= attempts || !isRetryable(error)) throw error;
      options.onRetry?.(error, n);
      await sleep(backoffDelay(n, options, options.random), options.signal);
    }
  }
}

/** Whether S3 refused a pre-signed request for this reason. */
export const isStorageRefusal = (error: unknown, code: StorageErrorCode): boolean => error instanceof StorageError && error.code === code;
