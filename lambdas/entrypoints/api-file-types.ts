import { fileTypes } from '../api/groups/file-types';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup(fileTypes);
