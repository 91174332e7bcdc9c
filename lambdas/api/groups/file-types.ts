import { getFileType } from '../../handlers/get-file-type';
import { getOpenApiDocument } from '../../handlers/get-openapi-document';
import { listFileTypes } from '../../handlers/list-file-types';
import { getFileTypes } from '../../config';
import { answerField, memberRoute, publicRoute, routeGroup } from '../route';

/**
 * The catalogue only: built here rather than in lambdas/composition.ts, whose storage clients this
 * data-less function would otherwise carry (esbuild keeps the AWS SDK's modules once imported).
 */
const fileTypeServices = () => ({ fileTypes: getFileTypes() });

/** Deployment data: the file types (the catalogue in the function's asset), and the API's own description. */
export const fileTypes = routeGroup(
  'file-types',
  { description: 'Fileport API: file types (the deployment\'s catalogue, no data access)', services: fileTypeServices, needs: {} },
  {
    listFileTypes: memberRoute({
      method: 'GET',
      path: '/v1/file-types',
      scope: 'files:read',
      handle: listFileTypes,
      summary: 'List the file types',
      answers: { 200: { description: 'Every file type this deployment accepts (its catalogue).', schema: 'fileTypeList', headers: ['Cache-Control'] } },
    }),
    getFileType: memberRoute({
      method: 'GET',
      path: '/v1/file-types/{id}',
      scope: 'files:read',
      handle: getFileType,
      summary: 'Get a file type',
      params: { id: { schema: answerField('fileType', 'id'), description: 'A file type id, e.g. `pdf`.' } },
      answers: { 200: { description: 'The file type.', schema: 'fileType', headers: ['Cache-Control'] } },
      errors: { 404: ['FILE_TYPE_NOT_FOUND'] },
    }),
    // The OpenAPI document (`npm run build:openapi` writes it): static, so the data-less `file-types` function serves it.
    getOpenApiDocument: publicRoute({
      method: 'GET',
      path: '/v1/openapi.json',
      handle: getOpenApiDocument,
      summary: 'This OpenAPI document',
      answers: { 200: { description: 'The OpenAPI 3.1 document of the API.', schema: 'openApiDocument', headers: ['Cache-Control'] } },
    }),
  },
);
