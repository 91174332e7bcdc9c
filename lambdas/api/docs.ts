/**
 * What the OpenAPI document says alike of routes of several groups: path parameters (one object
 * per parameter, so the document names it once) and answers.
 */
import { fileId } from '../handlers/schemas';
import { shareTokenId, shareTokenSecretParam } from '../handlers/share-token-secret';
import { thumbnailSize } from '../handlers/thumbnail-size';
import type { Answer, AnswerName, Param } from './route';
import type { RouteErrors } from '../errors';

export const id: Param = { schema: fileId, description: 'The file id (a UUID); any other value is a 404 FILE_NOT_FOUND.' };
export const token: Param = { schema: shareTokenSecretParam, description: 'The share token secret (`fps_…`): the credential of the route.' };
export const tokenIdParam: Param = { schema: shareTokenId, description: 'The id of a share token of the file.' };
export const size: Param = { schema: thumbnailSize, description: 'The thumbnail size.' };

export const fileAnswer = (description: string): Answer => ({ description, schema: 'file', headers: ['ETag'] });
export const created = (description: string): Answer => ({ description, schema: 'file', headers: ['Location', 'ETag'] });
export const noContent = (description: string): Answer => ({ description });
export const grant = (description: string, schema: AnswerName): Answer => ({ description, schema, headers: ['Cache-Control'] });
export const downloadAnswers: Record<number, Answer> = {
  200: grant('A pre-signed download URL of the content, and the version and SHA-256 it has.', 'downloadGrant'),
  302: { description: 'With `redirect=true`: a redirect to the pre-signed download URL.', headers: ['Location', 'Cache-Control'] },
};
export const downloadErrors = {
  400: { codes: ['INLINE_NOT_ALLOWED'], text: 'INLINE_NOT_ALLOWED: `disposition=inline` for a type the tenant settings do not list.' },
  404: { codes: ['FILE_NOT_FOUND', 'VERSION_NOT_FOUND'], text: 'FILE_NOT_FOUND; VERSION_NOT_FOUND for a `version` the file does not have.' },
  409: {
    codes: ['NOT_UPLOADED', 'SCAN_PENDING', 'SCAN_FAILED'],
    text: 'NOT_UPLOADED: no content, or content refused and deleted (CHECKSUM_MISMATCH, FILE_TOO_LARGE, UPLOAD_REUSED, CONTENT_MISSING, MALWARE_FOUND); SCAN_PENDING: the malware scan has not finished (retry); SCAN_FAILED: the scanner could not scan it. Both only while the tenant’s `scanHold` is `hold`.',
  },
} as const satisfies RouteErrors;
export const thumbnailAnswers: Record<number, Answer> = { 200: grant('A pre-signed URL of the WebP thumbnail.', 'thumbnailGrant') };
export const thumbnailErrors = { 404: { codes: ['FILE_NOT_FOUND', 'NO_THUMBNAIL'], text: 'FILE_NOT_FOUND; NO_THUMBNAIL: the file type has none, or processing made none.' }, 409: ['THUMBNAIL_NOT_READY', 'SCAN_PENDING', 'SCAN_FAILED'] } as const satisfies RouteErrors;
export const tokenListAnswers: Record<number, Answer> = { 200: { description: 'Live tokens, oldest first, without secrets.', schema: 'shareTokenList' } };
export const preconditionFailed = { codes: ['PRECONDITION_FAILED'], text: 'PRECONDITION_FAILED: `If-Match` names another version.' } as const;
