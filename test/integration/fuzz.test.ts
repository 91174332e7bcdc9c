import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { routes } from '../../lambdas/routes';
import { Api, type ApiResponse } from './support/api';
import { fileBody, hostileNumber, hostileText, mutated, SEED } from './support/hostile';
import { responseMismatch } from './support/openapi-responses';
import { makePdf, useStack } from './support/local-stack';

jest.setTimeout(900_000);

const local = useStack();
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
/** The invariants are checked this often, and once more at the end. */
const CHECK_EVERY = 1000;

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** What the fuzzer knows of the world it attacks: real ids, tokens, cursors and upload ids of two tenants. */
interface World {
  ownIds: string[];
  otherIds: string[];
  shareTokens: string[];
  tokenIds: string[];
  uploadIds: string[];
  cursors: string[];
  bearer: string;
  otherBearer: string;
  readOnlyBearer: string;
}

const nasty = hostileText;
/**
 * Text as a URL carries it (a lone surrogate cannot be percent-encoded in UTF-8), cut to 1,000
 * characters: API Gateway refuses a request line over 10,240 bytes before any route runs.
 */
const urlText = (value: string) => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd')).slice(0, 1000).replace(/%[0-9A-F]?$/, '');
const encoded = (arbitrary: fc.Arbitrary<string>) => arbitrary.map(urlText);
const anyOf = (values: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...values) }, { weight: 2, arbitrary: fc.constantFrom(...values).chain(mutated) });

/** A path parameter by its name: real values (of both tenants), altered ones, and garbage. */
function param(name: string, world: World): fc.Arbitrary<string> {
  const garbage = encoded(nasty);
  switch (name) {
    case 'id':
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...world.ownIds, ...world.otherIds, '00000000-0000-0000-0000-000000000000') }, { weight: 1, arbitrary: garbage });
    case 'uploadId':
      return fc.oneof({ weight: 4, arbitrary: anyOf(world.uploadIds) }, { weight: 1, arbitrary: garbage });
    case 'token':
      return fc.oneof({ weight: 4, arbitrary: anyOf(world.shareTokens) }, { weight: 1, arbitrary: garbage });
    case 'tokenId':
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...world.tokenIds) }, { weight: 1, arbitrary: garbage });
    case 'size':
      return fc.oneof(fc.constantFrom('small', 'medium', 'large', 'SMALL'), garbage);
    default:
      return garbage;
  }
}


const QUERY_KEYS = ['limit', 'cursor', 'tag', 'externalId', 'link', 'name', 'fileTypeId', 'status', 'createdBy', 'createdAfter', 'createdBefore', 'redirect', 'disposition', 'version', 'x'];

function queryArbitrary(world: World): fc.Arbitrary<string> {
  const value = (key: string) =>
    key === 'cursor'
      ? fc.oneof(anyOf(world.cursors), nasty)
      : fc.oneof(nasty, hostileNumber.map(String), fc.constantFrom('pdf', 'ready', 'true', 'inline', '2026-01-01T00:00:00Z', 't:1'));
  // Keys may repeat: `?tag=a&tag=b` must never be read as something it is not.
  return fc
    .array(fc.constantFrom(...QUERY_KEYS).chain((key) => value(key).map((v) => [key, v] as const)), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${urlText(v)}`).join('&')}` : ''));
}

