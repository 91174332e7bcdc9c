import { links } from '../api/groups/links';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup(links);
