import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { ErrorCode, GatewayErrorCode } from '../lambdas/errors';
import type { ApiEvent, ApiResult } from '../lambdas/http/request';
import { anonymousRouteThrottle, isMemberRoute, routeKey, routes, type Route, type RouteGroup } from '../lambdas/routes';
import { scopes } from '../lambdas/domain/model';
import type { DevAuth } from './dev-auth';
import { allowedHostsOf } from './hosts';

export type ApiLambda = (event: ApiEvent, context: Context) => Promise<ApiResult>;

export interface GatewayOptions {
  port: number;
  auth: DevAuth;
  tenantClaim: string;
  lambdas: Record<RouteGroup, ApiLambda>;
  /** Local-only test hooks under `/_dev/`, by path: the S3 events, the queues, fault injection. */
  devRoutes?: Record<string, DevRoute>;
  /**
   * Browser origins other than the gateway's own that may call it, as the deployed API's
   * `corsPreflight` allows `fileport:corsOrigins` (lib/api.ts).
   */
  corsOrigins?: string[];
  /** Local-only static assets by path (`GET` only), such as the upload page: never API routes. */
  assets?: Record<string, Asset>;
  /**
   * Host header values answered besides the loopback names with the gateway's own port, exactly as
   * clients send them (`name` or `name:port`, lower case): see `FILEPORT_LOCAL_ALLOWED_HOSTS`.
   */
  allowedHosts?: string[];
}

/** A static asset the gateway serves; built on demand, so a failed build answers 500 and can be retried. */
export type Asset = () => Promise<{ contentType: string; body: string | Buffer }>;

/** Answers one `/_dev/` path; `undefined` for a method it does not serve (405). */
export type DevRoute = (request: { method: string; query: URLSearchParams; body: Buffer }) => Promise<DevResponse | undefined> | DevResponse | undefined;
export type DevResponse = { status: number; body: unknown };

/** A dev route's answer to bad input, in the API's error format. */
export const devError = (status: number, code: string, message: string): DevResponse => ({ status, body: { error: { code, message } } });

/** A dev route's JSON body, or the 400 to answer. */
export function devJson(body: Buffer): { value: unknown } | { error: DevResponse } {
  try {
    return { value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { error: devError(400, 'INVALID_JSON', 'The request body is not valid JSON.') };
  }
}

/** API Gateway's limit on the request line and headers together (HTTP API quotas). */
const MAX_REQUEST_LINE_AND_HEADER_BYTES = 10_240;

/** API Gateway's own payload limit. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/**
 * After a refusal, how much more of the body is read and dropped, and for how long, before the
 * connection closes: a client still sending then reads the answer rather than a connection reset.
 */
const DRAIN_BYTES = 2 * MAX_REQUEST_BYTES;
const DRAIN_MS = 5_000;

const compiled = routes.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
}));

/** The route and decoded path parameters a method and path select, as API Gateway matches them. */
export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const { route, pattern } of compiled) {
    if (route.method !== method) continue;
    const found = pattern.exec(path);
    if (found) {
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(found.groups ?? {})) {
        try {
          params[name] = decodeURIComponent(value);
        } catch {
          return undefined;
        }
      }
      return { route, params };
    }
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** `METHOD_NOT_ALLOWED`: only the `/_dev` routes answer it; they are the local stack's, not the API's. */
const sendError = (res: ServerResponse, status: number, code: ErrorCode | GatewayErrorCode | 'METHOD_NOT_ALLOWED', message: string, headers: Record<string, string> = {}) =>
  sendJson(res, status, { error: { code, message } }, headers);

/**
 * The body, or `too-large` as soon as it passes the limit; the rest is left unread (see `refuse`).
 * Listeners rather than an async iterator: leaving one early would destroy the request.
 */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) return void chunks.push(chunk);
      done();
      req.pause();
      resolve('too-large');
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => onError(new Error('The client closed the connection before the end of the request body.'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Answers a request whose body is not read (too large, or not for this gateway) and closes the
 * connection, as API Gateway does: the unread body can never be taken for the next request, and a
 * client reusing the connection finds it closed and opens another. The client may still be sending,
 * so the rest of the body is read and dropped, bounded, before the close: closing on unread data
 * resets the connection, and a reset can cost the client the answer.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: ErrorCode | GatewayErrorCode, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  // Written but not ended: with `Connection: close`, ending the response closes the socket.
  res.write(body);
  const declared = Number(req.headers['content-length']);
  let left = DRAIN_BYTES;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    req.off('data', onData).off('end', close).off('close', close);
    req.pause();
    res.end();
  };
  const onData = (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) close();
  };
  const timer = setTimeout(close, DRAIN_MS);
  // Whatever the client does meanwhile, a closed connection is all there is left to say.
  req.on('error', () => undefined);
  // A client that asked to be told before sending (`Expect: 100-continue`) and was not sends nothing more.
  if (req.readableEnded || declared > DRAIN_BYTES || req.headers.expect !== undefined) return close();
  req.on('data', onData).once('end', close).once('close', close);
  req.resume();
}


