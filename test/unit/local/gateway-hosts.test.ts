import type { ApiEvent } from '../../../lambdas/http/request';
import { startGateway, type ApiLambda } from '../../../local/gateway';
import type { DevAuth } from '../../../local/dev-auth';
import type { RouteGroup } from '../../../lambdas/routes';
import { rawConnection, send } from '../support/raw-http';

const issue = jest.fn<Promise<string>, Parameters<DevAuth['issue']>>(async () => 'minted');
const auth: DevAuth = { issue, verify: async () => ({ sub: 'u', tenant_id: 't', scope: 'files:read' }) };
/** The events the Lambdas were handed: what a refused request must never become. */
const events: ApiEvent[] = [];
const lambda: ApiLambda = async (event) => {
  events.push(event);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"items":[]}' };
};
const lambdas = new Proxy({}, { get: () => lambda }) as Record<RouteGroup, ApiLambda>;
const devRoute = jest.fn(() => ({ status: 200, body: { ok: true } }));

type Gateway = Awaited<ReturnType<typeof startGateway>>;
const start = (allowedHosts?: string[]) =>
  startGateway({
    port: 0,
    auth,
    tenantClaim: 'tenant_id',
    lambdas,
    devRoutes: { '/_dev/queues': devRoute },
    corsOrigins: ['http://app.example:8080'],
    assets: { '/': async () => ({ contentType: 'text/html', body: '<p>page</p>' }) },
    allowedHosts,
  });
const portOf = (gateway: Gateway) => Number(new URL(gateway.url).port);

let gateway: Gateway;
let configured: Gateway;
let port: number;
beforeAll(async () => {
  gateway = await start();
  configured = await start(['fileport.test', 'Dev.Box:8080']);
  port = portOf(gateway);
});
afterAll(async () => {
  await gateway.stop();
  await configured.stop();
});
beforeEach(() => {
  events.length = 0;
  issue.mockClear();
  devRoute.mockClear();
});

const tokenBody = JSON.stringify({ tenantId: 'victim', sub: 'attacker', scopes: ['files:admin'] });
const fileTypes = (host: string, on = port) => send(on, { path: '/v1/file-types', host, headers: { authorization: 'Bearer any' } });

async function expectRefused(answer: { status: number; headers: Record<string, unknown>; body: string }, host: string): Promise<string> {
  expect(answer.status).toBe(421);
  expect(answer.headers.connection).toBe('close');
  const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } };
  expect(error.code).toBe('HOST_NOT_ALLOWED');
  expect(error.message).toContain(JSON.stringify(host));
  return error.message;
}

describe('the local gateway answers only its own host names (no DNS rebinding)', () => {
  it.each(['127.0.0.1', 'localhost', '[::1]', 'LOCALHOST'])('answers %s with its port', async (name) => {
    const host = `${name}:${port}`;
    const answer = await fileTypes(host);
    expect(answer.status).toBe(200);
    // The Host reaches the Lambda as domainName, the API address links (publicUrl) are built from.
    expect(events.map((e) => e.requestContext.domainName)).toEqual([host]);
  });

  it.each([
    ['another host name', () => 'evil.example'],
    ['a rebinding name on the gateway port', () => `rebind.evil.example:${port}`],
    ['a loopback look-alike', () => `127.0.0.1.nip.io:${port}`],
    ['a loopback name on another port', () => `localhost:${port + 1}`],
    ['a loopback name without the port', () => '127.0.0.1'],
  ])('refuses %s on the API: 421 HOST_NOT_ALLOWED naming it, no Lambda invoked', async (_, hostOf) => {
    const host = hostOf();
    await expectRefused(await fileTypes(host), host);
    expect(events).toEqual([]);
  });

  it('refuses POST /_dev/token from a rebinding page: no token minted', async () => {
    const host = `rebind.evil.example:${port}`;
    await expectRefused(await send(port, { method: 'POST', path: '/_dev/token', host, headers: { 'content-type': 'application/json' }, body: tokenBody }), host);
    expect(issue).not.toHaveBeenCalled();
    // The same request by the gateway's own name is served.
    const own = await send(port, { method: 'POST', path: '/_dev/token', host: `localhost:${port}`, headers: { 'content-type': 'application/json' }, body: tokenBody });
    expect(own).toMatchObject({ status: 200, body: '{"token":"minted"}' });
  });

  it('refuses the other /_dev/ hooks, the assets and CORS preflights too', async () => {
    const host = 'evil.example';
    await expectRefused(await send(port, { path: '/_dev/queues', host }), host);
    expect(devRoute).not.toHaveBeenCalled();
    await expectRefused(await send(port, { path: '/', host }), host);
    const preflight = await send(port, {
      method: 'OPTIONS',
      path: '/v1/files',
      host,
      headers: { origin: 'http://app.example:8080', 'access-control-request-method': 'POST' },
    });
    await expectRefused(preflight, host);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a request with two Host headers, even if one is its own', async () => {
    const connection = rawConnection(port);
    await connection.write(`GET /v1/file-types HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example\r\nAuthorization: Bearer any\r\n\r\n`);
    await connection.untilClosed('a refusal, and the connection closed');
    expect(connection.responses().map((r) => r.status)).toEqual([421]);
    expect(events).toEqual([]);
  });

  it('refuses an HTTP/1.0 request without Host', async () => {
    const connection = rawConnection(port);
    await connection.write('GET /v1/file-types HTTP/1.0\r\nAuthorization: Bearer any\r\n\r\n');
    await connection.untilClosed('a refusal, and the connection closed');
    const [answer] = connection.responses();
    expect(answer?.status).toBe(421);
    expect(JSON.parse(answer?.body ?? '{}')).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED', message: expect.stringContaining('without a Host header') } });
    expect(events).toEqual([]);
  });

  it('answers the host names configured for it, exactly as given (a port only where one is named), and reflects only them', async () => {
    const on = portOf(configured);
    expect((await fileTypes('fileport.test', on)).status).toBe(200);
    expect((await fileTypes('dev.box:8080', on)).status).toBe(200);
    expect(events.map((e) => e.requestContext.domainName)).toEqual(['fileport.test', 'dev.box:8080']);
    events.length = 0;
    const message = await expectRefused(await fileTypes('dev.box:9090', on), 'dev.box:9090');
    // A refused page reads the refusal (it is same-origin with itself): the configured names are not in it.
    expect(message).not.toMatch(/fileport\.test|dev\.box:8080/);
    await expectRefused(await fileTypes(`fileport.test.evil.example:${on}`, on), `fileport.test.evil.example:${on}`);
    expect(events).toEqual([]);
    // The loopback names still work beside them; the unconfigured gateway does not know them.
    expect((await fileTypes(`127.0.0.1:${on}`, on)).status).toBe(200);
    await expectRefused(await fileTypes('fileport.test'), 'fileport.test');
  });
});
