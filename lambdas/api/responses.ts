/**
 * The answers of the API, as zod schemas: what the route declarations (`lambdas/api/groups/`) name
 * as their answers, the OpenAPI document describes, and the integration tests hold every answer to.
 * The Lambdas build their answers with plain functions (`toApiFile`, …) and never import this module
 * (the declarations name its schemas, by type), so it costs their bundles nothing; the type checks
 * at the end tie those functions' types to these schemas, so neither can change alone.
 */
import { RENDITION_FITS, RENDITION_FORMATS } from '../domain/transfer/rendition-spec';
import * as z from '../validation';
import type { DownloadGrant } from '../domain/transfer/downloads';
import type { RenditionGrant } from '../domain/transfer/renditions';
import type { FileType } from '../domain/files/file-types';
import type { toApiFile, toApiVersion } from '../http/answers';
import type { MultipartStatus, MultipartUpload, PartUrl } from '../domain/transfer/multipart';
import type { SettingsWarning, TenantSettings } from '../domain/settings/tenant-settings';
import type { toApiShareToken } from '../domain/sharing/share-tokens';
import type { toDroppedFile } from '../handlers/upload-links';
import type { UploadForm, UploadGrant } from '../domain/transfer/uploads';
import type { SignedUploadRequest } from '../domain/transfer/upload-requests';
import type { toApiDelivery, toApiWebhook, toApiWebhookWithSecret } from '../domain/webhooks/webhooks';
import { eventTypes } from '../domain/events/model';
import { accessControl, link } from '../handlers/schemas';
import { thumbnailSize } from '../handlers/thumbnail-size';

/** Every time in an answer is `Date.toISOString()`'s, or a client's ISO 8601 time normalised to it. */
export const timestamp = z.iso.datetime({ offset: true });
const count = z.int().check(z.minimum(0));
const headers = z.record(z.string(), z.string());

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const fileType = z.object({
  id: z.string(),
  name: z.string(),
  mimeTypes: z.array(z.string()).check(z.describe('The first is canonical: uploads are signed with it and downloads served as it.')),
  extension: z.string().check(z.describe('The first of `extensions`; empty for a type without one (`binary`), whose files keep their names.')),
  extensions: z.array(z.string()).check(z.describe('Every extension (without the dot) a file name of this type may end in; POST /v1/files resolves a bare `name` by it.')),
  signatures: z.array(z.object({ offset: count, hex: z.string() })).check(z.describe('Magic numbers: content with one of these bytes (lowercase hex) at its offset is of this type.')),
  accepts: z.array(z.string()).check(z.describe('What content sniffing may detect for this type besides its `mimeTypes`; `*/*` takes any content unchecked (such a type is always an attachment).')),
  thumbnails: z.boolean(),
  pageCount: z.boolean(),
  preview: z.boolean().check(z.describe('The type has a preview: a PDF’s first page is rendered as its thumbnails; for other types, clients may show the original content.')),
  activeContent: z.boolean().check(z.describe('Browsers would run scripts in it: shown inline (when the tenant allows) only as text/plain.')),
});

export const fileStatus = z.enum(['pending', 'processing', 'ready', 'failed']);
const fileError = z.object({ code: z.string(), message: z.string() });

const checksumCrc64nvme = z
  .nullable(z.string())
  .check(
    z.describe(
      'Base64 CRC-64/NVME of the whole content, as S3 verified and holds it: the full-object checksum a multipart upload gets when the client declares it (`checksumCrc64nvme`). A download can be checked against it end to end.',
    ),
  );

const unavailable = z
  .object({ checksumSha256: z.optional(fileError), pageCount: z.optional(fileError), thumbnails: z.optional(fileError) })
  .check(
    z.describe(
      'Why a field processing fills is null on content that is not failed: `checksumSha256` (too large to hash, and no checksum S3 verified), `pageCount` (the PDF could not be counted within the reader’s budget), `thumbnails` (the PDF’s first page could not be rendered). Empty when nothing is missing.',
    ),
  );
const thumbnail = z.object({
  size: thumbnailSize,
  width: count,
  height: count,
});

const scan = z
  .object({
    status: z.enum(['pending', 'clean', 'infected', 'failed', 'skipped']),
    completedAt: z.nullable(timestamp),
  })
  .check(
    z.describe(
      'The malware scan of the content. `pending`: not finished (downloads and thumbnails answer 409 SCAN_PENDING unless the tenant’s `scanHold` is `serve`); `clean`; `infected`: the version failed with MALWARE_FOUND and its bytes were deleted; `failed`: the scanner could not scan it (held like `pending` unless `scanHold` is `serve`, answering SCAN_FAILED); `skipped`: the deployment does not scan.',
    ),
  );

