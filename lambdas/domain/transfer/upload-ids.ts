import { createHmac, timingSafeEqual } from 'node:crypto';
import { S3_LIMITS } from './size-limits';

/**
 * What the API's multipart upload id stands for. S3 binds its upload id to the object key, and the
 * key to the file (`content/<file id>/<upload>`), so the id names the upload part of the key and
 * S3's id; the size, part size, whether parts carry checksums and the limit the upload was granted
 * under ride along, so that no table write is needed. All of it is signed with the deployment's key
 * (HMAC-SHA256, bound to the tenant and the file): a client can read the facts, never change them.
 */
export interface UploadToken {
  /** The `<random>` of the object key. */
  object: string;
  s3UploadId: string;
  size: number;
  partSize: number;
  partChecksums: boolean;
  /** The tenant's multipart limit when the upload was granted. */
  maxSize: number;
  /** The whole object's CRC-64/NVME the client declared: sent to S3 at completion, which checks it. */
  checksumCrc64nvme?: string;
}

/** Whom an id was issued to: the same id with another file or tenant does not verify. */
export interface UploadIdBinding {
  tenantId: string;
  fileId: string;
}

/** Bumped if the payload's layout changes: ids of another layout then no longer verify. */
const VERSION = 'fileport-upload-id-v1';
const SIGNATURE_LENGTH = 32;

// A JSON array of strings, not a concatenation: no tenant id, file id or payload can be split
// differently to sign the same bytes.
const mac = (key: Uint8Array, payload: string, binding: UploadIdBinding): Buffer =>
  createHmac('sha256', key).update(JSON.stringify([VERSION, binding.tenantId, binding.fileId, payload])).digest();

/** `base64url(payload).base64url(HMAC)`: the characters of an `{uploadId}` path segment. */
export function signUploadId(key: Uint8Array, token: UploadToken, binding: UploadIdBinding): string {
  const fields = [token.object, token.s3UploadId, token.size, token.partSize, token.partChecksums ? 1 : 0, token.maxSize];
  // Ids of uploads without a declared CRC keep the six fields they always had.
  const payload = Buffer.from(JSON.stringify(token.checksumCrc64nvme === undefined ? fields : [...fields, token.checksumCrc64nvme])).toString('base64url');
  return `${payload}.${mac(key, payload, binding).toString('base64url')}`;
}

/**
 * The token an id stands for, if this deployment signed it for this tenant and file; else
 * undefined (the caller answers as for an upload that does not exist). What it carries is checked
 * against S3's bounds even then: a leaked key or a bug must still not size an answer or a URL.
 */
export function verifyUploadId(key: Uint8Array, uploadId: string, binding: UploadIdBinding): UploadToken | undefined {
  const parts = uploadId.split('.');
  if (parts.length !== 2) return undefined;
  const [payload, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== SIGNATURE_LENGTH || given.toString('base64url') !== signature) return undefined;
  if (!timingSafeEqual(given, mac(key, payload, binding))) return undefined;
  return withinBounds(decode(payload));
}

function decode(payload: string): UploadToken | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || (value.length !== 6 && value.length !== 7)) return undefined;
  const [object, s3UploadId, size, partSize, partChecksums, maxSize, checksumCrc64nvme] = value as unknown[];
  if (value.length === 7 && !(typeof checksumCrc64nvme === 'string' && /^[A-Za-z0-9+/]{11}=$/.test(checksumCrc64nvme))) return undefined;
  if (typeof object !== 'string' || typeof s3UploadId !== 'string') return undefined;
  if (typeof size !== 'number' || typeof partSize !== 'number' || typeof maxSize !== 'number') return undefined;
  if (partChecksums !== 0 && partChecksums !== 1) return undefined;
  return { object, s3UploadId, size, partSize, partChecksums: partChecksums === 1, maxSize, ...(typeof checksumCrc64nvme === 'string' ? { checksumCrc64nvme } : {}) };
}

function withinBounds(token: UploadToken | undefined): UploadToken | undefined {
  if (!token) return undefined;
  const { object, s3UploadId, size, partSize, maxSize } = token;
  const whole = (n: number, min: number, max: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  if (!/^[0-9a-f]{32}$/.test(object) || s3UploadId.length === 0 || s3UploadId.length > 1024) return undefined;
  if (!whole(maxSize, 1, S3_LIMITS.object) || !whole(size, 1, maxSize)) return undefined;
  if (!whole(partSize, S3_LIMITS.minPartSize, S3_LIMITS.maxPartSize)) return undefined;
  if (Math.ceil(size / partSize) > S3_LIMITS.maxParts) return undefined;
  return token;
}
