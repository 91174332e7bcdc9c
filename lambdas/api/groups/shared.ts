import { apiServices } from '../../composition';
import { createSharedDownloadUrl } from '../../handlers/create-shared-download-url';
import { createSharedThumbnailUrl } from '../../handlers/create-shared-thumbnail-url';
import { createSharedToken } from '../../handlers/create-shared-token';
import { deleteSharedFile } from '../../handlers/delete-shared-file';
import { deleteSharedToken } from '../../handlers/delete-shared-token';
import { downloadQuery } from '../../handlers/download-query';
import { getSharedFile } from '../../handlers/get-shared-file';
import { listSharedTokens } from '../../handlers/list-shared-tokens';
import { publicFileQuery, redirectToPublicFile } from '../../handlers/redirect-to-public-file';
import { fileUpdate, newShareToken } from '../../handlers/schemas';
import { updateSharedFile } from '../../handlers/update-shared-file';
import { downloadAnswers, downloadErrors, fileAnswer, grant, noContent, preconditionFailed, size, thumbnailAnswers, thumbnailErrors, token, tokenIdParam, tokenListAnswers } from '../docs';
import { answerField, publicRoute, routeGroup, sharedRoute } from '../route';

const fullToken = { codes: ['FORBIDDEN'], text: 'FORBIDDEN: the share token is a `read` token.' } as const;

/** What a share token's holder may do, and a public file's stable link: no JWT. */
export const shared = routeGroup(
  'shared',
  {
    description: 'Fileport API: what share-token holders and visitors of public files may do (no JWT)',
    services: apiServices,
    needs: {
      // Looks tokens up, counts their requests, records their use; a full token changes and deletes the
      // file and its tokens (a Query of the file's own items). Never lists a tenant's files (no index).
      table: { items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'], query: ['table'] },
      // Signs downloads of content and thumbnails; deleting the file with a full token removes its objects
      // (its thumbnails' deletion may go unused by the integration suite: justified in test/conformance/iam.test.ts).
      objects: [{ actions: ['s3:GetObject', 's3:DeleteObject'], prefixes: ['content', 'thumbnails'] }],
      // … and finds its renditions under its thumbnail prefix.
      listsObjects: ['thumbnails'],
    },
  },
  {
    getSharedFile: sharedRoute({
      method: 'GET',
      path: '/v1/shared/{token}',
      shareAccess: 'read',
      handle: getSharedFile,
      summary: 'Get the shared file',
      params: { token },
      answers: { 200: fileAnswer('The file the token shares.') },
    }),
    updateSharedFile: sharedRoute({
      method: 'PATCH',
      path: '/v1/shared/{token}',
      shareAccess: 'full',
      handle: updateSharedFile,
      summary: 'Change the shared file’s metadata (full token)',
      params: { token },
      body: { schema: fileUpdate, required: true },
      ifMatch: true,
      answers: { 200: fileAnswer('The changed file.') },
      errors: { 400: ['INVALID_IF_MATCH'], 403: fullToken, 412: preconditionFailed },
    }),
    deleteSharedFile: sharedRoute({
      method: 'DELETE',
      path: '/v1/shared/{token}',
      shareAccess: 'full',
      handle: deleteSharedFile,
      summary: 'Delete the shared file (full token)',
      params: { token },
      answers: { 204: noContent('The file, its content and all its tokens are deleted.') },
      errors: { 403: fullToken },
    }),
    createSharedDownloadUrl: sharedRoute({
      method: 'GET',
      path: '/v1/shared/{token}/download',
      shareAccess: 'read',
      handle: createSharedDownloadUrl,
      summary: 'Get a download URL of the shared file',
      params: { token },
      query: downloadQuery,
      answers: downloadAnswers,
      errors: downloadErrors,
    }),
    createSharedThumbnailUrl: sharedRoute({
      method: 'GET',
      path: '/v1/shared/{token}/thumbnails/{size}',
      shareAccess: 'read',
      handle: createSharedThumbnailUrl,
      summary: 'Get a thumbnail URL of the shared file',
      params: { token, size },
      answers: thumbnailAnswers,
      errors: thumbnailErrors,
    }),
    createSharedToken: sharedRoute({
      method: 'POST',
      path: '/v1/shared/{token}/tokens',
      shareAccess: 'full',
      handle: createSharedToken,
      summary: 'Create another share token of the file (full token)',
      params: { token },
      body: { schema: newShareToken, required: true },
      answers: { 201: grant('The token with its secret, `createdBy: "token:<id>"`.', 'shareTokenWithSecret') },
      errors: { 400: { codes: ['EXPIRY_BEYOND_TOKEN'], text: 'EXPIRY_BEYOND_TOKEN: later than the creating token’s own expiry.' }, 403: fullToken },
    }),
    listSharedTokens: sharedRoute({
      method: 'GET',
      path: '/v1/shared/{token}/tokens',
      shareAccess: 'full',
      handle: listSharedTokens,
      summary: 'List the file’s live share tokens (full token)',
      params: { token },
      answers: tokenListAnswers,
      errors: { 403: fullToken },
    }),
    deleteSharedToken: sharedRoute({
      method: 'DELETE',
      path: '/v1/shared/{token}/tokens/{tokenId}',
      shareAccess: 'full',
      handle: deleteSharedToken,
      summary: 'Delete a share token of the file (full token)',
      params: { token, tokenId: tokenIdParam },
      answers: { 204: noContent('Deleted.') },
      errors: { 403: fullToken, 409: { codes: ['LAST_FULL_TOKEN'], text: 'LAST_FULL_TOKEN: no other live full token would remain.' } },
    }),
    // A public file's stable link: a redirect to a fresh download URL.
    redirectToPublicFile: publicRoute({
      method: 'GET',
      path: '/v1/public/{id}/{name}',
      handle: redirectToPublicFile,
      summary: 'Download a public file (its stable link)',
      params: {
        id: { schema: answerField('file', 'id'), description: 'The file id: it alone decides.' },
        name: { schema: answerField('file', 'name'), description: 'The file name, for people; it may be stale.' },
      },
      query: publicFileQuery,
      answers: { 302: { description: 'A redirect to a download URL of at most 5 minutes.', headers: ['Location', 'Cache-Control'] } },
      errors: {
        404: { codes: ['FILE_NOT_FOUND'], text: 'FILE_NOT_FOUND: no such file, or it is not public and ready.' },
        409: { codes: ['SCAN_PENDING', 'SCAN_FAILED'], text: 'SCAN_PENDING / SCAN_FAILED: the content’s malware scan has not come back clean, and its tenant holds such content (`scanHold`).' },
      },
    }),
  },
);
