import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from '../validation';
import { ApiError, ValidationError } from '../errors';
import type { Principal } from '../domain/model';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** A request to a route without a JWT: a share token's or a public one. */
export interface AnonymousRequest {
  event: ApiEvent;
}

export interface ApiRequest extends AnonymousRequest {
  principal: Principal;
}

export type RouteHandler = (request: ApiRequest) => Promise<ApiResult>;
export type AnonymousRouteHandler = (request: AnonymousRequest) => Promise<ApiResult>;

/**
 * The API's address as the caller reached it (custom domain or not), for links in answers. API
 * Gateway says which scheme the client used in `x-forwarded-proto`.
 */
export function apiUrlOf(request: AnonymousRequest): string {
  const proto = header(request, 'x-forwarded-proto') === 'http' ? 'http' : 'https';
  return `${proto}://${request.event.requestContext.domainName}`;
}

const MAX_BODY_BYTES = 64 * 1024;

function describeIssues(error: z.core.$ZodError, where: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? `${where}.${issue.path.join('.')}` : where}: ${issue.message}`)
    .join('; ');
}

export function parseBody<S extends z.ZodMiniType>(request: AnonymousRequest, schema: S, options: { optional?: boolean } = {}): z.infer<S> {
  const { body, isBase64Encoded } = request.event;
  const text = body === undefined ? '' : isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
  let value: unknown = undefined;
  if (text.trim() === '') {
    if (!options.optional) throw new ValidationError('A JSON request body is required.');
    value = {};
  } else {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ValidationError('The request body is not valid JSON.', 'INVALID_JSON');
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(describeIssues(result.error, 'body'));
  return result.data;
}

export function parseQuery<S extends z.ZodMiniType>(request: AnonymousRequest, schema: S): z.infer<S> {
  const result = schema.safeParse(request.event.queryStringParameters ?? {});
  if (!result.success) throw new ValidationError(describeIssues(result.error, 'query'));
  return result.data;
}

export function pathParam(request: AnonymousRequest, name: string): string {
  const value = request.event.pathParameters?.[name];
  if (!value) throw new ValidationError(`Missing path parameter ${name}.`);
  return value;
}

export function header(request: AnonymousRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const entry = Object.entries(request.event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return entry?.[1];
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export const noContent = (): ApiResult => ({ statusCode: 204 });

export const redirect = (location: string): ApiResult => ({ statusCode: 302, headers: { location, 'cache-control': 'no-store' } });

export function errorResult(error: ApiError): ApiResult {
  return json(error.status, { error: { code: error.code, message: error.message } }, error.headers);
}
