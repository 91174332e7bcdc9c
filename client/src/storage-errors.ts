/**
 * S3's refusals of pre-signed requests, in words a user can act on. S3 answers with an XML
 * document (`<Error><Code>SignatureDoesNotMatch</Code><Message>…</Message><RequestId>…`), or with
 * no body at all (HEAD); neither should reach a person as it is. Each refusal becomes a
 * `StorageError` whose code (`S3_…`) names the likely cause, with S3's own words kept in `s3`.
 */
import { FileportError } from './errors';

/** What S3 said, as its error document has it; null fields when it did not say. */
export interface S3ErrorDocument {
  code: string | null;
  message: string | null;
  requestId: string | null;
}

type Explain = (what: string, status: number, s3: S3ErrorDocument | null) => string;

/**
 * The SDK's codes for S3 refusals, each with its explanation. The code union is this table's keys,
 * so a code cannot be added to one without the other.
 */
const explanations = {
  S3_SIGNATURE_MISMATCH: (what) => `S3 refused the signature of the request for ${what}: a signed header is missing or differs (send every header the grant listed, unchanged)`,
  S3_URL_EXPIRED: (what) => `The URL for ${what} expired: ask the API for a new one`,
  S3_ACCESS_DENIED: (what, _status, s3) =>
    s3?.code
      ? `S3 denied the request for ${what}: the URL does not allow it (another method, object or bucket, or the deployment's permissions): ask the API for a new URL`
      : `S3 denied the request for ${what} without saying why: the URL may have expired or a signed header may differ: ask the API for a new URL`,
  S3_CHECKSUM_MISMATCH: (what) => `S3 refused ${what}: the bytes do not match the declared checksum (they changed after they were hashed, or were altered on the way)`,
  S3_INVALID_CHECKSUM: (what) => `S3 refused ${what}: the declared checksum is not a valid one (a SHA-256 is 32 bytes, in base64)`,
  S3_URL_ALREADY_USED: (what) => `This upload URL was already used: the content of ${what} is stored; to send other bytes, start a new upload`,
  S3_TOO_LARGE: (what) => `S3 refused ${what}: it is larger than the URL allows (the size declared when the URL was asked for)`,
  S3_TOO_SMALL: (what) => `S3 refused ${what}: it is smaller than allowed (every part of a multipart upload but the last must be at least 5 MiB)`,
  S3_INVALID_PART: (what) => `S3 does not hold ${what} as listed (never uploaded, or its ETag differs): upload it again`,
  S3_UPLOAD_NOT_FOUND: (what) => `The multipart upload of ${what} no longer exists (completed, aborted or expired): start a new upload`,
  S3_OBJECT_NOT_FOUND: (what) => `S3 has no object for ${what}: the content was deleted, or this version is gone`,
  S3_UNAVAILABLE: (what) => `S3 could not serve ${what} now (busy or failing): try again later`,
  S3_ERROR: (what, _status, s3) => `S3 refused ${what}${s3?.message ? `: ${s3.message.replace(/\.$/, '')}` : ''}`,
} satisfies Record<string, Explain>;

export type StorageErrorCode = keyof typeof explanations;

export const storageErrorCodes = Object.keys(explanations) as StorageErrorCode[];

/** S3 error codes, as S3 documents them, by the SDK code that explains them. */
const byS3Code: Record<string, StorageErrorCode> = {
  SignatureDoesNotMatch: 'S3_SIGNATURE_MISMATCH',
  // The credentials the API signed with (a Lambda role's session) expired before the URL did.
  ExpiredToken: 'S3_URL_EXPIRED',
  BadDigest: 'S3_CHECKSUM_MISMATCH',
  XAmzContentSHA256Mismatch: 'S3_CHECKSUM_MISMATCH',
  InvalidDigest: 'S3_INVALID_CHECKSUM',
  PreconditionFailed: 'S3_URL_ALREADY_USED',
  EntityTooLarge: 'S3_TOO_LARGE',
  EntityTooSmall: 'S3_TOO_SMALL',
  InvalidPart: 'S3_INVALID_PART',
  NoSuchUpload: 'S3_UPLOAD_NOT_FOUND',
  NoSuchKey: 'S3_OBJECT_NOT_FOUND',
  NoSuchVersion: 'S3_OBJECT_NOT_FOUND',
  SlowDown: 'S3_UNAVAILABLE',
  ServiceUnavailable: 'S3_UNAVAILABLE',
  InternalError: 'S3_UNAVAILABLE',
};

