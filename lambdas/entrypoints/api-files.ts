import { copyFile } from '../handlers/copy-file';
import { createFile } from '../handlers/create-file';
import { deleteFile } from '../handlers/delete-file';
import { getFile } from '../handlers/get-file';
import { listFiles } from '../handlers/list-files';
import { listVersions } from '../handlers/list-versions';
import { updateFile } from '../handlers/update-file';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup('files', { createFile, listFiles, getFile, updateFile, deleteFile, listVersions, copyFile });
