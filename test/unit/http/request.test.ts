import * as z from '../../../lambdas/validation';
import { FileportError } from '../../../lambdas/errors';
import { parseBody, parseQuery, pathParam, queryParameters } from '../../../lambdas/http/request';
import { principalOf } from '../../../lambdas/http/principal';
import { apiEvent } from '../support/api-event';

const anything = z.unknown();
const request = (options: Parameters<typeof apiEvent>[1]) => ({ event: apiEvent('POST /v1/files', options) });

/** The error `run` throws, as status, code and message. */
function errorOf(run: () => unknown): { status: number; code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof FileportError) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('nothing was thrown');
}

describe('text entering the API must be well-formed Unicode', () => {
  it.each([
    ['a value', '{"name":"x\\udc00y"}', 'body.name'],
    ['a high surrogate at the end', '{"name":"x\\ud800"}', 'body.name'],
    ['an array item', '{"tags":["ok","\\udfff"]}', 'body.tags.1'],
    ['a nested value', '{"links":[{"type":"a","id":"\\ud83d"}]}', 'body.links.0.id'],
    ['a key', '{"\\udc00":1}', 'body.<key>'],
    ['a whole-string body', '"\\udc00"', 'body'],
  ])('refuses a lone surrogate in %s, naming where', (_, body, where) => {
    expect(errorOf(() => parseBody(request({ body }), anything))).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
      message: `${where}: must be well-formed Unicode (it holds a lone UTF-16 surrogate).`,
    });
  });

  it('takes surrogate pairs, combining marks and every script', () => {
    const value = { name: '𝄞 e\u0301 漢字 עברית 🇫🇷', tags: ['\ud83d\ude00'] };
    expect(parseBody(request({ body: JSON.stringify(value) }), anything)).toEqual(value);
  });

  it('refuses a base64 body that is not UTF-8 instead of replacing the bytes', () => {
    const event = { ...apiEvent('POST /v1/files', {}), body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64'), isBase64Encoded: true };
    expect(errorOf(() => parseBody({ event }, anything))).toMatchObject({ status: 400, code: 'INVALID_JSON' });
  });

  it('refuses a lone surrogate in a query parameter and in a path parameter', () => {
    expect(errorOf(() => parseQuery(request({ query: { tag: 'a\udc00' } }), z.object({ tag: z.optional(z.string()) })))).toMatchObject({ status: 400, message: expect.stringContaining('query.tag') });
    expect(errorOf(() => pathParam(request({ pathParameters: { token: 'fps_\ud800' } }), 'token'))).toMatchObject({ status: 400, message: expect.stringContaining('path.token') });
  });

  it('refuses tenant and user ids storage cannot hold, and takes long non-Latin ones', () => {
    const principal = (claims: Record<string, string>) => () => principalOf(apiEvent('GET /v1/files', { claims: { scope: 'files:read', ...claims } }), 'tenant_id');
    expect(errorOf(principal({ sub: 'u', tenant_id: 't\udc00' }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(errorOf(principal({ sub: 'u', tenant_id: 't'.repeat(257) }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(errorOf(principal({ sub: '\ud800', tenant_id: 't' }))).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(principal({ sub: '字'.repeat(256), tenant_id: '漢'.repeat(256) })()).toMatchObject({ userId: '字'.repeat(256), tenantId: '漢'.repeat(256) });
  });
});

describe('query strings are read as strictly as bodies', () => {
  const listQuery = z.object({ limit: z.optional(z.coerce.number()), name: z.optional(z.string()), tag: z.optional(z.array(z.string())) });
  /** A request whose raw query string is `raw`, as API Gateway passes it (payload 2.0). */
  const withQuery = (raw: string) => ({ event: { ...apiEvent('GET /v1/files'), rawQueryString: raw } });

  it('refuses a parameter the route does not take, naming it and what the route takes', () => {
    expect(errorOf(() => parseQuery(withQuery('rql=eq(name,x)&limit=5'), listQuery))).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
      message: 'query.rql: unknown parameter (this route takes limit, name, tag).',
    });
    expect(errorOf(() => parseQuery(withQuery('debug=1'), z.object({})))).toMatchObject({ status: 400, message: 'query.debug: unknown parameter (this route takes none).' });
    // Without a schema: the route declares no query, and takes none.
    expect(errorOf(() => parseQuery(withQuery('x=1')))).toMatchObject({ status: 400, message: expect.stringContaining('query.x: unknown parameter') });
  });

  it('refuses a parameter given twice, unless its schema is an array', () => {
    expect(errorOf(() => parseQuery(withQuery('name=a&limit=1&name=b'), listQuery))).toMatchObject({ status: 400, message: 'query.name: given 2 times (give it at most once).' });
    expect(parseQuery(withQuery('tag=a&tag=b&tag=a'), listQuery)).toEqual({ tag: ['a', 'b', 'a'] });
    expect(parseQuery(withQuery('tag=a'), listQuery)).toEqual({ tag: ['a'] });
  });

  it('reads repeats from the raw query string, not from queryStringParameters where API Gateway joins them with commas', () => {
    const joined = { event: { ...apiEvent('GET /v1/files'), rawQueryString: 'name=a&name=b', queryStringParameters: { name: 'a,b' } } };
    expect(errorOf(() => parseQuery(joined, listQuery))).toMatchObject({ status: 400, message: expect.stringContaining('query.name: given 2 times') });
    // A comma inside one value is that value.
    expect(parseQuery(withQuery('name=a%2Cb&tag=x,y'), listQuery)).toEqual({ name: 'a,b', tag: ['x,y'] });
  });

  it('refuses a parameter without a value, with or without `=`', () => {
    for (const raw of ['name=', 'name', 'limit=&name=x', 'tag=a&tag=']) {
      expect(errorOf(() => parseQuery(withQuery(raw), listQuery))).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', message: expect.stringMatching(/^query\.(name|limit|tag): has no value/) });
    }
  });

  it('decodes names and values as a form does, and skips empty pairs', () => {
    expect(queryParameters('&na%6De=x%20y+z%2B&&tag=%E6%BC%A2%F0%9F%98%80&')).toEqual(
      new Map([
        ['name', ['x y z+']],
        ['tag', ['漢😀']],
      ]),
    );
    expect(queryParameters('')).toEqual(new Map());
    expect(parseQuery(withQuery(''), listQuery)).toEqual({});
  });

  it('refuses percent-encoding that is not UTF-8 instead of replacing it', () => {
    expect(errorOf(() => parseQuery(withQuery('name=%zz'), listQuery))).toMatchObject({ status: 400, message: 'query.name: not valid percent-encoded UTF-8.' });
    // A lone surrogate, encoded as UTF-8 bytes: not UTF-8.
    expect(errorOf(() => parseQuery(withQuery('name=%ED%B0%80'), listQuery))).toMatchObject({ status: 400, message: 'query.name: not valid percent-encoded UTF-8.' });
    expect(errorOf(() => parseQuery(withQuery('%FF=1'), listQuery))).toMatchObject({ status: 400, message: 'query: a parameter name is not valid percent-encoded UTF-8.' });
    expect(errorOf(() => parseQuery(withQuery('=1'), listQuery))).toMatchObject({ status: 400, message: 'query: a parameter has no name.' });
  });

  it('names every problem at once, and takes no name from the object prototype', () => {
    expect(errorOf(() => parseQuery(withQuery('__proto__=x&constructor=y&limit=1&limit=2'), listQuery)).message).toBe(
      'query.__proto__: unknown parameter (this route takes limit, name, tag); query.constructor: unknown parameter (this route takes limit, name, tag); query.limit: given 2 times (give it at most once).',
    );
  });

  it('validates the values once the names are right', () => {
    expect(errorOf(() => parseQuery(withQuery('limit=abc'), listQuery))).toMatchObject({ status: 400, message: expect.stringContaining('query.limit') });
    expect(parseQuery(withQuery('limit=5&name=a+b'), listQuery)).toEqual({ limit: 5, name: 'a b' });
  });
});
