import { apiServices } from '../composition';
import { createDownloadUrl } from '../handlers/create-download-url';
import { createThumbnailUrl } from '../handlers/create-thumbnail-url';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup('downloads', { createDownloadUrl, createThumbnailUrl }, apiServices);