/** Claims as API Gateway passes them to a Lambda: every value a string, arrays as `[a b]`. */
export function gatewayClaims(payload: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

function joinMulti(entries: Iterable<[string, string]>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of entries) out[k] = k in out ? `${out[k]},${v}` : v;
  return Object.keys(out).length > 0 ? out : undefined;
}

const TEXT_TYPES = /^(application\/(json|xml|x-www-form-urlencoded)|text\/)/;

/** What the gateway reads of an HTTP request to build the event; `npm run bench` builds one without a socket. */
export interface GatewayRequest {
  url: URL;
  /** Lower-case names, every value in order, as `IncomingMessage.headersDistinct` has them. */
  headers: Record<string, string[] | undefined>;
  httpVersion: string;
  sourceIp: string;
  body: Buffer;
}

/**
 * The API Gateway HTTP API (payload 2.0) event a route hands its Lambda: with the JWT's claims, or
 * (`claims` undefined) without an authorizer, as for share-token and public routes.
 */
export function toEvent(request: GatewayRequest, route: Route, params: Record<string, string>, claims: Record<string, string> | undefined): ApiEvent {
  const { url, body } = request;
  const headers = joinMulti(Object.entries(request.headers).flatMap(([k, vs]) => (vs ?? []).map((v) => [k, v] as [string, string]))) ?? {};
  // As API Gateway adds them: how the client reached the API, and from where.
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-for'] = request.sourceIp;
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: joinMulti(url.searchParams.entries()),
    pathParameters: params,
    body: body.length === 0 ? undefined : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !isText,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      // Routes without a JWT get no authorizer context at all, as on API Gateway.
      authorizer: (claims ? { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } } : undefined) as ApiEvent['requestContext']['authorizer'],
      domainName: request.headers.host?.[0] ?? url.host,
      domainPrefix: url.hostname.split('.')[0] ?? '',
      http: { method: route.method, path: url.pathname, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.sourceIp, userAgent: request.headers['user-agent']?.[0] ?? '' },
      requestId: randomUUID(),
      routeKey: routeKey(route),
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

/** The context a Lambda invocation gets, as far as Fileport's handlers read it. */
export function lambdaContext(name: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function sendResult(res: ServerResponse, result: ApiResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
}

/**
 * API Gateway's throttling of a route, as a token bucket per route key: `burstLimit` requests at
 * once, refilled at `rateLimit` per second. The deployed stage sets the same on the same routes.
 */
export class RouteThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly limit: { rateLimit: number; burstLimit: number },
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burstLimit, at: now };
    bucket.tokens = Math.min(this.limit.burstLimit, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.rateLimit);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** API Gateway's CORS: the methods the route table uses, the headers lib/api.ts allows. */
const CORS_METHODS = [...new Set(routes.map((route) => route.method))].join(',');
const CORS_HEADERS = 'authorization,content-type,if-match';

/**
 * CORS as API Gateway's `corsPreflight` answers it: a preflight from an allowed origin gets 204
 * with the allowed methods and headers (from any other origin, 204 without them, so the browser
 * refuses); every other response to an allowed origin carries it in Access-Control-Allow-Origin.
 * True when the request was a preflight and has been answered.
 */
function applyCors(req: IncomingMessage, res: ServerResponse, origins: ReadonlySet<string>): boolean {
  if (origins.size === 0) return false;
  const origin = req.headers.origin;
  const allowed = origin !== undefined && origins.has(origin);
  // On every answer, allowed or not: a browser must not reuse a cached answer fetched without
  // Origin (same-origin, say /v1/file-types with max-age) for another origin's request.
  res.setHeader('vary', 'origin');
  if (allowed) res.setHeader('access-control-allow-origin', origin);
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  if (allowed) {
    res.setHeader('access-control-allow-methods', CORS_METHODS);
    res.setHeader('access-control-allow-headers', CORS_HEADERS);
    res.setHeader('access-control-max-age', '3600');
  }
  res.writeHead(204);
  res.end();
  return true;
}

const devTokenBody = z.strictObject({
  tenantId: z.string().min(1).max(128),
  sub: z.string().min(1).max(128),
  scopes: z.array(z.enum(scopes)).max(10),
});

/**
 * The local HTTP gateway: routes with the same route table as the deployed HTTP API, verifies the
 * bearer token as the JWT authorizer would, and invokes the route group's real Lambda handler with
 * an API Gateway v2 event. `POST /_dev/token` and the `/_dev/` hooks exist here only.
 */
