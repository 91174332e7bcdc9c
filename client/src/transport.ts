import { abortError, errorFromResponse, networkError } from './errors';
import { withRetries, type RetryOptions } from './retry';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  /** A JWT, or a function giving one (called per request, so a caller can refresh it). */
  token?: string | (() => string | Promise<string>);
  fetch?: FetchLike;
  retry?: RetryOptions;
}

/** An array is the parameter repeated (`?tag=a&tag=b`). */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  /** Member routes send the bearer token; share-token routes must not. */
  auth?: boolean;
  signal?: AbortSignal;
}

/**
 * The API's JSON over fetch: the base URL, the bearer token, error mapping, and retries of
 * requests that are safe to repeat (GET) when the network or the gateway failed.
 */
export class Transport {
  readonly baseUrl: string;
  readonly fetch: FetchLike;

  constructor(private readonly options: TransportOptions) {
    // `/v1` may or may not be part of the base URL; paths below always start with it.
    this.baseUrl = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    // A browser's fetch must be called on the window (`Illegal invocation` otherwise).
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = `${this.baseUrl}${path}${queryString(options.query)}`;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.auth !== false && this.options.token !== undefined) {
      const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
      headers.authorization = `Bearer ${token}`;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const once = async (): Promise<T> => {
      let response: Response;
      try {
        response = await this.fetch(url, { method, headers, body, signal: options.signal });
      } catch (error) {
        if (options.signal?.aborted) throw abortError(options.signal.reason);
        throw networkError(error, `${method} ${path}`);
      }
      const text = await response.text();
      const parsed = parseJson(text);
      if (!response.ok) throw errorFromResponse(response.status, parsed ?? text);
      return (response.status === 204 ? undefined : parsed) as T;
    };
    // Only reads are repeated on their own: a POST whose answer was lost may have happened.
    return method === 'GET' ? withRetries(once, { ...this.options.retry, signal: options.signal }) : once();
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of typeof value === 'object' ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export const segment = (value: string): string => encodeURIComponent(value);
