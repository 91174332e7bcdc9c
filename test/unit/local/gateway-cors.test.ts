import { startGateway, type ApiLambda } from '../../../local/gateway';
import type { DevAuth } from '../../../local/dev-auth';
import type { RouteGroup } from '../../../lambdas/routes';

const ALLOWED = 'http://app.example:8080';

// The CORS layer answers before any route: no Lambda or token is ever reached here but the file-types one.
const auth: DevAuth = { issue: async () => 'token', verify: async () => ({ sub: 'u', tenant_id: 't', scope: 'files:read' }) };
const lambda: ApiLambda = async () => ({ statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' }, body: '{"items":[]}' });
const lambdas = new Proxy({}, { get: () => lambda }) as Record<RouteGroup, ApiLambda>;

let gateway: Awaited<ReturnType<typeof startGateway>>;
beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    auth,
    tenantClaim: 'tenant_id',
    lambdas,
    corsOrigins: [ALLOWED],
    assets: { '/': async () => ({ contentType: 'text/html', body: '<p>page</p>' }) },
  });
});
afterAll(() => gateway.stop());

const preflight = (origin: string, method = 'POST') =>
  fetch(`${gateway.url}/v1/files`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' } });

describe('the local gateway answers CORS as API Gateway does', () => {
  it('a preflight from a configured origin: 204 with the methods and headers the API allows', async () => {
    const answer = await preflight(ALLOWED);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(answer.headers.get('access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
    expect(answer.headers.get('access-control-allow-headers')).toBe('authorization,content-type,if-match');
  });

  it('a preflight from any other origin: 204 without CORS headers, so the browser refuses', async () => {
    const answer = await preflight('http://evil.example');
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers carry the allowed origin, and Vary: Origin for everyone (a cached answer is per origin)', async () => {
    const headers = { authorization: 'Bearer token' };
    const allowed = await fetch(`${gateway.url}/v1/file-types`, { headers: { ...headers, origin: ALLOWED } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const sameOrigin = await fetch(`${gateway.url}/v1/file-types`, { headers });
    expect(sameOrigin.headers.get('access-control-allow-origin')).toBeNull();
    expect(sameOrigin.headers.get('vary')).toMatch(/origin/i);
  });

  it('serves its local assets to GET only, outside the route table', async () => {
    const page = await fetch(`${gateway.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<p>page</p>');
    expect((await fetch(`${gateway.url}/`, { method: 'POST' })).status).toBe(404);
  });
});
