import { renditions } from '../api/groups/renditions';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup(renditions);
