/**
 * What each route of the route table takes and answers, keyed by route key: the very schemas the
 * handlers validate requests with (imported from them, never restated) and the answer schemas of
 * `./responses`. `scripts/openapi.ts` turns it into the OpenAPI document; no Lambda imports it.
 *
 * Errors every route of a kind can answer (401 and 403 for members, 429 without a JWT, 404 for an
 * unknown share token, 400 for input, 413, 500) are added by the generator from the route table;
 * `errors` lists what else a route answers, by status, with its error codes.
 */
import type { ZodMiniType } from '../validation';
import { completeMultipartUploadBody } from '../handlers/complete-multipart-upload';
import { copyFileBody } from '../handlers/copy-file';
import { createFileBody } from '../handlers/create-file';
import { createMultipartUploadBody } from '../handlers/create-multipart-upload';
import { createPartUrlsBody } from '../handlers/create-part-urls';
import { downloadQuery } from '../handlers/download-query';
import { getFileQuery } from '../handlers/get-file';
import { listFilesQuery } from '../handlers/list-files';
import { uploadId } from '../handlers/multipart-upload-id';
import { publicFileQuery } from '../handlers/redirect-to-public-file';
import { fileId, fileUpdate, newShareToken } from '../handlers/schemas';
import { shareTokenId, shareTokenSecretParam } from '../handlers/share-token-secret';
import { singleUploadBody } from '../handlers/size';
import { thumbnailSize } from '../handlers/thumbnail-size';
import { settingsBody } from '../handlers/update-settings';
import * as answers from './responses';

/** A response header the API sets, as the document names it. */
export type AnswerHeader = 'ETag' | 'Location' | 'Cache-Control';

export interface Answer {
  description: string;
  /** The JSON body; none for 204 and 302. */
  schema?: ZodMiniType;
  headers?: AnswerHeader[];
}

export interface Param {
  schema: ZodMiniType;
  description: string;
}

export interface OperationDescription {
  summary: string;
  description?: string;
  /** Every `{name}` of the route's path. */
  params?: Record<string, Param>;
  query?: ZodMiniType;
  body?: { schema: ZodMiniType; required: boolean };
  /** The route honours `If-Match` (optimistic locking on the file's `version`). */
  ifMatch?: true;
  answers: Record<number, Answer>;
  errors?: Record<number, string>;
}

const id: Param = { schema: fileId, description: 'The file id (a UUID); any other value is a 404 FILE_NOT_FOUND.' };
const token: Param = { schema: shareTokenSecretParam, description: 'The share token secret (`fps_…`): the credential of the route.' };
const upload: Param = {
  schema: uploadId,
  description: 'The multipart upload id its POST answered: opaque and signed, bound to the file; an id altered in any way is UPLOAD_NOT_FOUND.',
};
const tokenIdParam: Param = { schema: shareTokenId, description: 'The id of a share token of the file.' };
const size: Param = { schema: thumbnailSize, description: 'The thumbnail size.' };

const fileAnswer = (description: string): Answer => ({ description, schema: answers.file, headers: ['ETag'] });
const created = (description: string): Answer => ({ description, schema: answers.file, headers: ['Location', 'ETag'] });
const noContent = (description: string): Answer => ({ description });
const grant = (description: string, schema: ZodMiniType): Answer => ({ description, schema, headers: ['Cache-Control'] });
const downloadAnswers: Record<number, Answer> = {
  200: grant('A pre-signed download URL of the content, and the version and SHA-256 it has.', answers.downloadGrant),
  302: { description: 'With `redirect=true`: a redirect to the pre-signed download URL.', headers: ['Location', 'Cache-Control'] },
};
const downloadErrors = {
  400: 'INLINE_NOT_ALLOWED: `disposition=inline` for a type the tenant settings do not list.',
  404: 'FILE_NOT_FOUND; VERSION_NOT_FOUND for a `version` the file does not have.',
  409: 'NOT_UPLOADED: no content, or content refused and deleted (CHECKSUM_MISMATCH, FILE_TOO_LARGE, UPLOAD_REUSED, CONTENT_MISSING).',
};
const thumbnailErrors = { 404: 'FILE_NOT_FOUND; NO_THUMBNAIL: the file type has none, or processing made none.', 409: 'THUMBNAIL_NOT_READY' };
const notOwn = 'FORBIDDEN also when the file is another member’s and the caller is no admin.';
const uploadErrors = {
  404: 'FILE_NOT_FOUND',
  409: 'ALREADY_UPLOADED: the file has content and the caller lacks files:overwrite.',
  413: 'FILE_TOO_LARGE: the declared size is over the tenant’s limit for this kind of upload.',
};
const fullToken = 'FORBIDDEN: the share token is a `read` token.';

