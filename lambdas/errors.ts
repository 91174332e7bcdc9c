/**
 * The error catalogue: every code a client can see, in one table.
 *
 * - `errorCatalogue`: the API's error answers. The domain throws a `FileportError` by code (never
 *   by status); the HTTP edge (http/request.ts `errorResult`) answers the code's status, its
 *   headers and the `{"error":{"code","message"}}` body. Anything else becomes a 500
 *   INTERNAL_ERROR whose message never reveals internals.
 * - `failureCatalogue`: why processing refused content. Stored on the failed file and version
 *   (`error.code`), shown in every answer that carries them; they have no status.
 *
 * The SDK's unions (client/src/errors.ts) are checked against both at compile time
 * (test/types/error-codes.check.ts); OpenAPI lists the codes from here.
 */

/** The statuses an error answer can have. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 429 | 500;

type Headers = Record<string, string>;

/**
 * One code of the API. `message` is the code's usual message: fixed, or made of the params the
 * code is thrown with; a call site with more to say passes its own. `headers` go with the answer.
 */
export interface ErrorEntry {
  status: ErrorStatus;
  message?: string | ((params: never) => string);
  headers?: Headers | ((params: never) => Headers);
}

export const errorCatalogue = {
  // 400: the request is not what the route takes.
  VALIDATION_ERROR: { status: 400 },
  INVALID_JSON: { status: 400 },
  INVALID_CURSOR: { status: 400 },
  INVALID_IF_MATCH: { status: 400, message: 'If-Match must be a file version, e.g. "3".' },
  INVALID_PARTS: { status: 400 },
  CHECKSUM_MISMATCH: { status: 400 },
  UNSIGNABLE_REQUEST: { status: 400 },
  INLINE_NOT_ALLOWED: {
    status: 400,
    message: ({ mimeType }: { mimeType: string }) =>
      `Files of type ${mimeType} are always downloaded as attachments; an admin can list the type in the settings' disableForceDownloadForMimeTypes.`,
  },
  RENDITION_NOT_ALLOWED: {
    status: 400,
    message: ({ what, allowed }: { what: string; allowed: string }) => `${what} is not in the tenant's rendition allowlist (settings \`renditions\`): it allows ${allowed}.`,
  },
  UNKNOWN_FILE_TYPE: {
    status: 400,
    message: ({ tried }: { tried: string }) => `No file type of this deployment matches ${tried}; GET /v1/file-types lists them.`,
  },
  AMBIGUOUS_FILE_TYPE: {
    status: 400,
    message: ({ tried, candidates }: { tried: string; candidates: string[] }) => `${tried} matches several file types (${candidates.join(', ')}); name one with fileTypeId.`,
  },
  FILE_TYPE_NOT_ALLOWED: {
    status: 400,
    message: ({ fileTypeId, allowed, by }: { fileTypeId: string; allowed: string[]; by: 'tenant' | 'upload link' }) =>
      by === 'tenant'
        ? `This tenant does not accept files of type ${fileTypeId}; its settings allow ${allowed.length === 0 ? 'none' : allowed.join(', ')} (allowedFileTypeIds).`
        : `This upload link does not take files of type ${fileTypeId}; it takes ${allowed.join(', ')}.`,
  },
  INVALID_WEBHOOK_URL: {
    status: 400,
    message: ({ reason }: { reason: string }) => `body.url: not a webhook target: ${reason}.`,
  },
  EXPIRY_BEYOND_TOKEN: {
    status: 400,
    message: ({ notAfter }: { notAfter: string }) => `body.expiresAt: must not be later than this token's own expiry, ${notAfter}`,
  },
  // 401 and 403: who the caller is, and what it may do.
  UNAUTHORIZED: {
    status: 401,
    message: 'A valid bearer token is required.',
    headers: { 'www-authenticate': 'Bearer' },
  },
  FORBIDDEN: { status: 403 },
  // 404: what the request names does not exist, or not for this caller.
  ROUTE_NOT_FOUND: { status: 404, message: ({ routeKey }: { routeKey: string }) => `No route ${routeKey}.` },
  FILE_NOT_FOUND: { status: 404, message: ({ id }: { id: string }) => `File ${id} was not found.` },
  FILE_TYPE_NOT_FOUND: { status: 404, message: ({ id }: { id: string }) => `File type ${id} does not exist.` },
  VERSION_NOT_FOUND: {
    status: 404,
    message: ({ id, version }: { id: string; version: number }) => `File ${id} has no version ${version}.`,
  },
  UPLOAD_NOT_FOUND: {
    status: 404,
    message: ({ uploadId }: { uploadId: string }) => `Multipart upload ${uploadId} was not found (completed, aborted, expired, or of another file).`,
  },
  SHARE_TOKEN_NOT_FOUND: {
    status: 404,
    message: 'This share token does not exist, was deleted or has expired.',
  },
  NO_THUMBNAIL: { status: 404 },
  NO_RENDITION: { status: 404 },
  WEBHOOK_NOT_FOUND: { status: 404, message: ({ id }: { id: string }) => `Webhook ${id} was not found.` },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, message: ({ id }: { id: string }) => `Delivery ${id} of this webhook was not found (deliveries are kept 30 days).` },
  // 409: the file is not in a state that allows the request.
  ALREADY_UPLOADED: {
    status: 409,
    message: ({ id }: { id: string }) => `File ${id} already has content; replacing it needs the files:overwrite scope.`,
  },
  NOT_UPLOADED: { status: 409 },
  COPY_TOO_LARGE: {
    status: 409,
    message: ({ maxBytes }: { maxBytes: number }) => `Files over ${maxBytes} bytes cannot be copied yet.`,
  },
  THUMBNAIL_NOT_READY: {
    status: 409,
    message: ({ id }: { id: string }) => `The thumbnails of file ${id} are not ready yet; use the original image meanwhile.`,
  },
  RENDITION_NOT_READY: {
    status: 409,
    message: ({ id }: { id: string }) => `File ${id} has no ready image content to render yet (still processing, or replaced meanwhile); retry in a few seconds.`,
    headers: { 'retry-after': '2' },
  },
  SCAN_PENDING: {
    status: 409,
    message: ({ id, version }: { id: string; version: number }) =>
      `Version ${version} of file ${id} is still being scanned for malware; retry in a few seconds (the file's scan.status says when it is clean).`,
  },
  SCAN_FAILED: {
    status: 409,
    message: ({ id, version }: { id: string; version: number }) =>
      `Version ${version} of file ${id} could not be scanned for malware, and this tenant holds content that was not scanned clean (settings: scanHold). Upload it again, or ask an admin to set scanHold to serve.`,
  },
  UPLOAD_LINK_FULL: {
    status: 409,
    message: ({ maxFiles }: { maxFiles: number }) => `This upload link has created the ${maxFiles} files it may create; ask its owner for a new one.`,
  },
  LAST_FULL_TOKEN: {
    status: 409,
    message: 'This is the last full token of the file: create another full token first, or ask a member of the tenant.',
  },
  WEBHOOK_LIMIT: {
    status: 409,
    message: ({ max }: { max: number }) => `This tenant has the ${max} webhooks it may have; delete one first.`,
  },
  // 412, 413, 429.
  PRECONDITION_FAILED: {
    status: 412,
    message: ({ id, version, expected }: { id: string; version: number; expected: number }) => `File ${id} is at version ${version}, not ${expected}.`,
  },
  FILE_TOO_LARGE: {
    status: 413,
    message: ({ size, max }: { size: number; max: number }) => `The file is ${size} bytes; at most ${max} bytes can be uploaded this way.`,
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: ({ maxBytes }: { maxBytes: number }) => `The request body exceeds ${maxBytes} bytes.` },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: ({ accepted }: { accepted: readonly string[] }) => `The request body must be sent as ${accepted.join(' or ')} (Content-Type).`,
  },
  RATE_LIMITED: {
    status: 429,
    message: ({ retryAfterSeconds }: { retryAfterSeconds: number }) => `Too many requests with this share token; try again in ${retryAfterSeconds} s.`,
    headers: ({ retryAfterSeconds }: { retryAfterSeconds: number }) => ({ 'retry-after': String(retryAfterSeconds) }),
  },
  // 500.
  INTERNAL_ERROR: {
    status: 500,
    message: ({ requestId }: { requestId: string }) => `Something went wrong on our side. Request id: ${requestId}.`,
  },
} as const satisfies Record<string, ErrorEntry>;

