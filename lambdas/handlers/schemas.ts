import * as z from '../validation';
import { fileportError } from '../errors';
import { S3_LIMITS } from '../domain/transfer/size-limits';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export const fileName = z.string().check(
  z.minLength(1, 'must not be empty'),
  z.maxLength(255, 'must be at most 255 characters'),
  z.refine((name) => !CONTROL_CHARACTERS.test(name), 'must not contain control characters'),
  z.refine((name) => name.trim() !== '', 'must not be blank'),
);

const label = z.string().check(z.minLength(1), z.maxLength(128), z.refine((v) => !CONTROL_CHARACTERS.test(v), 'must not contain control characters'));

export const tags = z.array(label).check(z.maxLength(50, 'at most 50 tags'));
export const externalId = z.nullable(label);
export const link = z.strictObject({ type: label, id: label });
export const links = z.array(link).check(z.maxLength(50, 'at most 50 links'));

/** Path ids are UUIDs; anything else cannot name a file and is a 404 without a database read. */
export const fileId = z.uuid();

/** Base64 of a SHA-256 digest (32 bytes), as S3's x-amz-checksum-sha256 carries it. */
export const checksumSha256 = z.string().check(z.regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 SHA-256 of the whole content (44 characters)'));

/** Base64 of a CRC-64/NVME (8 bytes), as S3's x-amz-checksum-crc64nvme carries it. */
export const checksumCrc64nvme = z.string().check(z.regex(/^[A-Za-z0-9+/]{11}=$/, 'must be the base64 CRC-64/NVME of the whole content (12 characters)'));

/** A part of a multipart upload: S3 numbers them 1 to 10,000. */
export const partNumber = z.number().check(z.int(), z.minimum(1), z.maximum(10_000));

export const accessControl = z.enum(['private', 'public']);

/** What PATCH may change, by a member or a full share token. */
export const fileUpdate = z
  .strictObject({ name: z.optional(fileName), tags: z.optional(tags), externalId: z.optional(externalId), links: z.optional(links), accessControl: z.optional(accessControl) })
  .check(z.refine((b) => Object.keys(b).length > 0, 'give at least one of name, tags, externalId, links, accessControl'));

/** `If-Match: "3"`, `3` or `W/"3"` all name version 3; absent or `*`, any version. */
export function ifMatchVersion(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  if (!match) throw fileportError('INVALID_IF_MATCH');
  return Number(match[1]);
}

/** A new share token: `expiresAt` is an ISO 8601 time with a zone (none: valid until deleted). */
export const newShareToken = z.strictObject({
  accessLevel: z.enum(['read', 'full']),
  expiresAt: z.optional(z.iso.datetime({ offset: true })),
});

/** An upload link's own limits: requests per minute (under the deployment's), the largest upload. */
const uploadLinkLimits = {
  requestsPerMinute: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(100_000))),
  maxSize: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(S3_LIMITS.object))),
};
const linkExpiry = z.iso.datetime({ offset: true });

/** A member's new token of a file: a `read` or `full` share, or an upload link (which must expire). */
export const newFileToken = z.strictObject({
  accessLevel: z.enum(['read', 'full', 'upload']),
  expiresAt: z.optional(linkExpiry),
  ...uploadLinkLimits,
});

/** A drop box: an upload link that creates files of the tenant, with these fixed terms. */
export const newDropBox = z.strictObject({
  expiresAt: linkExpiry,
  ...uploadLinkLimits,
  fileTypeIds: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.minLength(1), z.maxLength(50))),
  maxFiles: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(100_000))),
  tags: z.optional(tags),
  links: z.optional(links),
});

/** A file a drop box's holder creates, to upload to next. */
export const droppedFile = z.strictObject({
  name: fileName,
  fileTypeId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  mimeType: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  size: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(S3_LIMITS.object))),
});
