import { linkServices, type LinkServices } from '../../composition';
import type { RouteErrors } from '../../errors';
import { completeMultipartUploadBody } from '../../handlers/complete-multipart-upload';
import { createMultipartUploadBody } from '../../handlers/create-multipart-upload';
import { createPartUrlsBody } from '../../handlers/create-part-urls';
import { uploadId } from '../../handlers/multipart-upload-id';
import { droppedFile, newDropBox } from '../../handlers/schemas';
import { singleUploadBody } from '../../handlers/size';
import {
  abortLinkMultipartUpload,
  completeLinkMultipartUpload,
  createLinkFile,
  createLinkMultipartUpload,
  createLinkPartUrls,
  createLinkUploadForm,
  createLinkUploadUrl,
  createUploadLink,
  deleteUploadLink,
  getLinkMultipartUpload,
  listUploadLinks,
} from '../../handlers/upload-links';
import { grant, id, noContent, token, tokenIdParam } from '../docs';
import { memberRoute, routeGroup, sharedRoute, type Param, type RouteDeclaration } from '../route';

const upload: Param = { schema: uploadId, description: 'The multipart upload id its POST answered.' };
const linkErrors = {
  404: {
    codes: ['FILE_NOT_FOUND'],
    text: 'FILE_NOT_FOUND: a drop box’s file it did not create, a drop box on a file link’s route, or a file link on a drop box’s.',
  },
  409: { codes: ['ALREADY_UPLOADED'], text: 'ALREADY_UPLOADED: the file has content and the link may not replace it.' },
  413: { codes: ['FILE_TOO_LARGE'], text: 'FILE_TOO_LARGE: over the link’s `maxSize` or the tenant’s limit.' },
} as const satisfies RouteErrors;
const uploadGone = { ...linkErrors, 404: { codes: ['FILE_NOT_FOUND', 'UPLOAD_NOT_FOUND'], text: 'FILE_NOT_FOUND; UPLOAD_NOT_FOUND.' } } as const satisfies RouteErrors;

/**
 * The upload routes of a link, as the member's (lambdas/api/groups/uploads.ts) under `prefix`: a
 * file link's own (`/v1/shared/{token}`), or a drop box's file (`/v1/shared/{token}/files/{id}`).
 */
function uploadRoutes(name: 'Link' | 'DropBox', prefix: string, params: Record<string, Param>): Record<string, RouteDeclaration<LinkServices>> {
  const what = name === 'Link' ? 'the link’s file' : 'a file the drop box created';
  return {
    [`create${name}UploadUrl`]: sharedRoute({
      method: 'PUT',
      path: `${prefix}/upload`,
      shareAccess: 'upload',
      handle: createLinkUploadUrl,
      summary: `Upload link: a pre-signed PUT URL for ${what}`,
      params,
      body: { schema: singleUploadBody, required: false },
      answers: { 200: grant('Send every header of `headers` with the PUT.', 'uploadGrant') },
      errors: linkErrors,
    }),
    [`create${name}UploadForm`]: sharedRoute({
      method: 'POST',
      path: `${prefix}/upload-form`,
      shareAccess: 'upload',
      handle: createLinkUploadForm,
      summary: `Upload link: a pre-signed browser form for ${what}`,
      params,
      body: { schema: singleUploadBody, required: false },
      answers: { 200: grant('Post `fields` in order, then the file as `fileField`, to `url`.', 'uploadForm') },
      errors: linkErrors,
    }),
    [`create${name}MultipartUpload`]: sharedRoute({
      method: 'POST',
      path: `${prefix}/multipart`,
      shareAccess: 'upload',
      handle: createLinkMultipartUpload,
      summary: `Upload link: start a multipart upload of ${what}`,
      params,
      body: { schema: createMultipartUploadBody, required: true },
      answers: { 201: grant('The upload, with URLs of its parts.', 'multipartUpload') },
      errors: linkErrors,
    }),
    [`get${name}MultipartUpload`]: sharedRoute({
      method: 'GET',
      path: `${prefix}/multipart/{uploadId}`,
      shareAccess: 'upload',
      handle: getLinkMultipartUpload,
      summary: 'Upload link: where a multipart upload stands',
      params: { ...params, uploadId: upload },
      answers: { 200: grant('The upload, what S3 holds of it and what is missing.', 'multipartStatus') },
      errors: uploadGone,
    }),
    [`create${name}PartUrls`]: sharedRoute({
      method: 'POST',
      path: `${prefix}/multipart/{uploadId}/parts`,
      shareAccess: 'upload',
      handle: createLinkPartUrls,
      summary: 'Upload link: URLs for parts of a multipart upload',
      params: { ...params, uploadId: upload },
      body: { schema: createPartUrlsBody, required: true },
      answers: { 200: grant('A URL per part asked for.', 'partUrls') },
      errors: uploadGone,
    }),
    [`complete${name}MultipartUpload`]: sharedRoute({
      method: 'POST',
      path: `${prefix}/multipart/{uploadId}/complete`,
      shareAccess: 'upload',
      handle: completeLinkMultipartUpload,
      summary: 'Upload link: complete a multipart upload',
      params: { ...params, uploadId: upload },
      body: { schema: completeMultipartUploadBody, required: true },
      answers: { 204: noContent('Completed: processing follows. An upload link reads nothing, so no file is answered.') },
      errors: { ...uploadGone, 400: ['INVALID_PARTS', 'CHECKSUM_MISMATCH'] },
    }),
    [`abort${name}MultipartUpload`]: sharedRoute({
      method: 'DELETE',
      path: `${prefix}/multipart/{uploadId}`,
      shareAccess: 'upload',
      handle: abortLinkMultipartUpload,
      summary: 'Upload link: abort a multipart upload',
      params: { ...params, uploadId: upload },
      answers: { 204: noContent('Aborted; S3 frees the parts.') },
      errors: { 404: uploadGone[404] },
    }),
  };
}

