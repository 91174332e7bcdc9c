import { files } from '../api/groups/files';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup(files);
