import { apiGroup } from '../../../lambdas/http/api-group';
import { json } from '../../../lambdas/http/request';
import { routes } from '../../../lambdas/routes';
import { apiEvent, lambdaContext } from '../support/api-event';

const handler = apiGroup('file-types', {
  listFileTypes: async (request) => json(200, { tenant: request.principal.tenantId }),
  getFileType: async () => {
    throw new Error('database password is hunter2');
  },
  getOpenApiDocument: async () => json(200, { openapi: '3.1.0' }),
});

describe('apiGroup', () => {
  it('passes the principal from the JWT claims to the route handler', async () => {
    const result = await handler(apiEvent('GET /v1/file-types'), lambdaContext);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body as string)).toEqual({ tenant: 't1' });
  });

  it('serves the public OpenAPI route without a JWT', async () => {
    const result = await handler(apiEvent('GET /v1/openapi.json', { claims: null }), lambdaContext);
    expect({ status: result.statusCode, body: JSON.parse(result.body as string) }).toEqual({ status: 200, body: { openapi: '3.1.0' } });
  });

  it('answers 403 in the error format when the scope is missing, and admins pass', async () => {
    const denied = await handler(apiEvent('GET /v1/file-types', { claims: { sub: 'u', tenant_id: 't', scope: 'files:write' } }), lambdaContext);
    expect(denied.statusCode).toBe(403);
    expect(JSON.parse(denied.body as string).error.code).toBe('FORBIDDEN');
    const admin = await handler(apiEvent('GET /v1/file-types', { claims: { sub: 'u', tenant_id: 't', scope: 'files:admin' } }), lambdaContext);
    expect(admin.statusCode).toBe(200);
  });

  it('passes files:overwrite on as a scope of the principal; it opens no route by itself', async () => {
    const seen: string[][] = [];
    const files = apiGroup('files', {
      ...Object.fromEntries(routes.filter((r) => r.group === 'files').map((r) => [r.handler, async () => json(200, {})])),
      createFile: async (request) => {
        seen.push([...request.principal.scopes].sort());
        return json(201, {});
      },
    });
    const create = (scope: string) => files(apiEvent('POST /v1/files', { claims: { sub: 'u', tenant_id: 't', scope } }), lambdaContext);
    expect((await create('files:write files:overwrite')).statusCode).toBe(201);
    expect(seen).toEqual([['files:overwrite', 'files:write']]);
    expect((await create('files:overwrite')).statusCode).toBe(403);
  });

  it('answers 401 without claims and 403 without a tenant claim', async () => {
    expect((await handler(apiEvent('GET /v1/file-types', { claims: null }), lambdaContext)).statusCode).toBe(401);
    expect((await handler(apiEvent('GET /v1/file-types', { claims: { sub: 'u', scope: 'files:read' } }), lambdaContext)).statusCode).toBe(403);
  });

  it('never leaks an unexpected error', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const result = await handler(apiEvent('GET /v1/file-types/{id}', { pathParameters: { id: 'pdf' } }), lambdaContext);
    expect(result.statusCode).toBe(500);
    const body = JSON.parse(result.body as string);
    expect(body.error.code).toBe('INTERNAL_ERROR');
    expect(result.body).not.toContain('hunter2');
    expect(body.error.message).toContain('req-1');
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  it('refuses to build a group whose handler is missing from the route table mapping', () => {
    expect(() => apiGroup('files', {})).toThrow(/has no handler/);
  });
});
