import { fileServices } from '../../composition';
import { copyFile, copyFileBody } from '../../handlers/copy-file';
import { createFile, createFileBody } from '../../handlers/create-file';
import { createShareToken } from '../../handlers/create-share-token';
import { deleteFile } from '../../handlers/delete-file';
import { deleteShareToken } from '../../handlers/delete-share-token';
import { getFile, getFileQuery } from '../../handlers/get-file';
import { getSettings } from '../../handlers/get-settings';
import { listFiles, listFilesQuery } from '../../handlers/list-files';
import { listShareTokens } from '../../handlers/list-share-tokens';
import { listVersions } from '../../handlers/list-versions';
import { fileUpdate, newFileToken } from '../../handlers/schemas';
import { updateFile } from '../../handlers/update-file';
import { patchSettings, settingsBody, settingsPatch, updateSettings } from '../../handlers/update-settings';
import { created, fileAnswer, grant, id, noContent, preconditionFailed, tokenIdParam, tokenListAnswers } from '../docs';
import { memberRoute, routeGroup } from '../route';

const notOwn = { codes: ['FORBIDDEN'], text: 'FORBIDDEN also when the file is another member’s and the caller is no admin.' } as const;

/** A tenant's files, its settings and its share tokens. */
export const files = routeGroup(
  'files',
  {
    description: 'Fileport API: create, list, read, change and delete files; the tenant settings',
    services: fileServices,
    // GET /v1/files/{id}?wait= long-polls for processing for up to 10 s.
    timeoutSeconds: 15,
    needs: {
      // Files, their index items, settings and share tokens (created and deleted in transactions);
      // lists a tenant's files on the index, a file's versions and tokens on the table.
      table: { items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'], query: ['table', 'byTenant'] },
      // New files (created or copied) are temporary until their content arrives.
      pendingFileTtl: true,
      // The tenant settings (GET/PUT /v1/settings, an item of the same table) default to, and are
      // bounded by, the operator's size limits.
      sizeLimits: true,
      objects: [
        // Deleting a file removes every version's bytes and the thumbnails.
        { actions: ['s3:DeleteObject'], prefixes: ['content', 'thumbnails'] },
        // A copy is a server-side CopyObject, which needs read on the source and write on the target
        // (S3 moves the bytes; none pass through the function).
        { actions: ['s3:GetObject', 's3:PutObject'], prefixes: ['content'] },
      ],
      // Deleting a file finds its renditions (recorded only in S3) under its thumbnail prefix.
      listsObjects: ['thumbnails'],
    },
  },
  {
    createFile: memberRoute({
      method: 'POST',
      path: '/v1/files',
      scope: 'files:write',
      handle: createFile,
      summary: 'Create a file (metadata only; upload its content next)',
      description:
        'The file’s type is `fileTypeId` if given, else the type whose MIME types include `mimeType` (a browser File’s `type`), else the type whose extensions include the extension of `name`. `GET /v1/file-types` lists the deployment’s types.',
      body: { schema: createFileBody, required: true },
      answers: { 201: created('The new file, `pending` until its content arrives.') },
      errors: {
        400: {
          codes: ['UNKNOWN_FILE_TYPE', 'AMBIGUOUS_FILE_TYPE', 'FILE_TYPE_NOT_ALLOWED'],
          text: 'UNKNOWN_FILE_TYPE or AMBIGUOUS_FILE_TYPE: the `fileTypeId`, else the `mimeType`, else the extension of `name` matches no file type, or several; the message says which was tried. FILE_TYPE_NOT_ALLOWED: the tenant’s `allowedFileTypeIds` leave the type out.',
        },
      },
    }),
    listFiles: memberRoute({
      method: 'GET',
      path: '/v1/files',
      scope: 'files:read',
      handle: listFiles,
      summary: 'List and search the tenant’s files',
      description:
        'At most one of `tag`, `externalId` and `link`; every parameter given must hold: `tag` repeated (`?tag=a&tag=b`) lists the files that have every one of those tags (the first one given is read from the index, so put the rarest first). Any other parameter, or another one repeated, is a 400. Follow `nextCursor` until it is null.',
      query: listFilesQuery,
      answers: { 200: { description: 'A page of files.', schema: 'filePage' } },
      errors: { 400: { codes: ['INVALID_CURSOR'], text: 'INVALID_CURSOR: the cursor was issued for another query.' } },
    }),
    getFile: memberRoute({
      method: 'GET',
      path: '/v1/files/{id}',
      scope: 'files:read',
      handle: getFile,
      summary: 'Get a file',
      params: { id },
      query: getFileQuery,
      answers: { 200: fileAnswer('The file. With `wait`, answered once it leaves pending/processing, or after `wait` seconds.') },
      errors: { 404: ['FILE_NOT_FOUND'] },
    }),
    updateFile: memberRoute({
      method: 'PATCH',
      path: '/v1/files/{id}',
      scope: 'files:write',
      handle: updateFile,
      summary: 'Change a file’s metadata',
      params: { id },
      body: { schema: fileUpdate, required: true },
      ifMatch: true,
      answers: { 200: fileAnswer('The changed file.') },
      errors: { 400: ['INVALID_IF_MATCH'], 403: notOwn, 404: ['FILE_NOT_FOUND'], 412: preconditionFailed },
    }),
    deleteFile: memberRoute({
      method: 'DELETE',
      path: '/v1/files/{id}',
      scope: 'files:write',
      handle: deleteFile,
      summary: 'Delete a file, its content, thumbnails and share tokens',
      params: { id },
      answers: { 204: noContent('Deleted.') },
      errors: { 403: notOwn, 404: ['FILE_NOT_FOUND'] },
    }),
    listVersions: memberRoute({
      method: 'GET',
      path: '/v1/files/{id}/versions',
      scope: 'files:read',
      handle: listVersions,
      summary: 'List the content versions of a file',
      params: { id },
      answers: { 200: { description: 'The versions, newest first.', schema: 'versionList' } },
      errors: { 404: ['FILE_NOT_FOUND'] },
    }),
    copyFile: memberRoute({
      method: 'POST',
      path: '/v1/files/{id}/copy',
      scope: 'files:write',
      handle: copyFile,
      summary: 'Copy a file and its current content',
      params: { id },
      body: { schema: copyFileBody, required: false },
      answers: { 201: created('The copy, `processing` while its content is checked.') },
      errors: {
        400: { codes: ['UNKNOWN_FILE_TYPE', 'FILE_TYPE_NOT_ALLOWED'], text: 'UNKNOWN_FILE_TYPE: the source’s type was removed from the catalogue; FILE_TYPE_NOT_ALLOWED: the tenant’s `allowedFileTypeIds` leave it out.' },
        404: ['FILE_NOT_FOUND'],
        409: { codes: ['NOT_UPLOADED', 'COPY_TOO_LARGE'], text: 'NOT_UPLOADED (no ready content); COPY_TOO_LARGE (over 5 GiB).' },
      },
    }),
    // The tenant's own settings (lambdas/domain/settings/tenant-settings.ts): in `files`, which may already write the table.
    getSettings: memberRoute({
      method: 'GET',
      path: '/v1/settings',
      scope: 'files:admin',
      handle: getSettings,
      summary: 'Get the tenant’s settings',
      answers: { 200: grant('The settings in effect, the deployment’s defaults where the tenant saved none.', 'settings') },
    }),
    updateSettings: memberRoute({
      method: 'PUT',
      path: '/v1/settings',
      scope: 'files:admin',
      handle: updateSettings,
      summary: 'Replace the tenant’s settings',
      body: { schema: settingsBody, required: true },
      answers: { 200: grant('The settings now in effect.', 'settings') },
      errors: { 400: { codes: ['VALIDATION_ERROR'], text: 'VALIDATION_ERROR naming each field out of bounds.' } },
    }),
    patchSettings: memberRoute({
      method: 'PATCH',
      path: '/v1/settings',
      scope: 'files:admin',
      handle: patchSettings,
      summary: 'Change some of the tenant’s settings',
      description:
        'A JSON Merge Patch (RFC 7396), sent as `application/merge-patch+json` or `application/json`: the fields given replace the saved ones, `null` removes one (the deployment’s default applies again), the others stay. The result is checked as a PUT is. Concurrent changes are merged, none is lost.',
      body: { schema: settingsPatch, required: true },
      answers: { 200: grant('The settings now in effect.', 'settings') },
      errors: {
        400: { codes: ['VALIDATION_ERROR'], text: 'VALIDATION_ERROR naming each field out of bounds.' },
        415: { codes: ['UNSUPPORTED_MEDIA_TYPE'], text: 'UNSUPPORTED_MEDIA_TYPE: another Content-Type.' },
      },
    }),
    // Share tokens: managed by members who may change the file (its creator, or an admin).
    createShareToken: memberRoute({
      method: 'POST',
      path: '/v1/files/{id}/tokens',
      scope: 'files:write',
      handle: createShareToken,
      summary: 'Share a file: create a share token or an upload link',
      description:
        'A `read` or `full` share token, or an upload link (`accessLevel: "upload"`, `expiresAt` required): its holder uploads new versions of the file through `/v1/shared/{token}/upload…` and can do nothing else. A link replaces content the file has only if its creator may (`files:overwrite`).',
      params: { id },
      body: { schema: newFileToken, required: true },
      answers: { 201: grant('The token with its secret `token`, shown only here.', 'shareTokenWithSecret') },
      errors: { 403: notOwn, 404: ['FILE_NOT_FOUND'], 409: { codes: ['ALREADY_UPLOADED'], text: 'ALREADY_UPLOADED: an upload link of a file with content, by a creator without files:overwrite.' } },
    }),
    listShareTokens: memberRoute({
      method: 'GET',
      path: '/v1/files/{id}/tokens',
      scope: 'files:write',
      handle: listShareTokens,
      summary: 'List a file’s live share tokens',
      params: { id },
      answers: tokenListAnswers,
      errors: { 403: notOwn, 404: ['FILE_NOT_FOUND'] },
    }),
    deleteShareToken: memberRoute({
      method: 'DELETE',
      path: '/v1/files/{id}/tokens/{tokenId}',
      scope: 'files:write',
      handle: deleteShareToken,
      summary: 'Delete a share token',
      params: { id, tokenId: tokenIdParam },
      answers: { 204: noContent('Deleted.') },
      errors: { 403: notOwn, 404: ['FILE_NOT_FOUND', 'SHARE_TOKEN_NOT_FOUND'] },
    }),
  },
);
