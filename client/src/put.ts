import { abortError, networkError } from './errors';
import { storageError } from './storage-errors';
import type { FetchLike } from './transport';

/**
 * PUTs bytes to a pre-signed S3 URL, reporting bytes sent. fetch has no upload progress, so:
 * - `xhr` (browsers): XMLHttpRequest's `upload.onprogress`;
 * - `fetch-stream` (Node 20+): the body is a ReadableStream fed in slices, counted as fetch pulls
 *   them, with the Content-Length set (S3 takes no chunked uploads, and the URL may sign it);
 * - `fetch`: a plain body, reported when the answer arrives (runtimes without either).
 */
export type UploadTransport = 'auto' | 'xhr' | 'fetch-stream' | 'fetch';

export interface PutRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
  /** What is being sent, for error messages ("part 3"). */
  what: string;
  signal?: AbortSignal;
  onProgress?: (loaded: number) => void;
}

/** S3's answer: the ETag (quoted, as S3 sends it), null when not readable (CORS without ExposeHeaders). */
export interface PutResult {
  etag: string | null;
}

const STREAM_SLICE = 64 * 1024;

const isNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** The transport `auto` stands for here: an injected fetch is always used, so that it sees every request. */
export function resolveTransport(transport: UploadTransport, customFetch: boolean): Exclude<UploadTransport, 'auto'> {
  if (transport !== 'auto') return transport;
  if (isNode()) return 'fetch-stream';
  if (!customFetch && typeof XMLHttpRequest !== 'undefined') return 'xhr';
  return 'fetch';
}

export function putBytes(request: PutRequest, options: { fetch: FetchLike; transport: Exclude<UploadTransport, 'auto'> }): Promise<PutResult> {
  if (request.signal?.aborted) return Promise.reject(abortError(request.signal.reason));
  if (options.transport === 'xhr') return putWithXhr(request);
  return putWithFetch(request, options.fetch, options.transport === 'fetch-stream');
}

async function putWithFetch(request: PutRequest, fetch: FetchLike, stream: boolean): Promise<PutResult> {
  const { body } = request;
  let init: RequestInit & { duplex?: 'half' };
  if (stream) {
    let offset = 0;
    const readable = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= body.length) return controller.close();
        const end = Math.min(body.length, offset + STREAM_SLICE);
        controller.enqueue(body.subarray(offset, end));
        offset = end;
        request.onProgress?.(offset);
      },
    });
    init = { method: 'PUT', headers: { ...request.headers, 'content-length': String(body.length) }, body: readable, duplex: 'half', signal: request.signal };
  } else {
    init = { method: 'PUT', headers: request.headers, body, signal: request.signal };
  }
  let response: Response;
  try {
    response = await fetch(request.url, init);
  } catch (error) {
    if (request.signal?.aborted) throw abortError(request.signal.reason);
    throw networkError(error, `the upload of ${request.what}`);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw storageError(response.status, text, request.what, response.headers.get('x-amz-request-id'));
  request.onProgress?.(body.length);
  return { etag: response.headers.get('etag') };
}

function putWithXhr(request: PutRequest): Promise<PutResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', request.url);
    // The browser sets Content-Length itself and refuses to be told it.
    for (const [name, value] of Object.entries(request.headers)) if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => request.onProgress?.(event.loaded);
    const onAbort = () => xhr.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => request.signal?.removeEventListener('abort', onAbort);
    xhr.onload = () => {
      settle();
      if (xhr.status < 200 || xhr.status >= 300) return reject(storageError(xhr.status, xhr.responseText, request.what, xhr.getResponseHeader('x-amz-request-id')));
      request.onProgress?.(request.body.length);
      resolve({ etag: xhr.getResponseHeader('etag') });
    };
    xhr.onerror = () => {
      settle();
      reject(networkError(new Error('XMLHttpRequest failed'), `the upload of ${request.what}`));
    };
    xhr.onabort = () => {
      settle();
      reject(abortError(request.signal?.reason));
    };
    xhr.send(request.body);
  });
}
