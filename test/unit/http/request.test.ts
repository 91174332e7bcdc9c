import * as z from '../../../lambdas/validation';
import { FileportError } from '../../../lambdas/errors';
import { parseBody, parseQuery, pathParam } from '../../../lambdas/http/request';
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
    expect(errorOf(() => parseQuery(request({ query: { tag: 'a\udc00' } }), anything))).toMatchObject({ status: 400, message: expect.stringContaining('query.tag') });
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
