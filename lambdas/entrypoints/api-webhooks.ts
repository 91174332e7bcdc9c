import { webhooks } from '../api/groups/webhooks';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup(webhooks);
