import { apiServices } from '../composition';
import { createSharedDownloadUrl } from '../handlers/create-shared-download-url';
import { createSharedThumbnailUrl } from '../handlers/create-shared-thumbnail-url';
import { createSharedToken } from '../handlers/create-shared-token';
import { deleteSharedFile } from '../handlers/delete-shared-file';
import { deleteSharedToken } from '../handlers/delete-shared-token';
import { getSharedFile } from '../handlers/get-shared-file';
import { listSharedTokens } from '../handlers/list-shared-tokens';
import { redirectToPublicFile } from '../handlers/redirect-to-public-file';
import { updateSharedFile } from '../handlers/update-shared-file';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup('shared', {
  getSharedFile,
  updateSharedFile,
  deleteSharedFile,
  createSharedDownloadUrl,
  createSharedThumbnailUrl,
  createSharedToken,
  listSharedTokens,
  deleteSharedToken,
  redirectToPublicFile,
}, apiServices);
