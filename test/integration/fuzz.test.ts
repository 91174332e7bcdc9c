import fc from 'fast-check';
import { routes } from '../../lambdas/routes';
import { Api } from './support/api';
import { responseMismatch } from './support/openapi-responses';
import { useStack } from './support/local-stack';

jest.setTimeout(900_000);

const local = useStack();
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
// A fixed seed keeps `npm test` reproducible; FUZZ_SEED=random explores new cases.
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261123);

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Text that includes unicode, control characters and URL-special characters. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../..', '%', '%00', '%E0%A4%A', '\u0000', '\u202e', '💥', 'null', '[]', '{}', '*', 'a'.repeat(3000)),
);

const pathSegment = (ids: string[]) =>
  fc.oneof(fc.constantFrom(...ids, '00000000-0000-0000-0000-000000000000', 'pdf', 'small', 'medium'), nasty.map((s) => encodeURIComponent(s)));

const jsonBody = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.record({ name: fc.oneof(nasty, fc.integer(), fc.constant(null)), fileTypeId: fc.oneof(fc.constantFrom('pdf', 'jpeg', 'exe'), nasty), tags: fc.oneof(fc.array(nasty, { maxLength: 60 }), nasty) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ size: fc.oneof(fc.integer(), fc.double(), nasty), links: fc.array(fc.record({ type: nasty, id: fc.oneof(nasty, fc.integer()) }), { maxLength: 55 }) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.constantFrom('{', '{"name":', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', 'not json', '\u0000', JSON.stringify({ nested: JSON.parse('['.repeat(500) + ']'.repeat(500)) })),
  fc.constant(JSON.stringify({ name: 'x'.repeat(200_000), fileTypeId: 'pdf' })),
);

function requestArbitrary(ids: string[], token: string): fc.Arbitrary<FuzzRequest> {
  const templated = fc.constantFrom(...routes.map((r) => r.path)).chain((template) =>
    fc.tuple(...template.split('/').map((part) => (part.startsWith('{') ? pathSegment(ids) : fc.constant(part)))).map((parts) => parts.join('/')),
  );
  const randomPath = fc.array(pathSegment(ids), { maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
  const query = fc
    .array(fc.tuple(fc.constantFrom('limit', 'cursor', 'tag', 'externalId', 'link', 'wait', 'redirect', 'disposition', 'x'), fc.oneof(nasty, fc.integer().map(String))), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : ''));
  const headerValue = fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
  return fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
    path: fc.oneof({ weight: 4, arbitrary: templated }, { weight: 1, arbitrary: randomPath }),
    query,
    headers: fc.record(
      {
        authorization: fc.oneof({ weight: 6, arbitrary: fc.constant(`Bearer ${token}`) }, { weight: 1, arbitrary: headerValue }, { weight: 1, arbitrary: fc.constant(`Bearer ${token.slice(0, -2)}xx`) }),
        'content-type': fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data'),
        'if-match': headerValue,
      },
      { requiredKeys: [] },
    ),
    body: fc.option(jsonBody, { nil: undefined }),
  });
}

describe('fuzzing the API', () => {
  it(`answers ${RUNS} generated requests without a 5xx, every error in the error format (seed ${SEED})`, async () => {
    const api = local.api();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api.call('POST', '/v1/files', { body: { name: `f${i}.pdf`, fileTypeId: 'pdf', tags: ['t'] } })).body.id);
    const token = local.stack().token;
    let sent = 0;

    await fc.assert(
      fc.asyncProperty(requestArbitrary(ids, token), async (request) => {
        const response = await fetch(`${local.stack().apiUrl}${request.path}${request.query}`, {
          method: request.method,
          headers: request.headers,
          body: request.method === 'GET' ? undefined : request.body,
          redirect: 'manual',
        });
        sent++;
        const text = await response.text();
        if (response.status >= 500) throw new Error(`${response.status} for ${request.method} ${request.path}${request.query}: ${text}`);
        let body: unknown = text;
        if (response.status >= 400) {
          body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          const { error } = body as { error?: { code?: unknown; message?: unknown } };
          if (typeof error?.code !== 'string' || typeof error.message !== 'string') throw new Error(`Not the error format: ${text}`);
        } else if ((response.headers.get('content-type') ?? '').includes('application/json')) {
          body = JSON.parse(text);
        }
        // Whatever a route answers to garbage, the OpenAPI document must say it can.
        const mismatch = responseMismatch(request.method, `${request.path}${request.query}`, response.status, response.headers.get('content-type') ?? '', body);
        if (mismatch) throw new Error(`${request.method} ${request.path}${request.query}: ${mismatch}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(sent).toBe(RUNS);

    // Still answering correctly afterwards.
    const after = new Api(local.stack().apiUrl, token);
    expect((await after.call('GET', '/v1/file-types/pdf')).status).toBe(200);
    const created = await after.call('POST', '/v1/files', { body: { name: 'after.txt', fileTypeId: 'txt' } });
    expect(created.status).toBe(201);
    expect((await after.call('GET', `/v1/files/${created.body.id}`)).body.name).toBe('after.txt');
  });
});
