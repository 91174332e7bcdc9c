import { apiServices } from '../../composition';
import { createDownloadUrl } from '../../handlers/create-download-url';
import { createThumbnailUrl } from '../../handlers/create-thumbnail-url';
import { downloadQuery } from '../../handlers/download-query';
import { downloadAnswers, downloadErrors, id, size, thumbnailAnswers, thumbnailErrors } from '../docs';
import { memberRoute, routeGroup } from '../route';

/** Pre-signed downloads of content and thumbnails. */
export const downloads = routeGroup(
  'downloads',
  {
    description: 'Fileport API: pre-signed download and thumbnail URLs',
    services: apiServices,
    needs: {
      // Reads the file, and the tenant's settings (URL lifetime, types that may be inline); never lists.
      table: { items: ['GetItem', 'BatchGetItem'] },
      // Signs GETs of content and thumbnails, which the browser then fetches straight from S3.
      objects: [{ actions: ['s3:GetObject'], prefixes: ['content', 'thumbnails'] }],
    },
  },
  {
    createDownloadUrl: memberRoute({
      method: 'GET',
      path: '/v1/files/{id}/download',
      scope: 'files:read',
      handle: createDownloadUrl,
      summary: 'Get a download URL of the file’s content',
      params: { id },
      query: downloadQuery,
      answers: downloadAnswers,
      errors: downloadErrors,
    }),
    createThumbnailUrl: memberRoute({
      method: 'GET',
      path: '/v1/files/{id}/thumbnails/{size}',
      scope: 'files:read',
      handle: createThumbnailUrl,
      summary: 'Get a thumbnail URL',
      params: { id, size },
      answers: thumbnailAnswers,
      errors: thumbnailErrors,
    }),
  },
);
