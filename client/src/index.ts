/**
 * Fileport's TypeScript SDK, for browsers and Node 20+: fetch-based, with @noble/hashes as its
 * only dependency. This entry imports nothing of Node; `./node` adds `fromPath` for Node.
 */
import { filesResource, fileTypesResource, settingsResource, sharedResource, tokensResource, uploadLinksResource } from './resources';
import { Transport, type FetchLike } from './transport';
import { DEFAULT_MULTIPART_THRESHOLD } from './planning';
import { defaultRetry } from './retry';
import { Uploader, type UploadSettings } from './uploads';
import { webhooksResource } from './webhooks';

export interface ClientOptions extends UploadSettings {
  /** The API's address, e.g. `https://files.example.com` (a trailing `/v1` is fine). */
  baseUrl: string;
  /** A JWT, or a function that gives the current one. Not needed for `shared(token)` alone. */
  token?: string | (() => string | Promise<string>);
  /** fetch to use (default: the global one); tests wrap it to inject failures. */
  fetch?: FetchLike;
}

export function createClient(options: ClientOptions) {
  const transport = new Transport({ baseUrl: options.baseUrl, token: options.token, fetch: options.fetch, retry: options.retry });
  const uploader = new Uploader({
    transport,
    customFetch: options.fetch !== undefined,
    settings: {
      multipartThreshold: options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD,
      partSize: options.partSize,
      concurrency: options.concurrency ?? 4,
      retry: { ...defaultRetry, ...options.retry },
      uploadTransport: options.uploadTransport ?? 'auto',
    },
  });
  return {
    files: filesResource(transport, uploader),
    fileTypes: fileTypesResource(transport),
    tokens: tokensResource(transport),
    /** Drop boxes: upload links that create files. */
    uploadLinks: uploadLinksResource(transport),
    /** What the holder of a share token can do (no JWT needed). */
    shared: (token: string) => sharedResource(transport, token),
    settings: settingsResource(transport),
    /** Tenant webhooks (files:admin). */
    webhooks: webhooksResource(transport),
  };
}

export type FileportClient = ReturnType<typeof createClient>;

export * from './errors';
export { StorageError, parseS3Error, storageErrorCodes, type S3ErrorDocument, type StorageErrorCode } from './storage-errors';
export type * from './types';
export type { FetchLike } from './transport';
export type { NewWebhook, Webhook, WebhookDelivery, WebhookEventType, WebhookWithSecret } from './webhooks';
/** The HTTP layer (auth, retries, API errors), for glue such as `./uppy` that calls routes the SDK has no method for. */
export { Transport } from './transport';
export type { RetryOptions } from './retry';
export { backoffDelay } from './retry';
export type { UploadTransport } from './put';
export type { UploadSource } from './source';
export type { UploadOptions, UploadResult, UploadSettings, ResumePoint } from './uploads';
export type { DownloadOptions, BytesDownload, StreamDownload } from './downloads';
export type { WaitOptions } from './resources';
export { planUpload, partRanges, DEFAULT_MULTIPART_THRESHOLD, MIN_PART_SIZE } from './planning';
export { sha256OfBlob } from './hashing';