/** A code of the API's error answers. */
export type ErrorCode = keyof typeof errorCatalogue;

/**
 * What each API code means, for the API reference (scripts/openapi.ts, the SDK's docs). Kept beside
 * the catalogue rather than in it because no Lambda reads it: the bundles leave it out (about 1.6 KB
 * of each API bundle, whose size bench/sections/lambda-weight.ts holds to the floor's + 100 KB).
 */
export const errorDescriptions = {
  VALIDATION_ERROR: 'The request is not what the route takes; the message names each field that is wrong and why.',
  INVALID_JSON: 'The request body is not UTF-8 text, or not JSON.',
  INVALID_CURSOR: 'The cursor was issued for another query, or altered.',
  INVALID_IF_MATCH: '`If-Match` is not a file version.',
  INVALID_PARTS: 'The parts named to complete a multipart upload are not the ones uploaded, in order.',
  CHECKSUM_MISMATCH: 'S3 refused to complete a multipart upload: the object its parts make has another CRC-64/NVME than the `checksumCrc64nvme` declared.',
  UNSIGNABLE_REQUEST: 'The S3 request asked to be signed is not one of the file’s own upload (another key, a read, a delete, another operation); the message says which.',
  RENDITION_NOT_ALLOWED: 'The asked size, fit or format is not in the tenant’s rendition allowlist (settings `renditions`).',
  INLINE_NOT_ALLOWED: '`disposition=inline` for a file type the tenant settings do not list.',
  UNKNOWN_FILE_TYPE: 'No file type of the catalogue matches the `fileTypeId`, `mimeType` or name extension tried (the message says which), or the file’s type was removed.',
  AMBIGUOUS_FILE_TYPE: 'The `mimeType` or name extension matches several file types; the message lists them: name one with `fileTypeId`.',
  FILE_TYPE_NOT_ALLOWED: 'The tenant’s settings (`allowedFileTypeIds`), or the upload link (a drop box’s `fileTypeIds`), do not allow files of this type; the message says which.',
  INVALID_WEBHOOK_URL: 'The webhook URL is not one Fileport delivers to (not https; a private, loopback, link-local or metadata address; an internal name; credentials in it); the message says why.',
  EXPIRY_BEYOND_TOKEN: 'A share token may not create a token that outlives it.',
  UNAUTHORIZED: 'No valid bearer token, or one without a usable subject.',
  FORBIDDEN: 'The caller lacks the scope or the right (another member’s file, a `read` share token, an upload link asked for anything but an upload).',
  ROUTE_NOT_FOUND: 'No route of this group has this method and path.',
  FILE_NOT_FOUND: 'No such file for this caller (or no public file at this address).',
  FILE_TYPE_NOT_FOUND: 'No such file type.',
  VERSION_NOT_FOUND: 'The file has no such version.',
  UPLOAD_NOT_FOUND: 'No such multipart upload of the file: completed, aborted, expired, altered, or of another file.',
  SHARE_TOKEN_NOT_FOUND: 'The share token does not exist, was deleted or has expired (or its file is gone).',
  WEBHOOK_NOT_FOUND: 'No such webhook of this tenant.',
  WEBHOOK_DELIVERY_NOT_FOUND: 'No such delivery of the webhook (deliveries are kept 30 days).',
  NO_THUMBNAIL: 'The file type has no thumbnails, or processing made none of this size.',
  NO_RENDITION: 'The file type gets no renditions (only types with thumbnails do), or its content failed processing.',
  ALREADY_UPLOADED: 'The file has content, and the caller lacks `files:overwrite` to replace it.',
  NOT_UPLOADED: 'The file (or version) has no ready content: none yet, or content refused and deleted.',
  COPY_TOO_LARGE: 'The content is too large to be copied.',
  THUMBNAIL_NOT_READY: 'Processing has not made the thumbnails yet.',
  RENDITION_NOT_READY: 'The content is still being processed (or was replaced while the rendition was made); retry after `Retry-After` seconds.',
  SCAN_PENDING: 'The content’s malware scan has not finished, and the tenant holds content until it is clean (settings `scanHold: hold`, the default); retry in a few seconds.',
  SCAN_FAILED: 'The malware scanner could not scan the content (unsupported, access denied, an error of its own), and the tenant holds content that was not scanned clean (settings `scanHold: hold`).',
  UPLOAD_LINK_FULL: 'The upload link (a drop box) has created as many files as its `maxFiles` allows.',
  LAST_FULL_TOKEN: 'A share token holder may not delete the last live full token of the file.',
  WEBHOOK_LIMIT: 'The tenant has as many webhooks as a tenant may have.',
  PRECONDITION_FAILED: '`If-Match` names another version of the file.',
  FILE_TOO_LARGE: 'The declared size is over the tenant’s limit for this way of uploading.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  UNSUPPORTED_MEDIA_TYPE: 'The body’s `Content-Type` is not one the route reads (PATCH /v1/settings: `application/merge-patch+json` or `application/json`).',
  RATE_LIMITED: 'Too many requests with this share token; `retry-after` says when to try again.',
  INTERNAL_ERROR: 'A failure on the service’s side; the message carries the request id to quote.',
} as const satisfies Record<ErrorCode, string>;


