import type { StorageErrorCode } from './storage-errors';

/**
 * Errors of the SDK. Every failure the API reports keeps its `code` (`FILE_NOT_FOUND`,
 * `ALREADY_UPLOADED`…), so callers branch on the code rather than on messages; the subclasses
 * only group codes by HTTP status for `instanceof` checks.
 */

/**
 * Codes the API answers with (README, API reference), the SDK's own, and S3's refusals of
 * pre-signed requests (`S3_…`, storage-errors.ts): each family kept where it is defined.
 */
export type FileportErrorCode = ApiErrorCode | SdkErrorCode | StorageErrorCode;

/**
 * The API's codes: lambdas/errors.ts `errorCatalogue`, and `gatewayErrorCatalogue` (what the local
 * gateway answers before any Lambda runs), checked both ways by test/types/error-codes.check.ts.
 */
export type ApiErrorCode =
  | 'VALIDATION_ERROR'
  | 'INVALID_JSON'
  | 'INVALID_CURSOR'
  | 'INVALID_IF_MATCH'
  | 'INVALID_PARTS'
  | 'CHECKSUM_MISMATCH'
  | 'UNSIGNABLE_REQUEST'
  | 'INLINE_NOT_ALLOWED'
  | 'RENDITION_NOT_ALLOWED'
  | 'UNKNOWN_FILE_TYPE'
  | 'AMBIGUOUS_FILE_TYPE'
  | 'FILE_TYPE_NOT_ALLOWED'
  | 'EXPIRY_BEYOND_TOKEN'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'ROUTE_NOT_FOUND'
  | 'FILE_NOT_FOUND'
  | 'FILE_TYPE_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'UPLOAD_NOT_FOUND'
  | 'SHARE_TOKEN_NOT_FOUND'
  | 'WEBHOOK_NOT_FOUND'
  | 'WEBHOOK_DELIVERY_NOT_FOUND'
  | 'INVALID_WEBHOOK_URL'
  | 'WEBHOOK_LIMIT'
  | 'NO_THUMBNAIL'
  | 'NO_RENDITION'
  | 'ALREADY_UPLOADED'
  | 'NOT_UPLOADED'
  | 'COPY_TOO_LARGE'
  | 'THUMBNAIL_NOT_READY'
  | 'RENDITION_NOT_READY'
  | 'SCAN_PENDING'
  | 'SCAN_FAILED'
  | 'UPLOAD_LINK_FULL'
  | 'LAST_FULL_TOKEN'
  | 'PRECONDITION_FAILED'
  | 'FILE_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'INTERNAL_ERROR'
  | 'THROTTLED'
  | 'REQUEST_TOO_LARGE'
  | 'BAD_REQUEST'
  | 'HOST_NOT_ALLOWED';

/**
 * Why processing refused a file's content: `file.error.code` (and a version's) once it is `failed`.
 * Not thrown: a failed file is an answer like any other. lambdas/errors.ts `failureCatalogue`, checked both ways.
 */
export type FileFailureCode =
  | 'CONTENT_MISMATCH'
  | 'CORRUPT_FILE'
  | 'ENCRYPTED_FILE'
  | 'EMPTY_FILE'
  | 'IMAGE_TOO_LARGE'
  | 'PAGE_TOO_LARGE'
  | 'PREVIEW_TOO_COSTLY'
  | 'ACTIVE_CONTENT'
  | 'FILE_TOO_LARGE'
  | 'CHECKSUM_MISMATCH'
  | 'CHECKSUM_NOT_COMPUTED'
  | 'UPLOAD_REUSED'
  | 'CONTENT_MISSING'
  | 'ALREADY_UPLOADED'
  | 'MALWARE_FOUND'
  | 'PROCESSING_FAILED'
  | 'PROCESSING_STUCK'
  // Not a failure: why a ready PDF has no page count (`unavailable.pageCount.code`).
  | 'PAGE_COUNT_UNAVAILABLE';

/** Failures the SDK finds itself, with no answer (status 0), or with an answer not in the API's format. */
export type SdkErrorCode =
  | 'CHECKSUM_MISMATCH'
  | 'SOURCE_MISMATCH'
  | 'NETWORK_ERROR'
  | 'ABORTED'
  | 'TIMEOUT'
  | 'HTTP_ERROR';

export interface FileportErrorInit {
  status: number;
  code: FileportErrorCode | (string & {});
  message: string;
  details?: unknown;
  cause?: unknown;
}

export class FileportError extends Error {
  /** The HTTP status of the answer; 0 when there was none (network failure, abort, timeout, checksum). */
  readonly status: number;
  readonly code: FileportErrorCode | (string & {});
  /** What else the answer said: the API's error body, the expected and actual checksums… (S3's refusals: `StorageError.s3`). */
  readonly details: unknown;

  constructor(init: FileportErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
  }
}

export class ValidationError extends FileportError {}
export class AuthenticationError extends FileportError {}
export class PermissionError extends FileportError {}
export class NotFoundError extends FileportError {}
export class ConflictError extends FileportError {}
export class PreconditionFailedError extends FileportError {}
export class TooLargeError extends FileportError {}
export class RateLimitedError extends FileportError {}
export class ServerError extends FileportError {}

const byStatus: Record<number, typeof FileportError> = {
  400: ValidationError,
  401: AuthenticationError,
  403: PermissionError,
  404: NotFoundError,
  409: ConflictError,
  412: PreconditionFailedError,
  413: TooLargeError,
  429: RateLimitedError,
};

/**
 * The error for an API answer that is not a success. `body` is the parsed JSON when there was
 * some: the API's `{"error":{"code","message"}}`; anything else (a proxy's HTML page) still gives
 * an error with the status, code `HTTP_ERROR`.
 */
export function errorFromResponse(status: number, body: unknown): FileportError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : status >= 500 ? 'INTERNAL_ERROR' : 'HTTP_ERROR';
  const message = typeof error?.message === 'string' ? error.message : `The API answered ${status}.`;
  const Type = byStatus[status] ?? (status >= 500 ? ServerError : FileportError);
  return new Type({ status, code, message, details: body });
}

export const abortError = (reason?: unknown): FileportError =>
  new FileportError({ status: 0, code: 'ABORTED', message: 'The operation was aborted.', cause: reason });

export const networkError = (cause: unknown, what: string): FileportError =>
  new FileportError({ status: 0, code: 'NETWORK_ERROR', message: `Network failure during ${what}: ${cause instanceof Error ? cause.message : String(cause)}.`, cause });

export const isAbort = (error: unknown): boolean =>
  (error instanceof FileportError && error.code === 'ABORTED') || (error instanceof Error && error.name === 'AbortError');