export const file = z.object({
  id: z.uuid(),
  name: z.string(),
  fileTypeId: z.string(),
  mimeType: z.string(),
  extension: z.string(),
  status: fileStatus,
  size: z.nullable(count),
  pageCount: z.nullable(count),
  thumbnails: z.array(thumbnail),
  tags: z.array(z.string()),
  externalId: z.nullable(z.string()),
  links: z.array(link),
  accessControl,
  publicUrl: z.optional(
    z.url().check(
      z.describe(
        'Present only while `accessControl` is `public`: the file’s stable public link (`/v1/public/{id}/{name}`), which redirects to a short-lived download URL to anyone. Absent on a private file; making the file private again makes the link answer 404.',
      ),
    ),
  ),
  createdBy: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
  uploadedAt: z.nullable(timestamp),
  checksumSha256: z.nullable(z.string()),
  checksumCrc64nvme,
  unavailable,
  contentVersion: z.nullable(z.int().check(z.minimum(1))),
  scan: z.nullable(scan).check(z.describe('The current version’s malware scan; null while the file has no content.')),
  expiresAt: z.nullable(timestamp),
  version: z.int().check(z.minimum(1)),
  error: z.nullable(fileError),
});

export const fileVersion = z.object({
  version: z.int().check(z.minimum(1)),
  size: z.nullable(count),
  checksumSha256: z.nullable(z.string()),
  checksumCrc64nvme,
  pageCount: z.nullable(count),
  unavailable,
  uploadedAt: timestamp,
  uploadedBy: z.nullable(z.string()),
  status: z.enum(['processing', 'ready', 'failed']),
  error: z.nullable(fileError),
  scan,
});

/** An upload link's terms, fixed when it was created; null: no limit of the link's own. */
export const uploadLinkTerms = z.object({
  requestsPerMinute: z.nullable(z.int()),
  maxSize: z.nullable(count),
  overwrite: z.boolean().check(z.describe('A file’s link: it may replace content the file has (its creator held files:overwrite).')),
  fileTypeIds: z.nullable(z.array(z.string())),
  maxFiles: z.nullable(z.int()),
  filesCreated: z.int().check(z.describe('A drop box: files created through it so far.')),
  tags: z.array(z.string()),
  links: z.array(link),
});

export const shareToken = z.object({
  id: z.uuid(),
  fileId: z.nullable(z.uuid()).check(z.describe('The file shared; null for a drop box (an upload link that creates a new file per upload).')),
  accessLevel: z.enum(['read', 'full', 'upload']),
  createdBy: z.string(),
  createdAt: timestamp,
  expiresAt: z.nullable(timestamp),
  lastUsedAt: z.nullable(timestamp),
  upload: z.optional(uploadLinkTerms),
});
/** What a drop box's holder learns of a file it created: no more than it gave, and the id to upload to. */
export const droppedFile = z.object({
  id: z.uuid(),
  name: z.string(),
  fileTypeId: z.string(),
  status: z.enum(['pending', 'processing', 'ready', 'failed']),
  createdAt: timestamp,
  expiresAt: z.nullable(timestamp),
});
/** A new token's answer, the only one that carries its secret. */
export const shareTokenWithSecret = z.extend(shareToken, { token: z.string() });

export const fileTypeList = z.object({ items: z.array(fileType) });
export const filePage = z.object({ items: z.array(file), nextCursor: z.nullable(z.string()) });
export const versionList = z.object({ items: z.array(fileVersion) });
export const shareTokenList = z.object({ items: z.array(shareToken) });

export const uploadGrant = z.object({ url: z.url(), method: z.literal('PUT'), headers, expiresAt: timestamp });
export const uploadForm = z.object({
  url: z.url(),
  method: z.literal('POST'),
  fields: headers,
  fileField: z.literal('file'),
  maxFileSize: count,
  expiresAt: timestamp,
});

const partUrl = z.object({ partNumber: z.int().check(z.minimum(1)), size: count, url: z.url(), headers });
export const partUrls = z.object({ parts: z.array(partUrl), expiresAt: timestamp });
export const multipartUpload = z.object({
  uploadId: z.string(),
  size: count,
  partSize: count,
  partCount: count,
  parts: z.array(partUrl),
  expiresAt: timestamp,
});
export const multipartStatus = z.extend(multipartUpload, {
  uploadedParts: z.array(z.object({ partNumber: z.int().check(z.minimum(1)), size: count, etag: z.string() })),
  missingPartNumbers: z.array(z.int().check(z.minimum(1))),
});

export const signedUploadRequest = z.object({
  method: z.enum(['PUT', 'POST', 'GET', 'DELETE']),
  url: z.url(),
  headers,
  key: z.string(),
  expiresAt: timestamp,
});

export const downloadGrant = z.object({
  url: z.url(),
  expiresAt: timestamp,
  version: z.int().check(z.minimum(1)),
  checksumSha256: z.nullable(z.string()),
  checksumCrc64nvme: z.nullable(z.string()),
});
export const thumbnailGrant = z.object({ url: z.url(), expiresAt: timestamp, width: count, height: count });
export const renditionGrant = z.object({
  url: z.url(),
  expiresAt: timestamp,
  width: count.check(z.describe('The box asked for: `cover`, `contain` and `fill` renditions are this size; `inside` ones at most, `outside` ones at least.')),
  height: count,
  fit: z.enum(RENDITION_FITS),
  format: z.enum(RENDITION_FORMATS),
  version: count.check(z.describe('The content version the rendition is of (the current one).')),
});