/**
 * What a route's declaration says of the errors it answers besides those of its kind, by status:
 * the codes (listed as an enum in the OpenAPI document), with a sentence where the codes alone
 * would not say enough (otherwise the document says the codes).
 */
export type RouteErrors = { [S in ErrorStatus]?: readonly ErrorCodeWithStatus<S>[] | { codes: readonly ErrorCodeWithStatus<S>[]; text: string } };

type Entry<C extends ErrorCode> = (typeof errorCatalogue)[C];

/** The codes answered with status `S`: what a route's declaration lists per status. */
export type ErrorCodeWithStatus<S extends ErrorStatus> = { [C in ErrorCode]: Entry<C>['status'] extends S ? C : never }[ErrorCode];

/** What a code is thrown with: the params of its message template, or of its headers. */
export type ErrorParams<C extends ErrorCode> = Entry<C> extends { message: (params: infer P) => string }
  ? P
  : Entry<C> extends { headers: (params: infer P) => Headers }
    ? P
    : undefined;

/** Codes whose answer is made of params (a header): an own message alone would not do. */
type ParamsRequired = { [C in ErrorCode]: Entry<C> extends { headers: (params: never) => Headers } ? C : never }[ErrorCode];

/** Codes with a usual message, thrown with `fileportError`. */
type TemplatedCode = { [C in ErrorCode]: Entry<C> extends { message: unknown } ? C : never }[ErrorCode];

