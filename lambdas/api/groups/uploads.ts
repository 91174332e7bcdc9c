import { uploadServices } from '../../composition';
import { abortMultipartUpload } from '../../handlers/abort-multipart-upload';
import { completeMultipartUpload, completeMultipartUploadBody } from '../../handlers/complete-multipart-upload';
import { createMultipartUpload, createMultipartUploadBody } from '../../handlers/create-multipart-upload';
import { createPartUrls, createPartUrlsBody } from '../../handlers/create-part-urls';
import { createUploadForm } from '../../handlers/create-upload-form';
import { createUploadUrl } from '../../handlers/create-upload-url';
import { getMultipartUpload } from '../../handlers/get-multipart-upload';
import { uploadId } from '../../handlers/multipart-upload-id';
import { signUploadRequest, signUploadRequestBody } from '../../handlers/sign-upload-request';
import { singleUploadBody } from '../../handlers/size';
import { fileAnswer, grant, id, noContent } from '../docs';
import { memberRoute, routeGroup, type Param } from '../route';
import type { RouteErrors } from '../../errors';

const upload: Param = {
  schema: uploadId,
  description: 'The multipart upload id its POST answered: opaque and signed, bound to the file; an id altered in any way is UPLOAD_NOT_FOUND.',
};
const uploadErrors = {
  400: { codes: ['UNKNOWN_FILE_TYPE'], text: 'UNKNOWN_FILE_TYPE: the file’s type was removed from the catalogue; its content is still served, but it takes no new content.' },
  404: ['FILE_NOT_FOUND'],
  409: { codes: ['ALREADY_UPLOADED'], text: 'ALREADY_UPLOADED: the file has content and the caller lacks files:overwrite.' },
  413: { codes: ['FILE_TOO_LARGE'], text: 'FILE_TOO_LARGE: the declared size is over the tenant’s limit for this kind of upload.' },
} as const satisfies RouteErrors;
const overLimitNow = { codes: ['FILE_TOO_LARGE'], text: 'FILE_TOO_LARGE: the upload’s size is over the tenant’s limit as it is now (lowered since the upload began).' } as const;

