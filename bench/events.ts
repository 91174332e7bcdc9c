import type { ApiEvent } from '../lambdas/http/request';
import { matchRoute, toEvent } from '../local/gateway';

/** Who calls: a member's JWT and the claims the gateway verified in it; none for anonymous routes. */
export interface Caller {
  jwt: string;
  claims: Record<string, string>;
}

/**
 * The event the local gateway hands a route group's Lambda for this request. Built outside the
 * timing: deployed, API Gateway and the Lambda runtime build it.
 */
export function gatewayEvent(method: string, path: string, caller?: Caller, body?: unknown): ApiEvent {
  const url = new URL(`http://127.0.0.1${path}`);
  const found = matchRoute(method, url.pathname);
  if (!found) throw new Error(`No route ${method} ${path}`);
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string[]> = { host: ['127.0.0.1'], 'user-agent': ['fileport-bench'] };
  if (caller) headers.authorization = [`Bearer ${caller.jwt}`];
  if (body !== undefined) headers['content-type'] = ['application/json'];
  return toEvent({ url, headers, httpVersion: '1.1', sourceIp: '127.0.0.1', body: bytes }, found.route, found.params, caller?.claims);
}
