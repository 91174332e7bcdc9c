import { apiServices } from '../composition';
import { copyFile } from '../handlers/copy-file';
import { createFile } from '../handlers/create-file';
import { createShareToken } from '../handlers/create-share-token';
import { deleteFile } from '../handlers/delete-file';
import { deleteShareToken } from '../handlers/delete-share-token';
import { getFile } from '../handlers/get-file';
import { getSettings } from '../handlers/get-settings';
import { listFiles } from '../handlers/list-files';
import { listShareTokens } from '../handlers/list-share-tokens';
import { listVersions } from '../handlers/list-versions';
import { updateFile } from '../handlers/update-file';
import { updateSettings } from '../handlers/update-settings';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup('files', {
  createFile,
  listFiles,
  getFile,
  updateFile,
  deleteFile,
  listVersions,
  copyFile,
  createShareToken,
  listShareTokens,
  deleteShareToken,
  getSettings,
  updateSettings,
}, apiServices);
