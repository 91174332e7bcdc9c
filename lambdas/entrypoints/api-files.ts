import { copyFile } from '../handlers/copy-file';
import { createFile } from '../handlers/create-file';
import { deleteFile } from '../handlers/delete-file';
import { getFile } from '../handlers/get-file';
import { getSettings } from '../handlers/get-settings';
import { listFiles } from '../handlers/list-files';
import { listVersions } from '../handlers/list-versions';
import { updateFile } from '../handlers/update-file';
import { updateSettings } from '../handlers/update-settings';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup('files', { createFile, listFiles, getFile, updateFile, deleteFile, listVersions, copyFile, getSettings, updateSettings });