/** Upload links: members manage drop boxes; a link's holder, with no JWT, uploads and does nothing else. */
export const links = routeGroup(
  'links',
  {
    description: 'Fileport API: upload links (drop boxes, and uploads through a link, no JWT)',
    services: linkServices,
    needs: {
      // Looks links up, counts their requests and their files (UpdateItem), records their use; creates
      // drop boxes (a transaction of Puts and an Update) and their files (Put and BatchWrite of its
      // index items); deletes drop boxes; lists a tenant's drop boxes (a Query of its own items).
      table: { items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'], query: ['table'] },
      pendingFileTtl: true,
      sizeLimits: true,
      // As the uploads group (lambdas/api/groups/uploads.ts): pre-signed PUTs, forms and parts, a
      // multipart upload's parts listed and aborted, and one byte read of a completed one.
      objects: [{ actions: ['s3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload', 's3:GetObject'], prefixes: ['content'] }],
      objectKmsKey: true,
      uploadIdSecret: true,
    },
  },
  {
    createUploadLink: memberRoute({
      method: 'POST',
      path: '/v1/upload-links',
      scope: 'files:write',
      handle: createUploadLink,
      summary: 'Create a drop box: an upload link that creates files',
      description:
        'Its holder, with no account, creates files of the tenant through `POST /v1/shared/{token}/files` (each with the link’s `tags` and `links`, a type of `fileTypeIds`, at most `maxFiles` of them) and uploads their content, and can do nothing else. `expiresAt` is required (at most 366 days ahead).',
      body: { schema: newDropBox, required: true },
      answers: { 201: grant('The link with its secret `token`, shown only here.', 'shareTokenWithSecret') },
      errors: { 400: ['UNKNOWN_FILE_TYPE'] },
    }),
    listUploadLinks: memberRoute({
      method: 'GET',
      path: '/v1/upload-links',
      scope: 'files:write',
      handle: listUploadLinks,
      summary: 'List the tenant’s live drop boxes',
      answers: { 200: { description: 'Live drop boxes, oldest first, without secrets; `upload.filesCreated` counts their files.', schema: 'shareTokenList' } },
    }),
    deleteUploadLink: memberRoute({
      method: 'DELETE',
      path: '/v1/upload-links/{tokenId}',
      scope: 'files:write',
      handle: deleteUploadLink,
      summary: 'Delete a drop box (its creator or an admin); the files it created stay',
      params: { tokenId: { ...tokenIdParam, description: 'The id of a drop box of the tenant.' } },
      answers: { 204: noContent('Deleted: the link stops working at once.') },
      errors: { 403: { codes: ['FORBIDDEN'], text: 'FORBIDDEN: another member’s link, and the caller is no admin.' }, 404: ['SHARE_TOKEN_NOT_FOUND'] },
    }),
    createLinkFile: sharedRoute({
      method: 'POST',
      path: '/v1/shared/{token}/files',
      shareAccess: 'upload',
      handle: createLinkFile,
      summary: 'Drop box: create a file to upload to',
      description: 'Created by the link (`createdBy: "token:<id>"`), with its tags and links; temporary until its content arrives. Then upload through `/v1/shared/{token}/files/{id}/upload…`.',
      params: { token },
      body: { schema: droppedFile, required: true },
      answers: { 201: grant('The new file, as much of it as the holder may see.', 'droppedFile') },
      errors: {
        400: { codes: ['UNKNOWN_FILE_TYPE', 'AMBIGUOUS_FILE_TYPE', 'FILE_TYPE_NOT_ALLOWED'], text: 'UNKNOWN_FILE_TYPE, AMBIGUOUS_FILE_TYPE: the type is resolved as for `POST /v1/files` (`fileTypeId`, else `mimeType`, else the name’s extension); FILE_TYPE_NOT_ALLOWED: a type the link’s `fileTypeIds` or the tenant’s `allowedFileTypeIds` do not list.' },
        403: { codes: ['FORBIDDEN'], text: 'FORBIDDEN also for a file’s upload link, which creates no files.' },
        409: { codes: ['UPLOAD_LINK_FULL'], text: 'UPLOAD_LINK_FULL: the link has created its `maxFiles` files.' },
        413: { codes: ['FILE_TOO_LARGE'], text: 'FILE_TOO_LARGE: the declared `size` is over the link’s `maxSize`.' },
      },
    }),
    ...uploadRoutes('Link', '/v1/shared/{token}', { token }),
    ...uploadRoutes('DropBox', '/v1/shared/{token}/files/{id}', { token, id }),
  },
);
