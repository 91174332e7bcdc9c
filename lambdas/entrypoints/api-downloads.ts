import { downloads } from '../api/groups/downloads';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup(downloads);
