// The committed document, bundled as data: the generator (and zod's JSON Schema code) stays out of
// the Lambda, and a unit test fails when the file is not what the generator makes of the code now.
import document from '../../openapi.json';
import { json, type AnonymousRouteHandler } from '../http/request';

export const getOpenApiDocument: AnonymousRouteHandler = async () => json(200, document, { 'cache-control': 'max-age=300' });
