import { renditionServices } from '../../composition';
import { createRenditionUrl } from '../../handlers/create-rendition-url';
import { createSharedRenditionUrl } from '../../handlers/create-shared-rendition-url';
import { publicRenditionQuery, renditionQuery } from '../../handlers/rendition-query';
import { redirectToPublicRendition } from '../../handlers/redirect-to-public-rendition';
import { grant, id, token } from '../docs';
import type { RouteErrors } from '../../errors';
import { answerField, memberRoute, publicRoute, routeGroup, sharedRoute, type Answer } from '../route';

/** Only this group's: other API bundles need not carry these texts. */
const renditionAnswers: Record<number, Answer> = {
  200: grant('A pre-signed URL of the rendition (made on this request when it is the first), inline, with its format’s Content-Type.', 'renditionGrant'),
  302: { description: 'With `redirect=true`: a redirect to the pre-signed rendition URL.', headers: ['Location', 'Cache-Control'] },
};
const renditionErrors = {
  400: { codes: ['RENDITION_NOT_ALLOWED'], text: 'RENDITION_NOT_ALLOWED: the size, fit or format is not in the tenant’s allowlist (settings `renditions`); the message names each.' },
  404: { codes: ['FILE_NOT_FOUND', 'NO_RENDITION'], text: 'FILE_NOT_FOUND; NO_RENDITION: the file type gets none (only image types with thumbnails do), or its content failed processing.' },
  409: {
    codes: ['RENDITION_NOT_READY', 'NOT_UPLOADED', 'SCAN_PENDING', 'SCAN_FAILED'],
    text: 'RENDITION_NOT_READY: still processing, or replaced while the rendition was made (retry after `Retry-After`); NOT_UPLOADED: infected content, deleted; SCAN_PENDING / SCAN_FAILED while the tenant’s `scanHold` is `hold`.',
  },
} as const satisfies RouteErrors;

/**
 * Image renditions on request: the only API function that carries sharp (native, and heavy), so
 * the download and share functions stay light.
 */
export const renditions = routeGroup(
  'renditions',
  {
    description: 'Fileport API: image renditions, made once by sharp and served from S3',
    services: renditionServices,
    // A first request reads the image and runs sharp (≤ 256 MiB and 100 Mpx, as thumbnails: ~1 s at
    // 1,536 MB); API Gateway waits 30 s at most.
    timeoutSeconds: 29,
    memorySize: 1536,
    nativeModules: ['sharp'],
    needs: {
      // Reads the file, its share token (and counts the token's requests, records its use), the
      // tenant's settings; records a rendition made on the file.
      table: { items: ['GetItem', 'BatchGetItem', 'UpdateItem'] },
      // Reads the original, writes renditions under the version's thumbnail prefix, signs their
      // GETs, and deletes one made for content replaced meanwhile.
      objects: [
        { actions: ['s3:GetObject'], prefixes: ['content'] },
        { actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], prefixes: ['thumbnails'] },
      ],
    },
  },
  {
    createRenditionUrl: memberRoute({
      method: 'GET',
      path: '/v1/files/{id}/renditions',
      scope: 'files:read',
      handle: createRenditionUrl,
      summary: 'Get a URL of an image rendition',
      description: 'A rendition of the current image content in a size, fit and format of the tenant’s allowlist (settings `renditions`), EXIF-oriented and without metadata: made on the first request (which may take a second), then served from S3.',
      params: { id },
      query: renditionQuery,
      answers: renditionAnswers,
      errors: renditionErrors,
    }),
    createSharedRenditionUrl: sharedRoute({
      method: 'GET',
      path: '/v1/shared/{token}/renditions',
      shareAccess: 'read',
      handle: createSharedRenditionUrl,
      summary: 'Get a URL of an image rendition of the shared file',
      params: { token },
      query: renditionQuery,
      answers: renditionAnswers,
      errors: renditionErrors,
    }),
    redirectToPublicRendition: publicRoute({
      method: 'GET',
      path: '/v1/public/{id}/{name}/renditions',
      handle: redirectToPublicRendition,
      summary: 'An image rendition of a public file (a stable link)',
      params: {
        id: { schema: answerField('file', 'id'), description: 'The file id: it alone decides.' },
        name: { schema: answerField('file', 'name'), description: 'The file name, for people; it may be stale.' },
      },
      query: publicRenditionQuery,
      answers: { 302: { description: 'A redirect to a rendition URL of at most 5 minutes.', headers: ['Location', 'Cache-Control'] } },
      errors: {
        400: renditionErrors[400],
        404: { codes: ['FILE_NOT_FOUND', 'NO_RENDITION'], text: 'FILE_NOT_FOUND: no such file, or it is not public and ready; NO_RENDITION: its type gets none.' },
        409: { codes: ['SCAN_PENDING', 'SCAN_FAILED'], text: 'SCAN_PENDING / SCAN_FAILED: the content’s malware scan has not come back clean, and its tenant holds such content (`scanHold`).' },
      },
    }),
  },
);