export async function startGateway(options: GatewayOptions): Promise<{ url: string; stop(): Promise<void> }> {
  const throttle = new RouteThrottle(anonymousRouteThrottle);
  const corsOrigins = new Set(options.corsOrigins ?? []);
  // Known once listening (the port may be picked then); until then nothing is answered.
  let allowedHosts: ReadonlySet<string> = new Set();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Before anything else, on every path: a page whose own host name resolves to 127.0.0.1 (DNS
    // rebinding) reaches this port as a same-origin page would, with its host name in Host. Only
    // the gateway's own names are answered, so such a page can neither read the API nor mint a
    // token at /_dev/token, and no other name is reflected into links (domainName, publicUrl).
    const hosts = req.headersDistinct.host ?? [];
    const host = hosts[0]?.toLowerCase();
    if (hosts.length !== 1 || host === undefined || !allowedHosts.has(host)) {
      const named = hosts.length === 0 ? 'A request without a Host header' : `The host ${JSON.stringify(hosts.join(', '))}`;
      // Not listing the configured names: the page refused (same-origin with itself) reads this.
      const message = `${named} is not served here: this local stack answers 127.0.0.1, localhost and [::1] on its own port, and the hosts in FILEPORT_LOCAL_ALLOWED_HOSTS.`;
      return refuse(req, res, 421, 'HOST_NOT_ALLOWED', message);
    }
    // Said before any of the body is read, as API Gateway does: the client need not send it all.
    if (Number(req.headers['content-length']) > MAX_REQUEST_BYTES) return refuse(req, res, 413, 'PAYLOAD_TOO_LARGE', `Requests are limited to ${MAX_REQUEST_BYTES} bytes.`);
    // Held back until here (server.on('checkContinue')): a client that asked sends its body only now.
    if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
    if (applyCors(req, res, corsOrigins)) return;
    let url: URL;
    try {
      // Concatenated, not resolved: a path such as `//x` is a path here, not a host.
      url = new URL(`http://127.0.0.1${req.url ?? '/'}`);
    } catch {
      return sendError(res, 400, 'BAD_REQUEST', 'The request target is not a valid URL.');
    }
    const body = await readBody(req);
    if (body === 'too-large') return refuse(req, res, 413, 'PAYLOAD_TOO_LARGE', `Requests are limited to ${MAX_REQUEST_BYTES} bytes.`);

    if (req.method === 'POST' && url.pathname === '/_dev/token') {
      let input: unknown;
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        return sendError(res, 400, 'INVALID_JSON', 'The request body is not valid JSON.');
      }
      const parsed = devTokenBody.safeParse(input);
      if (!parsed.success) return sendError(res, 400, 'VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      return sendJson(res, 200, { token: await options.auth.issue(parsed.data, options.tenantClaim) });
    }

    const asset = options.assets?.[url.pathname];
    if (asset && (req.method === 'GET' || req.method === 'HEAD')) {
      const { contentType, body: content } = await asset();
      // Built for this run of the stack: never cached past it.
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : content);
      return;
    }

    const devRoute = options.devRoutes?.[url.pathname];
    if (devRoute) {
      const answer = await devRoute({ method: req.method ?? '', query: url.searchParams, body });
      if (!answer) return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not served on ${url.pathname}.`);
      return sendJson(res, answer.status, answer.body);
    }

    const found = matchRoute(req.method ?? '', url.pathname);
    if (!found) return sendError(res, 404, 'ROUTE_NOT_FOUND', `No route ${req.method} ${url.pathname}.`);
    const eventOf = (claims: Record<string, string> | undefined) =>
      toEvent({ url, headers: req.headersDistinct, httpVersion: req.httpVersion, sourceIp: req.socket.remoteAddress ?? '', body }, found.route, found.params, claims);
    const invoke = async (event: ApiEvent) => {
      const result = await options.lambdas[found.route.group](event, lambdaContext(`fileport-${found.route.group}`));
      // API Gateway names its request id in every answer (the Lambda's x-request-id is the same id).
      sendResult(res, { ...result, headers: { ...result.headers, 'apigw-requestid': event.requestContext.requestId } });
    };

    if (!isMemberRoute(found.route)) {
      if (!throttle.take(routeKey(found.route))) return sendError(res, 429, 'THROTTLED', 'Too many requests on this route; slow down.');
      return invoke(eventOf(undefined));
    }

    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) return sendError(res, 401, 'UNAUTHORIZED', 'A bearer token is required.', { 'www-authenticate': 'Bearer' });
    let claims: Record<string, string>;
    try {
      claims = gatewayClaims(await options.auth.verify(bearer));
    } catch {
      return sendError(res, 401, 'UNAUTHORIZED', 'The bearer token is invalid or expired.', { 'www-authenticate': 'Bearer error="invalid_token"' });
    }

    return invoke(eventOf(claims));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      // The Lambda itself failed (not an error response): API Gateway answers 500 too.
      console.error(error);
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_ERROR', 'The integration failed.');
      else res.end();
    });
  };
  const server = createServer({ maxHeaderSize: MAX_REQUEST_LINE_AND_HEADER_BYTES }, onRequest);
  // A request Node cannot parse (a request line and headers over the limit, or not HTTP) is
  // answered in the API's error format rather than Node's bare status, then the connection closes.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      error: tooLarge
        ? { code: 'REQUEST_TOO_LARGE' satisfies GatewayErrorCode, message: `The request line and headers are limited to ${MAX_REQUEST_LINE_AND_HEADER_BYTES} bytes.` }
        : { code: 'BAD_REQUEST' satisfies GatewayErrorCode, message: 'The request is not valid HTTP.' },
    });
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  // `Expect: 100-continue` (curl's way with large bodies) is answered by `handle`, after its checks.
  server.on('checkContinue', onRequest);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = allowedHostsOf(port, options.allowedHosts);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
