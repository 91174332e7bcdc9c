import { createHash } from 'node:crypto';
import { AuthenticationError, errorFromResponse, FileportError, NotFoundError, RateLimitedError, ServerError, ValidationError } from '../../../client/src/errors';
import { storageError } from '../../../client/src/storage-errors';
import { sha256OfBlob, sha256OfBytes, toBase64 } from '../../../client/src/hashing';
import { DEFAULT_MULTIPART_THRESHOLD, partRange, partRanges, planUpload } from '../../../client/src/planning';
import { runPool } from '../../../client/src/pool';
import { ProgressTracker } from '../../../client/src/progress';
import { backoffDelay, isRetryable, withRetries } from '../../../client/src/retry';
import { queryString } from '../../../client/src/transport';
import type { Progress } from '../../../client/src/types';

const MiB = 1024 * 1024;

describe('planning', () => {
  it('single PUT up to the threshold (and for empty files), multipart above', () => {
    expect(planUpload(0)).toEqual({ kind: 'single' });
    expect(planUpload(DEFAULT_MULTIPART_THRESHOLD)).toEqual({ kind: 'single' });
    expect(planUpload(DEFAULT_MULTIPART_THRESHOLD + 1)).toEqual({ kind: 'multipart', partSize: undefined });
    expect(planUpload(10 * MiB, { multipartThreshold: 5 * MiB, partSize: 5 * MiB })).toEqual({ kind: 'multipart', partSize: 5 * MiB });
  });

  it('refuses part sizes S3 would refuse', () => {
    expect(() => planUpload(100 * MiB, { partSize: 4 * MiB })).toThrow(RangeError);
    expect(() => planUpload(60_000 * MiB, { partSize: 5 * MiB })).toThrow(/10000 parts/);
    expect(() => planUpload(-1)).toThrow(RangeError);
  });

  it('cuts parts as the API numbers them: contiguous, the last one short', () => {
    const ranges = partRanges(12 * MiB + 3, 5 * MiB);
    expect(ranges).toEqual([
      { partNumber: 1, start: 0, end: 5 * MiB },
      { partNumber: 2, start: 5 * MiB, end: 10 * MiB },
      { partNumber: 3, start: 10 * MiB, end: 12 * MiB + 3 },
    ]);
    expect(partRanges(10 * MiB, 5 * MiB)).toHaveLength(2);
    expect(() => partRange(4, 12 * MiB + 3, 5 * MiB)).toThrow(RangeError);
  });
});

describe('progress accounting', () => {
  it('never double-counts a retried part, stays monotonic and ends at total', () => {
    const events: Progress[] = [];
    const tracker = new ProgressTracker(300, (p) => events.push(p));
    tracker.start();
    tracker.update(1, 60);
    tracker.update(2, 80);
    tracker.fail(2); // 80 bytes taken back: what was sent is 60
    expect(tracker.sent).toBe(60);
    tracker.update(2, 50); // the retry has not caught up: nothing reported
    tracker.update(2, 100); // 160 > 140 shown
    tracker.complete(1, 100);
    tracker.complete(2, 100);
    tracker.update(3, 100);
    tracker.complete(3, 100);
    tracker.finish();
    expect(events.map((e) => e.loaded)).toEqual([0, 60, 140, 160, 200, 300]);
    expect(events.every((e) => e.total === 300)).toBe(true);
  });

  it('counts what a resumed upload found, and never reports more than total', () => {
    const events: Progress[] = [];
    const tracker = new ProgressTracker(100, (p) => events.push(p));
    tracker.addCompleted(40);
    tracker.start();
    tracker.update(2, 70); // a runtime that over-reports (headers counted)
    tracker.complete(2, 60);
    tracker.finish();
    expect(events).toEqual([
      { loaded: 40, total: 100 },
      { loaded: 100, total: 100 },
    ]);
  });
});