/**
 * An error the API answers with its code. Thrown by the domain with the code and a message;
 * `fileportError` makes the message from the catalogue.
 */
export class FileportError<C extends ErrorCode = ErrorCode> extends Error {
  readonly params: ErrorParams<C> | undefined;

  constructor(
    readonly code: C,
    message: string,
    ...params: C extends ParamsRequired ? [params: ErrorParams<C>] : [params?: ErrorParams<C>]
  ) {
    super(message);
    this.name = 'FileportError';
    this.params = params[0] as ErrorParams<C> | undefined;
  }

  /** The status the HTTP edge answers with, as the catalogue says (for logs and tests: nothing sets it). */
  get status(): ErrorStatus {
    return statusOf(this.code);
  }

  /** The headers the HTTP edge adds, as the catalogue says. */
  get headers(): Headers {
    return headersOf(this);
  }
}

/** The error of `code` with the catalogue's message: `throw fileportError('FILE_NOT_FOUND', { id })`. */
export function fileportError<C extends TemplatedCode>(code: C, ...params: ErrorParams<C> extends undefined ? [] : [params: ErrorParams<C>]): FileportError<C> {
  const message: string | ((params: never) => string) = errorCatalogue[code].message;
  const text = typeof message === 'string' ? message : message(params[0] as never);
  return new FileportError<ErrorCode>(code, text, params[0] as never) as FileportError<C>;
}

export const statusOf = (code: ErrorCode): ErrorStatus => errorCatalogue[code].status;

/** The headers the answer to `error` carries besides its body's. */
export function headersOf(error: FileportError): Headers {
  const headers: ErrorEntry['headers'] = (errorCatalogue[error.code] as ErrorEntry).headers;
  return typeof headers === 'function' ? headers(error.params as never) : { ...headers };
}