/** Bodies shaped like each route's, with every field hostile, and garbage. */
const jsonBody = fc.oneof(
  { weight: 4, arbitrary: fileBody.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  {
    weight: 2,
    arbitrary: fc
      .record(
        {
          size: hostileNumber,
          partSize: hostileNumber,
          checksumSha256: fc.oneof(nasty, fc.constant('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')),
          partChecksums: fc.boolean(),
          parts: fc.array(fc.record({ partNumber: hostileNumber, etag: nasty, checksumSha256: nasty }, { requiredKeys: [] }), { maxLength: 3 }),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  },
  {
    weight: 1,
    arbitrary: fc
      .record(
        { disableForceDownloadForMimeTypes: fc.array(nasty, { maxLength: 3 }), maxFileSize: hostileNumber, downloadUrlTtlSeconds: hostileNumber, uploadUrlTtlSeconds: hostileNumber, accessLevel: fc.constantFrom('read', 'full', 'admin'), expiresAt: nasty },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"name":', '[[[[[[[[[[[[[[[[[[[[', 'not json', '\u0000', JSON.stringify({ nested: JSON.parse('['.repeat(500) + ']'.repeat(500)) }), JSON.stringify({ name: 'x'.repeat(200_000), fileTypeId: 'pdf' })) },
);

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function requestArbitrary(world: World): fc.Arbitrary<FuzzRequest> {
  // Mostly a route's own method, so each route's handler (not only the router) meets the garbage.
  const templated = fc.constantFrom(...routes).chain((route) =>
    fc.record({
      method: fc.oneof({ weight: 5, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      path: fc.tuple(...route.path.split('/').map((part) => (part.startsWith('{') ? param(part.slice(1, -1), world) : fc.constant(part)))).map((parts) => parts.join('/')),
    }),
  );
  const randomPath = fc.record({ method: fc.constantFrom(...METHODS), path: fc.array(param('', world), { maxLength: 5 }).map((parts) => `/${parts.join('/')}`) });
  const headerValue = fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
  return fc.record({
    target: fc.oneof({ weight: 6, arbitrary: templated }, { weight: 1, arbitrary: randomPath }),
    query: queryArbitrary(world),
    headers: fc.record(
      {
        authorization: fc.oneof(
          { weight: 6, arbitrary: fc.constant(`Bearer ${world.bearer}`) },
          { weight: 2, arbitrary: fc.constantFrom(`Bearer ${world.otherBearer}`, `Bearer ${world.readOnlyBearer}`) },
          { weight: 1, arbitrary: headerValue },
          { weight: 1, arbitrary: mutated(world.bearer).map((t) => `Bearer ${t}`) },
        ),
        'content-type': fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data'),
        'if-match': headerValue,
      },
      { requiredKeys: [] },
    ),
    body: fc.option(jsonBody, { nil: undefined }),
  }).map(({ target, ...rest }) => ({ ...target, ...rest }));
}

/** Every page of a tenant's list (and of a filtered one) answers, whatever the fuzzer stored. */
async function listsAnswer(api: Api, label: string): Promise<void> {
  for (const filter of ['', '&tag=t', '&name=a', '&status=pending']) {
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const answer: ApiResponse<{ nextCursor: string | null }> = await api.call('GET', `/v1/files?limit=100${filter}${cursor ? `&cursor=${cursor}` : ''}`);
      if (answer.status !== 200) throw new Error(`${label}'s list${filter} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      cursor = answer.body.nextCursor;
      if (!cursor) break;
    }
  }
}

async function checkInvariants(world: World, a: Api, b: Api, ready: { id: string; checksum: string }): Promise<void> {
  await listsAnswer(a, 'tenant A');
  await listsAnswer(b, 'tenant B');
  // Nothing crosses tenants, in either direction, whatever the fuzzer did to the files.
  for (const [reader, ids, label] of [[b, world.ownIds, 'B reading A'], [a, world.otherIds, 'A reading B']] as const) {
    for (const id of ids) {
      const answer = await reader.call('GET', `/v1/files/${id}`);
      if (answer.status !== 404) throw new Error(`${label}: ${id} answered ${answer.status}`);
    }
  }
  // The ready file's content is what was uploaded, or the file is gone (the fuzzer may delete it).
  const file = await a.call('GET', `/v1/files/${ready.id}`);
  if (file.status === 200 && (file.body.checksumSha256 !== ready.checksum || file.body.contentVersion !== 1)) {
    throw new Error(`The ready file's content changed: ${JSON.stringify(file.body)}`);
  }
}

describe('fuzzing the API', () => {
  it(`answers ${RUNS} generated requests without a 5xx, every error in the error format, the invariants holding (seed ${SEED})`, async () => {
    const a = local.api();
    const b = a.as(await a.tokenFor('fuzz-other', ['files:admin']));
    const world: World = {
      ownIds: [],
      otherIds: [],
      shareTokens: [],
      tokenIds: [],
      uploadIds: [],
      cursors: [],
      bearer: local.stack().token,
      otherBearer: b.token,
      readOnlyBearer: await a.tokenFor('demo', ['files:read'], 'reader'),
    };
    for (let i = 0; i < 4; i++) world.ownIds.push(await a.create({ name: `f${i}.pdf`, fileTypeId: 'pdf', tags: ['t'] }));
    for (let i = 0; i < 2; i++) world.otherIds.push(await b.create({ name: `g${i}.pdf`, fileTypeId: 'pdf', tags: ['t'] }));
    const pdf = await makePdf(1);
    const ready = { id: await a.upload({ name: 'ready.pdf', fileTypeId: 'pdf', tags: ['t'] }, pdf), checksum: createHash('sha256').update(pdf).digest('base64') };
    expect((await a.settled(ready.id)).status).toBe('ready');
    world.ownIds.push(ready.id);
    for (const accessLevel of ['read', 'full']) {
      const token = await a.call('POST', `/v1/files/${world.ownIds[0]}/tokens`, { body: { accessLevel } });
      world.shareTokens.push(token.body.token);
      world.tokenIds.push(token.body.id);
    }
    for (const [api, id] of [[a, world.ownIds[1]], [b, world.otherIds[0]]] as const) {
      const upload = await api.call('POST', `/v1/files/${id}/multipart`, { body: { size: 20 * 1024 ** 2 } });
      expect(upload.status).toBe(201);
      world.uploadIds.push(upload.body.uploadId);
    }
    for (const query of ['limit=1', 'limit=1&tag=t', 'limit=1&name=f', 'limit=1&status=pending']) {
      const page = await a.call('GET', `/v1/files?${query}`);
      world.cursors.push(page.body.nextCursor);
    }
    await checkInvariants(world, a, b, ready);

    let sent = 0;
    await fc.assert(
      fc.asyncProperty(requestArbitrary(world), async (request) => {
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
        // Answers stay small, whatever a forged token claims: nothing grows with a number an attacker wrote.
        if (text.length > 2_000_000) throw new Error(`${text.length} bytes for ${request.method} ${request.path}`);
        if (sent % CHECK_EVERY === 0) await checkInvariants(world, a, b, ready);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(sent).toBe(RUNS);
    await checkInvariants(world, a, b, ready);

    // Still answering correctly afterwards.
    expect((await a.call('GET', '/v1/file-types/pdf')).status).toBe(200);
    const created = await a.call('POST', '/v1/files', { body: { name: 'after.txt', fileTypeId: 'txt' } });
    expect(created.status).toBe(201);
    expect((await a.call('GET', `/v1/files/${created.body.id}`)).body.name).toBe('after.txt');
  });
});
