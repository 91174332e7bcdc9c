import type { ApiEvent } from '../../../lambdas/http/request';
import { isWellFormed } from '../../../lambdas/domain/text';

/**
 * The raw query string API Gateway would pass for these parameters. Text no client could
 * percent-encode (a lone surrogate) stays as it is, as it would reach the event's JSON.
 */
const rawQueryOf = (query: Record<string, string> | undefined): string =>
  Object.entries(query ?? {})
    .map((pair) => pair.map((text) => (isWellFormed(text) ? encodeURIComponent(text) : text)).join('='))
    .join('&');

/** An API Gateway v2 event as the JWT authorizer hands it over, for calling a route group directly. */
export function apiEvent(routeKey: string, options: { claims?: Record<string, string> | null; pathParameters?: Record<string, string>; query?: Record<string, string>; body?: string; headers?: Record<string, string> } = {}): ApiEvent {
  const [method, path] = routeKey.split(' ') as [string, string];
  const claims = options.claims === undefined ? { sub: 'u1', tenant_id: 't1', scope: 'files:read files:write' } : options.claims;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: rawQueryOf(options.query),
    headers: options.headers ?? {},
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    body: options.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '1',
      apiId: 'a',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: claims ?? {}, scopes: [] } },
      domainName: 'x',
      domainPrefix: 'x',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'api-request-1',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  } as ApiEvent;
}

export const lambdaContext = { awsRequestId: 'req-1' } as never;