/**
 * Codes the gateway answers before any Lambda runs: the local gateway (local/gateway.ts) answers
 * them in the API's error format. Deployed, API Gateway answers these cases with a body of its own
 * (`{"message": …}`).
 */
export const gatewayErrorCatalogue = {
  THROTTLED: { status: 429, description: 'Too many requests on a route without a JWT (the gateway’s limit per route).' },
  REQUEST_TOO_LARGE: { status: 431, description: 'The request line and headers are over the gateway’s limit.' },
  BAD_REQUEST: { status: 400, description: 'The request is not valid HTTP, or its target not a valid URL.' },
  // Locally only: the local gateway answers only its own host names (DNS rebinding).
  HOST_NOT_ALLOWED: { status: 421, description: 'The Host header names a host the local stack does not answer.' },
} as const satisfies Record<string, { status: number; description: string }>;

/** A code the gateway answers before any Lambda runs. */
export type GatewayErrorCode = keyof typeof gatewayErrorCatalogue;

/** The codes a failed file or version carries in `error.code`: why processing refused its content. */
export const failureCatalogue = {
  CONTENT_MISMATCH: { description: 'The content is not of the file’s type (what its bytes say differs from the type declared).' },
  CORRUPT_FILE: { description: 'The content cannot be read as its type.' },
  ENCRYPTED_FILE: { description: 'The PDF is encrypted in a way that cannot be read without its password or key.' },
  EMPTY_FILE: { description: 'The uploaded content is empty.' },
  IMAGE_TOO_LARGE: { description: 'The image has more pixels than processing decodes.' },
  // Preview reasons (a PDF's unavailable.thumbnails): the PDF itself stays ready.
  PAGE_TOO_LARGE: { description: 'The PDF’s first page declares a size beyond the PDF format’s limit (14,400 units a side): no preview is rendered.' },
  PREVIEW_TOO_COSTLY: { description: 'Rendering the PDF’s first page took more time or memory than previews are given: it was stopped.' },
  ACTIVE_CONTENT: { description: 'The SVG contains what would run code where it is rendered (scripts, event handlers).' },
  FILE_TOO_LARGE: { description: 'The content is larger than the upload allowed, or than its type is processed up to.' },
  // The bytes are not the ones the client declared (their SHA-256 differs): the object is deleted.
  CHECKSUM_MISMATCH: { description: 'The content’s SHA-256 (or CRC-64/NVME) differs from the one declared with the upload; the content is deleted.' },
  // Not a failure: why a ready version has no checksumSha256 (its `unavailable.checksumSha256`).
  CHECKSUM_NOT_COMPUTED: {
    description: 'Fileport did not compute the SHA-256: S3 verified the declared whole-object CRC-64/NVME instead, or the content is larger than processing hashes.',
  },
  // The bucket keeps one object per key: new bytes at an accepted version's key replaced it.
  UPLOAD_REUSED: { description: 'An upload URL or form was used again after its content was accepted: that content is gone and the new bytes were deleted.' },
  CONTENT_MISSING: { description: 'The uploaded content disappeared before it was processed.' },
  // Two upload grants issued before any content arrived, the later bytes without files:overwrite:
  // recorded as a version of their own, never the file's current one.
  ALREADY_UPLOADED: { description: 'The file already had content when these bytes arrived, and their upload could not replace it: they were deleted; the file keeps its content.' },
  // The malware scan found a threat: the bytes and their thumbnails are deleted, never served.
  MALWARE_FOUND: { description: 'The malware scan found a threat in the content; the content and its thumbnails are deleted.' },
  // Not the content's fault as far as anyone can tell.
  PROCESSING_FAILED: { description: 'Processing failed on every attempt.' },
  PROCESSING_STUCK: { description: 'Processing did not finish in time.' },
  // Not a failure: in `unavailable.pageCount` of a ready PDF, which stays ready without a count.
  PAGE_COUNT_UNAVAILABLE: { description: 'The PDF’s pages could not be counted from its cross-reference sections within the reader’s budget, and it is too large to be counted whole.' },
} as const satisfies Record<string, { description: string }>;

/** Why processing refused content: a failed file's `error.code`. */
export type FailureCode = keyof typeof failureCatalogue;
