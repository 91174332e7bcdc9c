import { getFileType } from '../handlers/get-file-type';
import { getOpenApiDocument } from '../handlers/get-openapi-document';
import { listFileTypes } from '../handlers/list-file-types';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup('file-types', { listFileTypes, getFileType, getOpenApiDocument });
