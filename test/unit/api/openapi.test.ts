import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCatalogue, gatewayErrorCatalogue, type ErrorCode } from '../../../lambdas/errors';
import { routeKey, routes, isMemberRoute } from '../../../lambdas/routes';
import { openApiDocument, openApiFile, openApiJson } from '../../../scripts/openapi';

// Importing every handler module (for its schemas) loads the AWS SDK once.
jest.setTimeout(30_000);

interface Operation {
  operationId: string;
  security: Record<string, string[]>[];
  'x-required-scope'?: string;
  parameters?: ({ name: string; in: string } | { $ref: string })[];
  responses: Record<string, unknown>;
}
const document = openApiDocument() as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { parameters: Record<string, { name: string }> } };
const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })));

interface ErrorAnswer {
  description: string;
  content: { 'application/json': { schema: { allOf: [unknown, { properties: { error: { properties: { code: { enum: ErrorCode[] } } } } }] } } };
}

function validateWithSeriousme(doc: unknown): Promise<{ valid: boolean; version: string; errors: unknown }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [join(__dirname, '../../support/openapi-validate.mjs')], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`the validator failed: ${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
    child.stdin!.end(JSON.stringify(doc));
  });
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validateWithSeriousme(document);
    expect(result.errors).toBeNull();
    expect({ valid: result.valid, version: result.version }).toEqual({ valid: true, version: '3.1' });
  });

  it('has every route of the route table, and nothing else', () => {
    expect(operations.map((o) => o.key).sort()).toEqual(routes.map(routeKey).sort());
  });

  it('names the handler, and for member routes the bearer token and the scope the route table requires', () => {
    for (const route of routes) {
      const op = document.paths[route.path]![route.method.toLowerCase()]!;
      expect(op.operationId).toBe(route.handler);
      if (isMemberRoute(route)) {
        expect({ key: routeKey(route), security: op.security, scope: op['x-required-scope'] }).toEqual({ key: routeKey(route), security: [{ bearer: [route.scope] }], scope: route.scope });
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
      } else {
        expect({ key: routeKey(route), security: op.security }).toEqual({ key: routeKey(route), security: [] });
        expect(Object.keys(op.responses)).toContain('429');
      }
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['413', '500']));
    }
  });

  it('describes every path parameter of every route', () => {
    for (const { key, op } of operations) {
      const names = (op.parameters ?? []).map((p) => ('$ref' in p ? document.components.parameters[p.$ref.split('/').pop()!]! : p)).filter((p) => !('in' in p) || p.in === 'path').map((p) => p.name);
      const inPath = [...key.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect({ key, names: names.filter((n) => inPath.includes(n)).sort() }).toEqual({ key, names: [...inPath].sort() });
    }
  });

  it('documents query parameters as clients send them: coerced numbers as integers, defaults optional', () => {
    const list = document.paths['/v1/files']!.get!.parameters as unknown as { name: string; required: boolean; schema: { type?: string; default?: unknown } }[];
    expect(list.find((p) => p.name === 'limit')).toMatchObject({ required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 } });
  });

  it('lists the codes of every error answer as an enum, each a catalogue code of that status', () => {
    const responses = (document as unknown as { components: { responses: Record<string, ErrorAnswer> } }).components.responses;
    const catalogue: Record<string, { status: number }> = { ...errorCatalogue, ...gatewayErrorCatalogue };
    for (const { key, op } of operations) {
      for (const [status, answer] of Object.entries(op.responses).filter(([status]) => Number(status) >= 400)) {
        const { description, content } = '$ref' in (answer as object) ? responses[(answer as { $ref: string }).$ref.split('/').pop()!]! : (answer as ErrorAnswer);
        const codes = content['application/json'].schema.allOf[1].properties.error.properties.code.enum;
        expect({ key, status, codes: codes.length > 0 }).toEqual({ key, status, codes: true });
        // Each code is the catalogue's, answered with this status, and named in the prose; no
        // code of this status named in the prose is missing from the enum.
        expect({ key, status, wrongStatus: codes.filter((code) => catalogue[code]?.status !== Number(status)) }).toEqual({ key, status, wrongStatus: [] });
        expect({ key, status, notDescribed: codes.filter((code) => !description.includes(code)) }).toEqual({ key, status, notDescribed: [] });
        const named = (Object.keys(catalogue) as ErrorCode[]).filter((code) => catalogue[code]!.status === Number(status) && new RegExp(`\\b${code}\\b`).test(description));
        expect({ key, status, notListed: named.filter((code) => !codes.includes(code)) }).toEqual({ key, status, notListed: [] });
      }
    }
    const codesOf = (key: string, status: number): ErrorCode[] => {
      const op = operations.find((o) => o.key === key)!.op;
      const answer = op.responses[status] as ErrorAnswer | { $ref: string };
      const resolved = '$ref' in answer ? responses[answer.$ref.split('/').pop()!]! : answer;
      return resolved.content['application/json'].schema.allOf[1].properties.error.properties.code.enum;
    };
    expect(codesOf('GET /v1/files/{id}/download', 404)).toEqual(['ROUTE_NOT_FOUND', 'FILE_NOT_FOUND', 'VERSION_NOT_FOUND']);
    expect(codesOf('GET /v1/shared/{token}/download', 404)).toEqual(['ROUTE_NOT_FOUND', 'SHARE_TOKEN_NOT_FOUND', 'FILE_NOT_FOUND', 'VERSION_NOT_FOUND']);
    expect(codesOf('GET /v1/shared/{token}', 429)).toEqual(['THROTTLED', 'RATE_LIMITED']);
    expect(codesOf('POST /v1/files', 400)).toEqual(['VALIDATION_ERROR', 'INVALID_JSON', 'UNKNOWN_FILE_TYPE', 'AMBIGUOUS_FILE_TYPE', 'FILE_TYPE_NOT_ALLOWED']);
  });

  it('is what is committed in openapi.json (run `npm run build:openapi` after changing a route or a schema)', () => {
    expect(readFileSync(openApiFile, 'utf8') === openApiJson()).toBe(true);
  });
});
