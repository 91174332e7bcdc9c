import { Agent } from 'node:http';
import { startGateway, type ApiLambda } from '../../../local/gateway';
import type { DevAuth } from '../../../local/dev-auth';
import type { RouteGroup } from '../../../lambdas/routes';
import { rawConnection, send } from '../support/raw-http';

// API Gateway's payload limit, which the local gateway applies as well.
const LIMIT = 10 * 1024 * 1024;

jest.setTimeout(60_000);

const auth: DevAuth = { issue: async () => 'minted', verify: async () => ({ sub: 'u', tenant_id: 't', scope: 'files:read' }) };
const lambda: ApiLambda = async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"items":[]}' });
const lambdas = new Proxy({}, { get: () => lambda }) as Record<RouteGroup, ApiLambda>;

let gateway: Awaited<ReturnType<typeof startGateway>>;
let port: number;
let host: string;
beforeAll(async () => {
  gateway = await startGateway({ port: 0, auth, tenantClaim: 'tenant_id', lambdas });
  port = Number(new URL(gateway.url).port);
  host = `127.0.0.1:${port}`;
});
afterAll(() => gateway.stop());

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
const tokenRequest = () => head(['POST /_dev/token HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', 'Content-Length: 2']) + '{}';

function expectTooLarge(answer: { status: number; headers: Record<string, string | string[] | undefined>; body: string }) {
  expect(answer.status).toBe(413);
  expect(answer.headers.connection).toBe('close');
  expect(JSON.parse(answer.body)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: `Requests are limited to ${LIMIT} bytes.` } });
}

describe('the local gateway refuses a body over the limit and closes the connection, as API Gateway does', () => {
  it('a body declared over the limit: 413 before the client sends it, then the connection closes once the body is in', async () => {
    const connection = rawConnection(port);
    await connection.write(head(['POST /v1/files HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', `Content-Length: ${LIMIT + 1}`]));
    await connection.until('a 413 to a request whose body is not sent yet', (responses) => responses.length >= 1);
    expectTooLarge(connection.responses()[0]!);
    // The client sends its body anyway, and then another request on the same connection: the
    // body is never taken for a request, and the connection closes (a client retries on a new one).
    await connection.write(Buffer.alloc(LIMIT + 1, 'a'));
    await connection.write(tokenRequest());
    await connection.untilClosed('the gateway to close the connection after its 413');
    expect(connection.responses()).toHaveLength(1);
  });

  it('a body declared far over the limit is not waited for: 413 and the connection closes, the body never sent', async () => {
    const connection = rawConnection(port);
    await connection.write(head(['POST /v1/files HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', `Content-Length: ${100 * LIMIT}`]));
    await connection.untilClosed('a 413 and the connection closed, for a body declared at 1000 MiB');
    expect(connection.responses()).toHaveLength(1);
    expectTooLarge(connection.responses()[0]!);
  });

  it('a chunked body that passes the limit: 413 as it does, then the connection closes', async () => {
    const connection = rawConnection(port);
    await connection.write(head(['POST /v1/files HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked']));
    await connection.write(`${(LIMIT + 1).toString(16)}\r\n`);
    await connection.write(Buffer.alloc(LIMIT + 1, 'a'));
    await connection.until('a 413 once the chunked body passes the limit', (responses) => responses.length >= 1);
    expectTooLarge(connection.responses()[0]!);
    await connection.write(`\r\n0\r\n\r\n${tokenRequest()}`);
    await connection.untilClosed('the gateway to close the connection after its 413');
    expect(connection.responses()).toHaveLength(1);
  });

  it('Expect: 100-continue over the limit: 413 without "100 Continue", and the connection closes', async () => {
    const connection = rawConnection(port);
    await connection.write(head(['POST /v1/files HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', `Content-Length: ${LIMIT + 1}`, 'Expect: 100-continue']));
    await connection.untilClosed('a 413 and the connection closed, for a body the client holds back until told to send it');
    expect(connection.responses().map((r) => r.status)).toEqual([413]);
  });

  it('Expect: 100-continue within the limit: "100 Continue", then the answer', async () => {
    const body = JSON.stringify({ tenantId: 't', sub: 's', scopes: ['files:read'] });
    const connection = rawConnection(port);
    await connection.write(head(['POST /_dev/token HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Expect: 100-continue']));
    await connection.until('a 100 Continue', (responses) => responses.length >= 1);
    expect(connection.responses()[0]!.status).toBe(100);
    await connection.write(body);
    await connection.until('the answer to the body sent after 100 Continue', (responses) => responses.length >= 2);
    expect(connection.responses()[1]).toMatchObject({ status: 200, body: '{"token":"minted"}' });
    connection.socket.destroy();
  });

  it('a keep-alive client reads the 413 to its oversize upload, and its next request is answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const refused = await send(port, { method: 'POST', path: '/v1/files', host, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(LIMIT + 1, 'a'), agent });
      expectTooLarge(refused);
      const next = await send(port, { path: '/v1/file-types', host, headers: { authorization: 'Bearer any' }, agent });
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});

describe('the local gateway refuses a request line and headers over API Gateway limit in the error format', () => {
  it('answers 431 REQUEST_TOO_LARGE to an overlong URL, and 400 to what is not HTTP', async () => {
    const long = rawConnection(port);
    await long.write(head([`GET /v1/files?tag=${'a'.repeat(11_000)} HTTP/1.1`, `Host: ${host}`]));
    await long.untilClosed('the gateway to answer and close');
    const [answer] = long.responses();
    expect(answer?.status).toBe(431);
    expect(JSON.parse(answer?.body ?? '')).toEqual({ error: { code: 'REQUEST_TOO_LARGE', message: 'The request line and headers are limited to 10240 bytes.' } });

    const garbage = rawConnection(port);
    await garbage.write('NOT HTTP AT ALL\r\n\r\n');
    await garbage.untilClosed('the gateway to answer and close');
    expect(garbage.responses()[0]?.status).toBe(400);
    expect(JSON.parse(garbage.responses()[0]?.body ?? '').error.code).toBe('BAD_REQUEST');
  });
});