/** Pre-signed uploads: one PUT, a browser form, or parts. */
export const uploads = routeGroup(
  'uploads',
  {
    description: 'Fileport API: pre-signed upload URLs, forms and multipart uploads',
    services: uploadServices,
    needs: {
      // Reads the file to sign for its key and type, and the tenant's settings; never writes, never lists.
      table: { items: ['GetItem', 'BatchGetItem'] },
      sizeLimits: true,
      objects: [
        // A pre-signed URL or form carries the signer's rights: s3:PutObject is what the browser's PUT,
        // POST or part upload is allowed, and also covers starting and completing a multipart upload.
        // ListParts and AbortMultipartUpload are calls of their own.
        { actions: ['s3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'], prefixes: ['content'] },
        // A completion retried after S3 completed it (its first answer lost) finds the upload gone and
        // answers from the object, which it reads one byte of to know it exists (lambdas/domain/transfer/multipart.ts).
        { actions: ['s3:GetObject'], prefixes: ['content'] },
      ],
      // Browser forms pin their encryption; with a customer-managed key it must be that key.
      objectKmsKey: true,
      // Signs and checks multipart upload ids with the secret, read once per container; no other
      // function can read it, and this one only its value (not describe, list or change it).
      uploadIdSecret: true,
    },
  },
  {
    createUploadUrl: memberRoute({
      method: 'PUT',
      path: '/v1/files/{id}/upload',
      scope: 'files:write',
      handle: createUploadUrl,
      summary: 'Get a pre-signed PUT URL for the file’s content',
      params: { id },
      body: { schema: singleUploadBody, required: false },
      answers: { 200: grant('Send every header of `headers` with the PUT.', 'uploadGrant') },
      errors: uploadErrors,
    }),
    createUploadForm: memberRoute({
      method: 'POST',
      path: '/v1/files/{id}/upload-form',
      scope: 'files:write',
      handle: createUploadForm,
      summary: 'Get a pre-signed browser form for the file’s content',
      params: { id },
      body: { schema: singleUploadBody, required: false },
      answers: { 200: grant('Post `fields` in order, then the file as `fileField`, to `url`.', 'uploadForm') },
      errors: uploadErrors,
    }),
    createMultipartUpload: memberRoute({
      method: 'POST',
      path: '/v1/files/{id}/multipart',
      scope: 'files:write',
      handle: createMultipartUpload,
      summary: 'Start a multipart upload',
      params: { id },
      body: { schema: createMultipartUploadBody, required: true },
      answers: { 201: grant('The upload, with URLs of its parts (none with `partChecksums`).', 'multipartUpload') },
      errors: uploadErrors,
    }),
    getMultipartUpload: memberRoute({
      method: 'GET',
      path: '/v1/files/{id}/multipart/{uploadId}',
      scope: 'files:write',
      handle: getMultipartUpload,
      summary: 'Where a multipart upload stands, with fresh URLs for the missing parts',
      params: { id, uploadId: upload },
      answers: { 200: grant('The upload, what S3 holds of it and what is missing.', 'multipartStatus') },
      errors: {
        404: { codes: ['FILE_NOT_FOUND', 'UPLOAD_NOT_FOUND'], text: 'FILE_NOT_FOUND; UPLOAD_NOT_FOUND (completed, aborted, expired, another file’s, or not an id this deployment issued).' },
        413: overLimitNow,
      },
    }),
    createPartUrls: memberRoute({
      method: 'POST',
      path: '/v1/files/{id}/multipart/{uploadId}/parts',
      scope: 'files:write',
      handle: createPartUrls,
      summary: 'Get URLs for parts of a multipart upload',
      params: { id, uploadId: upload },
      body: { schema: createPartUrlsBody, required: true },
      answers: { 200: grant('A URL per part asked for.', 'partUrls') },
      errors: { 404: ['FILE_NOT_FOUND', 'UPLOAD_NOT_FOUND'], 413: overLimitNow },
    }),
    completeMultipartUpload: memberRoute({
      method: 'POST',
      path: '/v1/files/{id}/multipart/{uploadId}/complete',
      scope: 'files:write',
      handle: completeMultipartUpload,
      summary: 'Complete a multipart upload',
      params: { id, uploadId: upload },
      body: { schema: completeMultipartUploadBody, required: true },
      answers: { 200: fileAnswer('The file, `processing`; a repeated completion answers the same.') },
      errors: {
        400: {
          codes: ['INVALID_PARTS', 'CHECKSUM_MISMATCH'],
          text: 'INVALID_PARTS: parts not listed, not uploaded, with another ETag, or not adding up to the declared size. CHECKSUM_MISMATCH: the object the parts make has another CRC-64/NVME than the declared `checksumCrc64nvme` (the upload stays open).',
        },
        404: ['FILE_NOT_FOUND', 'UPLOAD_NOT_FOUND'],
        413: { codes: ['FILE_TOO_LARGE'], text: 'FILE_TOO_LARGE: the upload is over the tenant’s limit as it is now, its own settings’ maxFileSize included (the upload is aborted).' },
      },
    }),
    signUploadRequest: memberRoute({
      method: 'POST',
      path: '/v1/files/{id}/upload-requests',
      scope: 'files:write',
      handle: signUploadRequest,
      summary: 'Sign one S3 request of the file’s own upload (Uppy 6’s signRequest)',
      description:
        'For uploaders that speak S3 themselves (Uppy 6): PutObject, CreateMultipartUpload (its `size` required), UploadPart, ListParts, CompleteMultipartUpload and AbortMultipartUpload of the file’s own upload, under the same grant as the other upload routes. For PutObject and CreateMultipartUpload Fileport picks the key and answers it; the other requests must name one of the file’s content keys and S3’s upload id. Reads, deletes of objects, other keys and other methods are refused.',
      params: { id },
      body: { schema: signUploadRequestBody, required: true },
      answers: { 200: grant('The signed request: send it with every header of `headers`.', 'signedUploadRequest') },
      errors: {
        400: { codes: ['UNSIGNABLE_REQUEST'], text: 'UNSIGNABLE_REQUEST: not a request of the file’s own upload (a GetObject or DeleteObject, another key, another method); the message says which.' },
        404: { codes: ['FILE_NOT_FOUND', 'UPLOAD_NOT_FOUND'], text: 'FILE_NOT_FOUND; UPLOAD_NOT_FOUND (a completion of an upload S3 does not hold on that key).' },
        409: uploadErrors[409],
        413: { codes: ['FILE_TOO_LARGE'], text: 'FILE_TOO_LARGE: the declared size, or the parts S3 holds at completion, over the tenant’s limit (the upload is then aborted).' },
      },
    }),
    abortMultipartUpload: memberRoute({
      method: 'DELETE',
      path: '/v1/files/{id}/multipart/{uploadId}',
      scope: 'files:write',
      handle: abortMultipartUpload,
      summary: 'Abort a multipart upload',
      params: { id, uploadId: upload },
      answers: { 204: noContent('Aborted; S3 frees the parts.') },
      errors: { 404: ['FILE_NOT_FOUND', 'UPLOAD_NOT_FOUND'] },
    }),
  },
);
