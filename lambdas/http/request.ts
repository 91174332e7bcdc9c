import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from '../validation';
import { FileportError, fileportError, headersOf, statusOf } from '../errors';
import type { Principal } from '../domain/model';
import { isWellFormed } from '../domain/text';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/**
 * A request to a route without a JWT: a share token's or a public one. `services` are what the
 * function's entry point had the composition root build (lambdas/composition.ts): a handler
 * names the kind it needs, `RouteHandler<ApiServices>`, and a test hands it fakes.
 */
export interface AnonymousRequest<S = unknown> {
  event: ApiEvent;
  services: S;
}

export interface ApiRequest<S = unknown> extends AnonymousRequest<S> {
  principal: Principal;
}

export type RouteHandler<S = unknown> = (request: ApiRequest<S>) => Promise<ApiResult>;
export type AnonymousRouteHandler<S = unknown> = (request: AnonymousRequest<S>) => Promise<ApiResult>;

/** What the helpers below read of a request: only its event. */
type RequestEvent = Pick<AnonymousRequest, 'event'>;

/**
 * The API's address as the caller reached it (custom domain or not), for links in answers. API
 * Gateway says which scheme the client used in `x-forwarded-proto`.
 */
export function apiUrlOf(request: RequestEvent): string {
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

const NOT_WELL_FORMED = 'must be well-formed Unicode (it holds a lone UTF-16 surrogate)';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The first string (key or value) in `value` that is not well-formed Unicode, as a path such as
 * `body.tags.0`. Checked on every request before any schema, so no field, present or future, can
 * let a lone surrogate reach storage, keys or URLs.
 */
function notWellFormedAt(value: unknown, where: string): string | undefined {
  if (typeof value === 'string') return isWellFormed(value) ? undefined : where;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (!isWellFormed(key)) return `${where}.<key>`;
    const found = notWellFormedAt(item, `${where}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function checkWellFormed(value: unknown, where: string): void {
  const at = notWellFormedAt(value, where);
  if (at !== undefined) throw new FileportError('VALIDATION_ERROR', `${at}: ${NOT_WELL_FORMED}.`);
}

function bodyText(request: RequestEvent): string {
  const { body, isBase64Encoded } = request.event;
  if (body === undefined) return '';
  if (!isBase64Encoded) return body;
  try {
    return utf8.decode(Buffer.from(body, 'base64'));
  } catch {
    throw new FileportError('INVALID_JSON', 'The request body is not UTF-8 text.');
  }
}

export function parseBody<S extends z.ZodMiniType>(request: RequestEvent, schema: S, options: { optional?: boolean } = {}): z.infer<S> {
  const text = bodyText(request);
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw fileportError('PAYLOAD_TOO_LARGE', { maxBytes: MAX_BODY_BYTES });
  let value: unknown = undefined;
  if (text.trim() === '') {
    if (!options.optional) throw new FileportError('VALIDATION_ERROR', 'A JSON request body is required.');
    value = {};
  } else {
    try {
      value = JSON.parse(text);
    } catch {
      throw new FileportError('INVALID_JSON', 'The request body is not valid JSON.');
    }
  }
  checkWellFormed(value, 'body');
  const result = schema.safeParse(value);
  if (!result.success) throw new FileportError('VALIDATION_ERROR', describeIssues(result.error, 'body'));
  return result.data;
}

/** A route's query parameters: an object of optional (or defaulted) fields, the only names it takes. */
export type QuerySchema = z.ZodMiniObject;

const NO_QUERY: QuerySchema = z.object({});

/** Whether a parameter may be repeated: its schema is an array (optional or defaulted). */
function takesMany(schema: z.ZodMiniType): boolean {
  let def = schema._zod.def as { type: string; innerType?: z.ZodMiniType };
  while ((def.type === 'optional' || def.type === 'default') && def.innerType) def = def.innerType._zod.def as typeof def;
  return def.type === 'array';
}

/** One name or value of a query string, decoded as a form does (`+` is a space), or undefined when its percent-encoding is not UTF-8. */
function decodeQueryText(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Every parameter of a raw query string with all its values, in order: `?a=1&a=2` is `a: ['1','2']`,
 * `?a=` and `?a` are `a: ['']`. Read from the raw string because API Gateway (payload 2.0) joins a
 * repeated parameter's values with commas in `queryStringParameters`, where `?tag=a&tag=b` and
 * `?tag=a,b` look the same.
 */
export function queryParameters(rawQueryString: string): Map<string, string[]> {
  const parameters = new Map<string, string[]>();
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeQueryText(at === -1 ? pair : pair.slice(0, at));
    if (name === undefined) throw new FileportError('VALIDATION_ERROR', 'query: a parameter name is not valid percent-encoded UTF-8.');
    if (name === '') throw new FileportError('VALIDATION_ERROR', 'query: a parameter has no name.');
    checkWellFormed(name, 'query.<name>');
    const value = decodeQueryText(at === -1 ? '' : pair.slice(at + 1));
    if (value === undefined) throw new FileportError('VALIDATION_ERROR', `query.${name}: not valid percent-encoded UTF-8.`);
    checkWellFormed(value, `query.${name}`);
    parameters.set(name, [...(parameters.get(name) ?? []), value]);
  }
  return parameters;
}

/**
 * The request's query, as strictly as a body: a parameter the route does not take, one given twice
 * (unless its schema is an array) or one without a value is refused, naming it, before the values
 * are validated. Every route's query is checked (lambdas/http/api-group.ts), a route declaring none
 * takes none.
 */
export function parseQuery<S extends QuerySchema>(request: RequestEvent, schema: S = NO_QUERY as S): z.infer<S> {
  const shape = schema.shape as Record<string, z.ZodMiniType>;
  const problems: string[] = [];
  const query: Record<string, string | string[]> = {};
  for (const [name, values] of queryParameters(request.event.rawQueryString ?? '')) {
    const field = Object.hasOwn(shape, name) ? shape[name] : undefined;
    if (!field) {
      const taken = Object.keys(shape);
      problems.push(`query.${name}: unknown parameter (${taken.length === 0 ? 'this route takes none' : `this route takes ${taken.join(', ')}`})`);
    } else if (values.includes('')) problems.push(`query.${name}: has no value (leave the parameter out instead)`);
    else if (takesMany(field)) query[name] = values;
    else if (values.length > 1) problems.push(`query.${name}: given ${values.length} times (give it at most once)`);
    else query[name] = values[0]!;
  }
  if (problems.length > 0) throw new FileportError('VALIDATION_ERROR', `${problems.slice(0, 5).join('; ')}.`);
  const result = schema.safeParse(query);
  if (!result.success) throw new FileportError('VALIDATION_ERROR', describeIssues(result.error, 'query'));
  return result.data;
}

export function pathParam(request: RequestEvent, name: string): string {
  const value = request.event.pathParameters?.[name];
  if (!value) throw new FileportError('VALIDATION_ERROR', `Missing path parameter ${name}.`);
  if (!isWellFormed(value)) throw new FileportError('VALIDATION_ERROR', `path.${name}: ${NOT_WELL_FORMED}.`);
  return value;
}

export function header(request: RequestEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const entry = Object.entries(request.event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return entry?.[1];
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export const noContent = (): ApiResult => ({ statusCode: 204 });

export const redirect = (location: string): ApiResult => ({ statusCode: 302, headers: { location, 'cache-control': 'no-store' } });

/** The answer to an error of the catalogue: its code's status and headers, and the `{"error":{"code","message"}}` body. */
export function errorResult(error: FileportError): ApiResult {
  return json(statusOf(error.code), { error: { code: error.code, message: error.message } }, headersOf(error));
}
