import { getFileType } from '../handlers/get-file-type';
import { listFileTypes } from '../handlers/list-file-types';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup('file-types', { listFileTypes, getFileType });
