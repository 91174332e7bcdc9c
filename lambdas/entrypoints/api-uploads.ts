import { uploads } from '../api/groups/uploads';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup(uploads);