/** The refusals another attempt cannot change: the same request would be refused the same way. */
const final = new Set<StorageErrorCode>(['S3_SIGNATURE_MISMATCH', 'S3_INVALID_CHECKSUM', 'S3_URL_ALREADY_USED', 'S3_TOO_LARGE', 'S3_TOO_SMALL', 'S3_INVALID_PART', 'S3_UPLOAD_NOT_FOUND', 'S3_OBJECT_NOT_FOUND']);

export class StorageError extends FileportError {
  declare readonly code: StorageErrorCode;
  /** S3's own code, message and request id (what AWS support asks for); null when S3 sent no error document. */
  readonly s3: S3ErrorDocument | null;

  constructor(init: { status: number; code: StorageErrorCode; message: string; s3: S3ErrorDocument | null; details?: unknown }) {
    super(init);
    this.s3 = init.s3;
  }

  /** Whether another attempt (with a fresh URL where there is one) may succeed. */
  get retryable(): boolean {
    // An unknown refusal is tried again, as any 4xx of S3 may be an expired URL, but not a 404: what is gone stays gone.
    return !final.has(this.code) && !(this.code === 'S3_ERROR' && this.status === 404);
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, entity: string) => {
    if (entity[0] !== '#') return ENTITIES[entity] ?? whole;
    const point = entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    return point <= 0x10ffff ? String.fromCodePoint(point) : whole;
  });
}

/**
 * The fields of S3's `<Error>` document; null for anything else (an empty body, a proxy's HTML
 * page). Read with a few bounded patterns rather than an XML parser: S3's error document is flat,
 * and nothing here follows entities, namespaces or DTDs.
 */
export function parseS3Error(body: string): S3ErrorDocument | null {
  const error = /<Error>([\s\S]*?)<\/Error>/.exec(body.slice(0, 64 * 1024))?.[1];
  if (error === undefined) return null;
  const field = (name: string): string | null => {
    const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(error)?.[1];
    return value === undefined ? null : decodeXmlText(value).trim();
  };
  const document = { code: field('Code'), message: field('Message'), requestId: field('RequestId') };
  return document.code === null && document.message === null ? null : document;
}

function codeOf(status: number, s3: S3ErrorDocument | null): StorageErrorCode {
  const known = s3?.code ? byS3Code[s3.code] : undefined;
  if (known) return known;
  // S3 answers an expired URL with AccessDenied; only its message tells the two apart.
  if (s3?.code === 'AccessDenied') return /request has expired/i.test(s3.message ?? '') ? 'S3_URL_EXPIRED' : 'S3_ACCESS_DENIED';
  if (s3?.code) return status >= 500 ? 'S3_UNAVAILABLE' : 'S3_ERROR';
  // No document (a HEAD, or a body that is not S3's): the status is all there is.
  if (status === 403) return 'S3_ACCESS_DENIED';
  if (status === 412) return 'S3_URL_ALREADY_USED';
  if (status >= 500) return 'S3_UNAVAILABLE';
  return 'S3_ERROR';
}

/**
 * The error for S3's answer `status` with `body` to the request for `what` ("the file", "part 3",
 * "the download"). `requestId` is the `x-amz-request-id` header, for answers without a body.
 */
export function storageError(status: number, body: string, what: string, requestId?: string | null): StorageError {
  const parsed = parseS3Error(body);
  const s3 = parsed ?? (requestId ? { code: null, message: null, requestId } : null);
  if (s3 && s3.requestId === null && requestId) s3.requestId = requestId;
  const code = codeOf(status, s3);
  const explained = explanations[code](what, status, s3);
  const said = [status, s3?.code].filter(Boolean).join(' ');
  return new StorageError({ status, code, message: `${explained}. S3 answered ${said}.`, s3, details: { what } });
}
