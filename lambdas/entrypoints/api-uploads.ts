import { createUploadUrl } from '../handlers/create-upload-url';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup('uploads', { createUploadUrl });