describe('back-off and retries', () => {
  it('doubles the delay per attempt, capped, with half of it random', () => {
    expect(backoffDelay(1, { baseDelayMs: 100 }, () => 0)).toBe(50);
    expect(backoffDelay(1, { baseDelayMs: 100 }, () => 1)).toBe(100);
    expect(backoffDelay(3, { baseDelayMs: 100 }, () => 1)).toBe(400);
    expect(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 1)).toBe(1000);
    expect(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0)).toBe(500);
  });

  it('retries network, 5xx, 429 and storage failures; not aborts, 4xx or a gone upload', () => {
    expect(isRetryable(new TypeError('fetch failed'))).toBe(true);
    expect(isRetryable(errorFromResponse(503, {}))).toBe(true);
    expect(isRetryable(errorFromResponse(429, { error: { code: 'RATE_LIMITED', message: 'x' } }))).toBe(true);
    expect(isRetryable(storageError(403, '<Code>AccessDenied</Code>', 'part 1'))).toBe(true);
    expect(isRetryable(storageError(404, '<Code>NoSuchUpload</Code>', 'part 1'))).toBe(false);
    // The upload URL's object exists already: another attempt would be refused the same way.
    expect(isRetryable(storageError(412, '<Code>PreconditionFailed</Code>', 'the file'))).toBe(false);
    expect(isRetryable(errorFromResponse(404, { error: { code: 'FILE_NOT_FOUND', message: 'x' } }))).toBe(false);
    expect(isRetryable(new FileportError({ status: 0, code: 'ABORTED', message: 'x' }))).toBe(false);
  });

  it('withRetries stops after the attempts given and tells each retry', async () => {
    const retries: number[] = [];
    let calls = 0;
    const failing = withRetries(
      async () => {
        calls++;
        throw new TypeError('down');
      },
      { attempts: 3, baseDelayMs: 1, onRetry: (_e, n) => retries.push(n) },
    );
    await expect(failing).rejects.toThrow('down');
    expect({ calls, retries }).toEqual({ calls: 3, retries: [1, 2] });
    let n = 0;
    expect(await withRetries(async () => (++n < 2 ? Promise.reject(new TypeError('once')) : 'ok'), { baseDelayMs: 1 })).toBe('ok');
  });

  it('an abort during the wait ends it at once with ABORTED', async () => {
    const controller = new AbortController();
    const run = withRetries(() => Promise.reject(new TypeError('down')), { baseDelayMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('error mapping', () => {
  it('keeps the API code and message, with a class per status', () => {
    const error = errorFromResponse(404, { error: { code: 'FILE_NOT_FOUND', message: 'File x was not found.' } });
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(FileportError);
    expect(error).toMatchObject({ status: 404, code: 'FILE_NOT_FOUND', message: 'File x was not found.', name: 'NotFoundError' });
    expect(errorFromResponse(400, { error: { code: 'INVALID_PARTS', message: 'm' } })).toBeInstanceOf(ValidationError);
    expect(errorFromResponse(401, { error: { code: 'UNAUTHORIZED', message: 'm' } })).toBeInstanceOf(AuthenticationError);
    expect(errorFromResponse(429, { error: { code: 'RATE_LIMITED', message: 'm' } })).toBeInstanceOf(RateLimitedError);
  });

  it('answers without the error format still give a status and a code', () => {
    expect(errorFromResponse(502, '<html>Bad gateway</html>')).toMatchObject({ status: 502, code: 'INTERNAL_ERROR' });
    expect(errorFromResponse(502, undefined)).toBeInstanceOf(ServerError);
    expect(errorFromResponse(418, null)).toMatchObject({ status: 418, code: 'HTTP_ERROR', message: 'The API answered 418.' });
    expect(storageError(400, '<Error><Code>BadDigest</Code><Message>The digest did not match</Message></Error>', 'part 2')).toMatchObject({
      code: 'S3_CHECKSUM_MISMATCH',
      message: 'S3 refused part 2: the bytes do not match the declared checksum (they changed after they were hashed, or were altered on the way). S3 answered 400 BadDigest.',
      s3: { code: 'BadDigest', message: 'The digest did not match', requestId: null },
    });
  });
});

describe('hashing and helpers', () => {
  it('computes base64 SHA-256 like node:crypto, incrementally over a Blob and one-shot over bytes', async () => {
    const bytes = new Uint8Array(5 * MiB + 17).map((_, i) => (i * 31) & 0xff);
    const expected = createHash('sha256').update(bytes).digest('base64');
    const read: number[] = [];
    expect(await sha256OfBlob(new Blob([bytes]), { onRead: (n) => read.push(n) })).toBe(expected);
    expect(read.at(-1)).toBe(bytes.length);
    expect(await sha256OfBytes(bytes)).toBe(expected);
    expect(await sha256OfBlob(new Blob([]))).toBe(createHash('sha256').digest('base64'));
    expect(toBase64(new Uint8Array([0xfb, 0xff]))).toBe('+/8=');
  });

  it('runPool keeps at most `concurrency` running and throws the first failure', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      done.push(n);
    });
    expect({ peak, done: done.sort() }).toEqual({ peak: 2, done: [1, 2, 3, 4, 5, 6] });
    const started: number[] = [];
    await expect(
      runPool([1, 2, 3, 4], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('part 2');
      }),
    ).rejects.toThrow('part 2');
    expect(started).toEqual([1, 2]);
  });

  it('queryString leaves out undefined and null', () => {
    expect(queryString({ a: 'x y', b: undefined, c: null, d: 3 })).toBe('?a=x+y&d=3');
    expect(queryString({})).toBe('');
    // An array is the parameter repeated (GET /v1/files?tag=a&tag=b: every tag).
    expect(queryString({ tag: ['a', 'b,c'], limit: 5 })).toBe('?tag=a&tag=b%2Cc&limit=5');
  });
});
