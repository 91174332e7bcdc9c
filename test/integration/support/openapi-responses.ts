import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

/**
 * Holds every answer of the API that an integration test sees to the committed OpenAPI document
 * (openapi.json, which a unit test keeps equal to what the generator makes of the code): the status
 * must be documented for the route, and a JSON body must match its schema.
 */

interface ResponseObject {
  $ref?: string;
  content?: Record<string, { schema: unknown }>;
}
interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
  components: { responses: Record<string, ResponseObject> };
}

const DOCUMENT_ID = 'openapi.json';
const document = JSON.parse(readFileSync(join(__dirname, '../../../openapi.json'), 'utf8')) as OpenApi;

// JSON Schema 2020-12, OpenAPI 3.1's dialect. Not strict: the document carries OpenAPI's own keys
// around the schemas. Formats are not checked (zod's schemas carry patterns for the ones it checks).
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, validateFormats: false });
ajv.addSchema(document, DOCUMENT_ID);

/** Path templates as the gateway matches them (lambdas/routes.ts, local/gateway.ts). */
const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
}));

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const compiled = new Map<string, ValidateFunction>();

/**
 * Why an answer does not match the document, or undefined when it does. Requests the document has
 * no operation for (local-only `/_dev/…` routes, unknown paths and methods, which the gateway
 * answers with 404 ROUTE_NOT_FOUND) are not checked.
 */
export function responseMismatch(method: string, path: string, status: number, contentType: string, body: unknown): string | undefined {
  // Concatenated, not resolved, as the client and the gateway do: `//x` is a path, not a host.
  const pathname = new URL(`http://api${path}`).pathname;
  const template = templates.find((t) => t.pattern.test(pathname))?.template;
  const operation = template === undefined ? undefined : document.paths[template]?.[method.toLowerCase()];
  if (!template || !operation) return undefined;
  const where = `${method} ${template} → ${status}`;
  const documented = operation.responses[String(status)];
  if (!documented) return `${where}: the status is not documented (documented: ${Object.keys(operation.responses).join(', ')})`;
  const componentId = documented.$ref?.split('/').pop();
  const response = componentId === undefined ? documented : document.components.responses[componentId]!;
  if (!response.content) return body === '' ? undefined : `${where}: documented without a body, but answered ${JSON.stringify(body).slice(0, 200)}`;
  if (!contentType.includes('application/json')) return `${where}: documented as JSON, but answered ${contentType || 'no content type'}`;

  const schemaPath = componentId === undefined
    ? `#/${pointer('paths', template, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema')}`
    : `#/${pointer('components', 'responses', componentId, 'content', 'application/json', 'schema')}`;
  let validate = compiled.get(schemaPath);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}${schemaPath}` });
    compiled.set(schemaPath, validate);
  }
  if (validate(body)) return undefined;
  return `${where}: the body does not match the documented schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}\n${JSON.stringify(body).slice(0, 1000)}`;
}