export const settings = z.object({
  disableForceDownloadForMimeTypes: z.array(z.string()),
  maxFileSize: count,
  downloadUrlTtlSeconds: count,
  uploadUrlTtlSeconds: count,
  allowedFileTypeIds: z.optional(
    z.array(z.string()).check(z.describe('The file types new files of the tenant may have; absent: every type of the catalogue (`GET /v1/file-types`).')),
  ),
  scanHold: z
    .enum(['hold', 'serve'])
    .check(z.describe('Content whose malware scan is pending or failed: `hold` (the default) answers 409 SCAN_PENDING / SCAN_FAILED to downloads, thumbnails, share tokens and public links until it is clean; `serve` serves it meanwhile. Infected content is never served.')),
  renditions: z
    .object({
      sizes: z.array(z.object({ width: count, height: count })),
      fits: z.array(z.enum(RENDITION_FITS)),
      formats: z.array(z.enum(RENDITION_FORMATS)),
    })
    .check(z.describe('The image renditions that may be asked for (`GET …/renditions`): a size (width×height box) of `sizes`, a fit of `fits`, a format of `formats`; anything else answers 400 RENDITION_NOT_ALLOWED. Default: boxes of 256, 512, 1024 and 2048 px squared; fits cover, contain and inside; formats webp, avif and jpeg.')),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
});

export const webhook = z.object({
  id: z.string().check(z.describe('`wh_…`')),
  url: z.string(),
  eventTypes: z.array(z.enum(eventTypes)),
  description: z.nullable(z.string()),
  enabled: z.boolean(),
  disabledReason: z.nullable(
    z.object({ code: z.literal('CONSECUTIVE_FAILURES'), message: z.string(), at: timestamp }).check(
      z.describe('Why Fileport turned the endpoint off; PATCH `enabled: true` turns it on again.'),
    ),
  ),
  createdAt: timestamp,
  createdBy: z.string(),
  updatedAt: timestamp,
});
export const webhookWithSecret = z.extend(webhook, {
  secret: z.string().check(z.describe('`whsec_…`, the Standard Webhooks signing secret: in this answer only (create and rotate-secret).')),
});
export const webhookList = z.object({ items: z.array(webhook) });
export const webhookDelivery = z.object({
  id: z.string().check(z.describe('`dlv_…`')),
  webhookId: z.string(),
  eventId: z.string().check(z.describe('The event’s id: every attempt’s `webhook-id`.')),
  eventType: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: count,
  lastResponseCode: z.nullable(z.int()),
  lastError: z.nullable(z.string()),
  nextAttemptAt: z.nullable(timestamp),
  lastAttemptAt: z.nullable(timestamp),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export const webhookDeliveryPage = z.object({ items: z.array(webhookDelivery), nextCursor: z.nullable(z.string()) });

/** The document of `GET /v1/openapi.json`: described by the OpenAPI specification, not here. */
export const openApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });

// Compile-time only: each answer-building function's type is its schema's output. Each must be
// assignable to the other, with the same keys (so an optional field cannot slip in on one side).
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? ([Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : false) : false) : false;
type Expect<T extends true> = T;
type Out<S extends z.ZodMiniType> = z.output<S>;
export type AnswersMatchTheirSchemas = [
  Expect<Equal<ReturnType<typeof toApiFile>, Out<typeof file>>>,
  Expect<Equal<ReturnType<typeof toApiVersion>, Out<typeof fileVersion>>>,
  Expect<Equal<ReturnType<typeof toApiShareToken>, Out<typeof shareToken>>>,
  Expect<Equal<ReturnType<typeof toDroppedFile>, Out<typeof droppedFile>>>,
  Expect<Equal<FileType, Out<typeof fileType>>>,
  Expect<Equal<UploadGrant, Out<typeof uploadGrant>>>,
  Expect<Equal<UploadForm, Out<typeof uploadForm>>>,
  Expect<Equal<PartUrl, Out<typeof partUrl>>>,
  Expect<Equal<MultipartUpload, Out<typeof multipartUpload>>>,
  Expect<Equal<MultipartStatus, Out<typeof multipartStatus>>>,
  Expect<Equal<SignedUploadRequest, Out<typeof signedUploadRequest>>>,
  Expect<Equal<DownloadGrant & { version: number; checksumSha256: string | null; checksumCrc64nvme: string | null }, Out<typeof downloadGrant>>>,
  Expect<Equal<DownloadGrant & { width: number; height: number }, Out<typeof thumbnailGrant>>>,
  Expect<Equal<RenditionGrant, Out<typeof renditionGrant>>>,
  Expect<Equal<TenantSettings & { warnings: SettingsWarning[] }, Out<typeof settings>>>,
  Expect<Equal<ReturnType<typeof toApiWebhook>, Out<typeof webhook>>>,
  Expect<Equal<ReturnType<typeof toApiWebhookWithSecret>, Out<typeof webhookWithSecret>>>,
  Expect<Equal<ReturnType<typeof toApiDelivery>, Out<typeof webhookDelivery>>>,
];
