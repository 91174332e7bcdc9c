import { shared } from '../api/groups/shared';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup(shared);
