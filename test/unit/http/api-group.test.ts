import { files as filesGroup } from '../../../lambdas/api/groups/files';
import { fileTypes } from '../../../lambdas/api/groups/file-types';
import { memberRoute, routeGroup, type GroupDeclaration, type Route } from '../../../lambdas/api/route';
import { apiGroup } from '../../../lambdas/http/api-group';
import { json, type ApiRequest, type RouteHandler } from '../../../lambdas/http/request';
import { apiEvent, lambdaContext } from '../support/api-event';

/**
 * A group's declaration with handlers of the test's own, by handler name (`undefined` for a route
 * without one); they read no services, so the group builds none.
 */
const withHandlers = <S>(declaration: GroupDeclaration<string, S>, handlers: Record<string, ((request: ApiRequest<undefined>) => ReturnType<RouteHandler>) | undefined>): GroupDeclaration<string, undefined> => ({
  ...declaration,
  services: () => undefined,
  routes: declaration.routes.map((route) => ({ ...route, handle: handlers[route.handler] }) as Route<string, undefined>),
});

const handler = apiGroup(
  withHandlers(fileTypes, {
    listFileTypes: async (request) => json(200, { tenant: request.principal.tenantId }),
    getFileType: async () => {
      throw new Error('database password is hunter2');
    },
    getOpenApiDocument: async () => json(200, { openapi: '3.1.0' }),
  }),
);

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
    const files = apiGroup(
      withHandlers(filesGroup, {
        ...Object.fromEntries(filesGroup.routes.map((r) => [r.handler, async () => json(200, {})])),
        createFile: async (request) => {
          seen.push([...request.principal.scopes].sort());
          return json(201, {});
        },
      }),
    );
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
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const result = await handler(apiEvent('GET /v1/file-types/{id}', { pathParameters: { id: 'pdf' } }), lambdaContext);
    expect(result.statusCode).toBe(500);
    const body = JSON.parse(result.body as string);
    expect(body.error.code).toBe('INTERNAL_ERROR');
    expect(result.body).not.toContain('hunter2');
    // The id the caller can quote is the request's: the one in x-request-id and on every log line.
    expect(body.error.message).toContain('api-request-1');
    expect(result.headers?.['x-request-id']).toBe('api-request-1');
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  describe('log lines', () => {
    /** Every JSON line written to stdout and stderr while `work` runs. */
    async function linesOf(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
      const written: string[] = [];
      const capture = (chunk: unknown) => void written.push(String(chunk));
      const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (capture(chunk), true));
      const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (capture(chunk), true));
      try {
        await work();
      } finally {
        out.mockRestore();
        err.mockRestore();
      }
      return written.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Record<string, unknown>);
    }

    it('carry the request id, the tenant once known, and end with one line per request with its status', async () => {
      let result: Awaited<ReturnType<typeof handler>> | undefined;
      const lines = await linesOf(async () => (result = await handler(apiEvent('GET /v1/file-types'), lambdaContext)));
      expect(result?.headers?.['x-request-id']).toBe('api-request-1');
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'info',
          message: 'Request handled',
          requestId: 'api-request-1',
          correlationId: 'api-request-1',
          lambdaRequestId: 'req-1',
          routeKey: 'GET /v1/file-types',
          tenantId: 't1',
          userId: 'u1',
          status: 200,
          durationMs: expect.any(Number),
        }),
      ]);
    });

    it('name the error code of a refused request, and the unexpected error with its request id', async () => {
      const refused = await linesOf(() => handler(apiEvent('GET /v1/file-types', { claims: { sub: 'u', tenant_id: 't', scope: 'files:write' } }), lambdaContext));
      expect(refused).toEqual([expect.objectContaining({ message: 'Request handled', status: 403, errorCode: 'FORBIDDEN', tenantId: 't', requestId: 'api-request-1' })]);
      const failed = await linesOf(() => handler(apiEvent('GET /v1/file-types/{id}', { pathParameters: { id: 'pdf' } }), lambdaContext));
      expect(failed).toEqual([
        expect.objectContaining({ level: 'error', message: 'Unhandled error', requestId: 'api-request-1', tenantId: 't1', errorCode: 'INTERNAL_ERROR' }),
        expect.objectContaining({ message: 'Request handled', status: 500, requestId: 'api-request-1' }),
      ]);
    });

    it('keep no field from one request in the next one the container serves', async () => {
      await linesOf(() => handler(apiEvent('GET /v1/file-types'), lambdaContext));
      const event = apiEvent('GET /v1/openapi.json', { claims: null });
      event.requestContext.requestId = 'api-request-2';
      const lines = await linesOf(() => handler(event, lambdaContext));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ requestId: 'api-request-2', status: 200 });
      expect(lines[0]).not.toHaveProperty('tenantId');
      expect(lines[0]).not.toHaveProperty('userId');
    });
  });

  it('refuses to build a group whose handler is missing from the route table mapping', () => {
    expect(() => apiGroup(withHandlers(filesGroup, {}))).toThrow(/has no handler/);
  });

  it('cannot be declared with a route without its handler: the declaration does not compile (npm run typecheck)', () => {
    const declaration = routeGroup(
      'test',
      { description: 'A group whose route has no handler', services: () => undefined, needs: {} },
      {
        // @ts-expect-error A route is declared with its handler, or not at all.
        listNothing: memberRoute({ method: 'GET', path: '/v1/nothing', scope: 'files:read', summary: 'Nothing', answers: {} }),
      },
    );
    // And one built around the types is refused when its Lambda starts.
    expect(() => apiGroup(declaration)).toThrow('Route GET /v1/nothing has no handler listNothing in group test');
  });
});
