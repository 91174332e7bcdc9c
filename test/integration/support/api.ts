import { responseMismatch } from './openapi-responses';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is, not JSON-encoded. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A small client for the Fileport API over real HTTP. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await response.text();
    let parsed: unknown = text;
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.includes('application/json')) parsed = JSON.parse(text);
    // Every answer a test sees must be one the OpenAPI document describes (openapi.json).
    const mismatch = responseMismatch(method, path, response.status, contentType, parsed);
    if (mismatch) throw new Error(`The answer does not match the OpenAPI document: ${mismatch}`);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  async tokenFor(tenantId: string, scopes: string[], sub = 'user-1'): Promise<string> {
    const response = await this.call<{ token: string }>('POST', '/_dev/token', { token: null, body: { tenantId, sub, scopes } });
    if (response.status !== 200) throw new Error(`Could not get a dev token: ${response.status}`);
    return response.body.token;
  }

  as(token: string): Api {
    return new Api(this.baseUrl, token);
  }

  /** Creates a file, uploads `bytes` through a fresh upload URL and returns the file id. */
  async upload(input: { name: string; fileTypeId: string; tags?: string[] }, bytes: Uint8Array, contentType?: string): Promise<string> {
    const id = await this.create(input);
    await this.uploadTo(id, bytes, contentType);
    return id;
  }

  async create(input: { name: string; fileTypeId: string; tags?: string[] }): Promise<string> {
    const created = await this.call('POST', '/v1/files', { body: input });
    if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.id;
  }

  /** Uploads `bytes` as the content of file `id` through a fresh upload URL, with every header it signed. */
  async uploadTo(id: string, bytes: Uint8Array, contentType?: string): Promise<void> {
    const grant = await this.call('PUT', `/v1/files/${id}/upload`, { body: { size: bytes.length } });
    if (grant.status !== 200) throw new Error(`upload url failed: ${grant.status} ${JSON.stringify(grant.body)}`);
    const put = await fetch(grant.body.url, {
      method: 'PUT',
      headers: { ...grant.body.headers, ...(contentType && { 'Content-Type': contentType }) },
      body: Buffer.from(bytes),
    });
    if (put.status !== 200) throw new Error(`PUT to S3 failed: ${put.status} ${await put.text()}`);
  }

  /**
   * Replaces the tenant's list of types that may be downloaded inline (PUT /v1/settings, the rest
   * as it was; needs files:admin) and returns the list it had.
   */
  async setInlineTypes(mimeTypes: string[]): Promise<string[]> {
    const current = await this.call('GET', '/v1/settings');
    if (current.status !== 200) throw new Error(`get settings failed: ${current.status} ${JSON.stringify(current.body)}`);
    const { warnings: _warnings, ...settings } = current.body;
    const put = await this.call('PUT', '/v1/settings', { body: { ...settings, disableForceDownloadForMimeTypes: mimeTypes } });
    if (put.status !== 200) throw new Error(`put settings failed: ${put.status} ${JSON.stringify(put.body)}`);
    return settings.disableForceDownloadForMimeTypes;
  }

  /** Waits (server-side long poll) until the file leaves pending/processing. */
  async settled(id: string, withinMs = 60_000): Promise<any> {
    const deadline = Date.now() + withinMs;
    let last: unknown;
    while (Date.now() < deadline) {
      const response = await this.call('GET', `/v1/files/${id}?wait=10`);
      if (response.status !== 200) throw new Error(`get failed: ${response.status}`);
      if (response.body.status === 'ready' || response.body.status === 'failed') return response.body;
      last = response.body;
    }
    throw new Error(`File ${id} did not settle: ${JSON.stringify(last)}`);
  }
}

export function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(typeof response.body.error.message).toBe('string');
  expect(response.body.error.message.length).toBeGreaterThan(0);
}

/**
 * Calls `probe` until `done` holds for its result (`withinMs` at most: by default the minute a busy
 * CI machine may need to process a file, as `settled` allows), and returns that result.
 */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, withinMs = 60_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