export const operations: Record<string, OperationDescription> = {
  'GET /v1/file-types': {
    summary: 'List the file types',
    answers: { 200: { description: 'Every file type the service accepts.', schema: answers.fileTypeList, headers: ['Cache-Control'] } },
  },
  'GET /v1/file-types/{id}': {
    summary: 'Get a file type',
    params: { id: { schema: answers.fileType.shape.id, description: 'A file type id, e.g. `pdf`.' } },
    answers: { 200: { description: 'The file type.', schema: answers.fileType, headers: ['Cache-Control'] } },
    errors: { 404: 'FILE_TYPE_NOT_FOUND' },
  },
  'POST /v1/files': {
    summary: 'Create a file (metadata only; upload its content next)',
    body: { schema: createFileBody, required: true },
    answers: { 201: created('The new file, `pending` until its content arrives.') },
    errors: { 400: 'UNKNOWN_FILE_TYPE' },
  },
  'GET /v1/files': {
    summary: 'List and search the tenant’s files',
    description: 'At most one of `tag`, `externalId` and `link`; every parameter given must hold. Follow `nextCursor` until it is null.',
    query: listFilesQuery,
    answers: { 200: { description: 'A page of files.', schema: answers.filePage } },
    errors: { 400: 'INVALID_CURSOR: the cursor was issued for another query.' },
  },
  'GET /v1/files/{id}': {
    summary: 'Get a file',
    params: { id },
    query: getFileQuery,
    answers: { 200: fileAnswer('The file. With `wait`, answered once it leaves pending/processing, or after `wait` seconds.') },
    errors: { 404: 'FILE_NOT_FOUND' },
  },
  'PATCH /v1/files/{id}': {
    summary: 'Change a file’s metadata',
    params: { id },
    body: { schema: fileUpdate, required: true },
    ifMatch: true,
    answers: { 200: fileAnswer('The changed file.') },
    errors: { 400: 'INVALID_IF_MATCH', 403: notOwn, 404: 'FILE_NOT_FOUND', 412: 'PRECONDITION_FAILED: `If-Match` names another version.' },
  },
  'DELETE /v1/files/{id}': {
    summary: 'Delete a file, its content, thumbnails and share tokens',
    params: { id },
    answers: { 204: noContent('Deleted.') },
    errors: { 403: notOwn, 404: 'FILE_NOT_FOUND' },
  },
  'GET /v1/files/{id}/versions': {
    summary: 'List the content versions of a file',
    params: { id },
    answers: { 200: { description: 'The versions, newest first.', schema: answers.versionList } },
    errors: { 404: 'FILE_NOT_FOUND' },
  },
  'POST /v1/files/{id}/copy': {
    summary: 'Copy a file and its current content',
    params: { id },
    body: { schema: copyFileBody, required: false },
    answers: { 201: created('The copy, `processing` while its content is checked.') },
    errors: { 404: 'FILE_NOT_FOUND', 409: 'NOT_UPLOADED (no ready content); COPY_TOO_LARGE (over 5 GiB).' },
  },
  'PUT /v1/files/{id}/upload': {
    summary: 'Get a pre-signed PUT URL for the file’s content',
    params: { id },
    body: { schema: singleUploadBody, required: false },
    answers: { 200: grant('Send every header of `headers` with the PUT.', answers.uploadGrant) },
    errors: uploadErrors,
  },
  'POST /v1/files/{id}/upload-form': {
    summary: 'Get a pre-signed browser form for the file’s content',
    params: { id },
    body: { schema: singleUploadBody, required: false },
    answers: { 200: grant('Post `fields` in order, then the file as `fileField`, to `url`.', answers.uploadForm) },
    errors: uploadErrors,
  },
  'POST /v1/files/{id}/multipart': {
    summary: 'Start a multipart upload',
    params: { id },
    body: { schema: createMultipartUploadBody, required: true },
    answers: { 201: grant('The upload, with URLs of its parts (none with `partChecksums`).', answers.multipartUpload) },
    errors: uploadErrors,
  },
  'GET /v1/files/{id}/multipart/{uploadId}': {
    summary: 'Where a multipart upload stands, with fresh URLs for the missing parts',
    params: { id, uploadId: upload },
    answers: { 200: grant('The upload, what S3 holds of it and what is missing.', answers.multipartStatus) },
    errors: {
      404: 'FILE_NOT_FOUND; UPLOAD_NOT_FOUND (completed, aborted, expired, another file’s, or not an id this deployment issued).',
      413: 'FILE_TOO_LARGE: the upload’s size is over the tenant’s limit as it is now (lowered since the upload began).',
    },
  },
  'POST /v1/files/{id}/multipart/{uploadId}/parts': {
    summary: 'Get URLs for parts of a multipart upload',
    params: { id, uploadId: upload },
    body: { schema: createPartUrlsBody, required: true },
    answers: { 200: grant('A URL per part asked for.', answers.partUrls) },
    errors: {
      404: 'FILE_NOT_FOUND; UPLOAD_NOT_FOUND',
      413: 'FILE_TOO_LARGE: the upload’s size is over the tenant’s limit as it is now (lowered since the upload began).',
    },
  },
  'POST /v1/files/{id}/multipart/{uploadId}/complete': {
    summary: 'Complete a multipart upload',
    params: { id, uploadId: upload },
    body: { schema: completeMultipartUploadBody, required: true },
    answers: { 200: fileAnswer('The file, `processing`; a repeated completion answers the same.') },
    errors: {
      400: 'INVALID_PARTS: parts not listed, not uploaded, with another ETag, or not adding up to the declared size.',
      404: 'FILE_NOT_FOUND; UPLOAD_NOT_FOUND',
      413: 'FILE_TOO_LARGE: the upload is over the tenant’s limit as it is now, its own settings’ maxFileSize included (the upload is aborted).',
    },
  },
  'DELETE /v1/files/{id}/multipart/{uploadId}': {
    summary: 'Abort a multipart upload',
    params: { id, uploadId: upload },
    answers: { 204: noContent('Aborted; S3 frees the parts.') },
    errors: { 404: 'FILE_NOT_FOUND; UPLOAD_NOT_FOUND' },
  },
  'GET /v1/files/{id}/download': {
    summary: 'Get a download URL of the file’s content',
    params: { id },
    query: downloadQuery,
    answers: downloadAnswers,
    errors: downloadErrors,
  },
  'GET /v1/files/{id}/thumbnails/{size}': {
    summary: 'Get a thumbnail URL',
    params: { id, size },
    answers: { 200: grant('A pre-signed URL of the WebP thumbnail.', answers.thumbnailGrant) },
    errors: thumbnailErrors,
  },
  'GET /v1/settings': {
    summary: 'Get the tenant’s settings',
    answers: { 200: grant('The settings in effect, the deployment’s defaults where the tenant saved none.', answers.settings) },
  },
  'PUT /v1/settings': {
    summary: 'Replace the tenant’s settings',
    body: { schema: settingsBody, required: true },
    answers: { 200: grant('The settings now in effect.', answers.settings) },
    errors: { 400: 'VALIDATION_ERROR naming each field out of bounds.' },
  },
  'POST /v1/files/{id}/tokens': {
    summary: 'Share a file: create a share token',
    params: { id },
    body: { schema: newShareToken, required: true },
    answers: { 201: grant('The token with its secret `token`, shown only here.', answers.shareTokenWithSecret) },
    errors: { 403: notOwn, 404: 'FILE_NOT_FOUND' },
  },
  'GET /v1/files/{id}/tokens': {
    summary: 'List a file’s live share tokens',
    params: { id },
    answers: { 200: { description: 'Live tokens, oldest first, without secrets.', schema: answers.shareTokenList } },
    errors: { 403: notOwn, 404: 'FILE_NOT_FOUND' },
  },
  'DELETE /v1/files/{id}/tokens/{tokenId}': {
    summary: 'Delete a share token',
    params: { id, tokenId: tokenIdParam },
    answers: { 204: noContent('Deleted.') },
    errors: { 403: notOwn, 404: 'FILE_NOT_FOUND; SHARE_TOKEN_NOT_FOUND' },
  },
  'GET /v1/shared/{token}': {
    summary: 'Get the shared file',
    params: { token },
    answers: { 200: fileAnswer('The file the token shares.') },
  },
  'PATCH /v1/shared/{token}': {
    summary: 'Change the shared file’s metadata (full token)',
    params: { token },
    body: { schema: fileUpdate, required: true },
    ifMatch: true,
    answers: { 200: fileAnswer('The changed file.') },
    errors: { 400: 'INVALID_IF_MATCH', 403: fullToken, 412: 'PRECONDITION_FAILED: `If-Match` names another version.' },
  },
  'DELETE /v1/shared/{token}': {
    summary: 'Delete the shared file (full token)',
    params: { token },
    answers: { 204: noContent('The file, its content and all its tokens are deleted.') },
    errors: { 403: fullToken },
  },
  'GET /v1/shared/{token}/download': {
    summary: 'Get a download URL of the shared file',
    params: { token },
    query: downloadQuery,
    answers: downloadAnswers,
    errors: downloadErrors,
  },
  'GET /v1/shared/{token}/thumbnails/{size}': {
    summary: 'Get a thumbnail URL of the shared file',
    params: { token, size },
    answers: { 200: grant('A pre-signed URL of the WebP thumbnail.', answers.thumbnailGrant) },
    errors: thumbnailErrors,
  },
  'POST /v1/shared/{token}/tokens': {
    summary: 'Create another share token of the file (full token)',
    params: { token },
    body: { schema: newShareToken, required: true },
    answers: { 201: grant('The token with its secret, `createdBy: "token:<id>"`.', answers.shareTokenWithSecret) },
    errors: { 400: 'EXPIRY_BEYOND_TOKEN: later than the creating token’s own expiry.', 403: fullToken },
  },
  'GET /v1/shared/{token}/tokens': {
    summary: 'List the file’s live share tokens (full token)',
    params: { token },
    answers: { 200: { description: 'Live tokens, oldest first, without secrets.', schema: answers.shareTokenList } },
    errors: { 403: fullToken },
  },
  'DELETE /v1/shared/{token}/tokens/{tokenId}': {
    summary: 'Delete a share token of the file (full token)',
    params: { token, tokenId: tokenIdParam },
    answers: { 204: noContent('Deleted.') },
    errors: { 403: fullToken, 409: 'LAST_FULL_TOKEN: no other live full token would remain.' },
  },
  'GET /v1/public/{id}/{name}': {
    summary: 'Download a public file (its stable link)',
    params: {
      id: { schema: answers.file.shape.id, description: 'The file id: it alone decides.' },
      name: { schema: answers.file.shape.name, description: 'The file name, for people; it may be stale.' },
    },
    query: publicFileQuery,
    answers: { 302: { description: 'A redirect to a download URL of at most 5 minutes.', headers: ['Location', 'Cache-Control'] } },
    errors: { 404: 'FILE_NOT_FOUND: no such file, or it is not public and ready.' },
  },
  'GET /v1/openapi.json': {
    summary: 'This OpenAPI document',
    answers: { 200: { description: 'The OpenAPI 3.1 document of the API.', schema: answers.openApiDocument, headers: ['Cache-Control'] } },
  },
};
