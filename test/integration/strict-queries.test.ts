import { routeKey, routes, type Route } from '../../lambdas/routes';
import { thumbnailSizes } from '../../lambdas/inspect/thumbnail-sizes';
import { Api, expectError, type ApiResponse } from './support/api';
import { makePdf, useStack } from './support/local-stack';

jest.setTimeout(180_000);

/**
 * Query strings are validated as strictly as bodies, on every route: walked from the route table
 * (lambdas/routes.ts), so a route added later is covered without a line here. The local gateway
 * hands each Lambda the API Gateway payload 2.0 event (`rawQueryString` as sent, repeated values
 * joined with commas in `queryStringParameters`), so what holds here holds deployed.
 */
const local = useStack();
const TENANT = 'strict-queries-co';
let admin: Api;
let fileId: string;

beforeAll(async () => {
  admin = local.api().as(await local.api().tokenFor(TENANT, ['files:admin']));
  fileId = await admin.upload({ name: 'strict.pdf', fileTypeId: 'pdf', tags: ['contract', 'signed'] }, await makePdf(1));
});

/** A path of the route, its parameters filled in: the query is checked before any of them is looked up. */
function pathOf(route: Route): string {
  const values: Record<string, string> = {
    id: route.path.startsWith('/v1/file-types/') ? 'pdf' : fileId,
    size: Object.keys(thumbnailSizes)[0]!,
    token: 'fps_not-a-real-token',
    tokenId: 'not-a-token-id',
    uploadId: 'not-an-upload-id',
    deliveryId: 'not-a-delivery-id',
    name: 'strict.pdf',
  };
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`${routeKey(route)}: no test value for {${name}}`);
    return encodeURIComponent(values[name]!);
  });
}

/** Member routes get the admin's token; share-token and public ones none. */
const call = (route: Route, query: string): Promise<ApiResponse> => admin.call(route.method, `${pathOf(route)}?${query}`, { token: 'scope' in route ? undefined : null });

/** A parameter the route takes once (not an array), if it takes any. */
function singleParameter(route: Route): string | undefined {
  const shape = (route.query?.shape ?? {}) as Record<string, { _zod: { def: { type: string; innerType?: { _zod: { def: { type: string } } } } } }>;
  return Object.keys(shape).find((name) => {
    const def = shape[name]!._zod.def;
    return (def.innerType?._zod.def.type ?? def.type) !== 'array';
  });
}

const listRoutes = routes.filter((route) => route.method === 'GET' && route.handler.startsWith('list'));

it('walks every list route of the route table', () => {
  expect(listRoutes.map(routeKey)).toEqual(expect.arrayContaining(['GET /v1/files', 'GET /v1/files/{id}/versions', 'GET /v1/file-types', 'GET /v1/files/{id}/tokens']));
});

describe.each(routes.map((route) => [routeKey(route), route] as const))('%s', (_, route) => {
  it('refuses a parameter it does not take, naming it', async () => {
    const answer = await call(route, 'rql=eq(name,x)');
    expectError(answer, 400, 'VALIDATION_ERROR');
    expect(answer.body.error.message).toContain('query.rql: unknown parameter');
  });

  it('refuses a parameter given twice, naming it', async () => {
    const name = singleParameter(route) ?? 'extra';
    const answer = await call(route, `${name}=1&${name}=1`);
    expectError(answer, 400, 'VALIDATION_ERROR');
    expect(answer.body.error.message).toContain(route.query?.shape[name] ? `query.${name}: given 2 times` : `query.${name}: unknown parameter`);
  });
});

describe('GET /v1/files', () => {
  it('lists the files that have every tag given, `tag` repeated', async () => {
    const other = await admin.create({ name: 'draft.pdf', fileTypeId: 'pdf', tags: ['contract'] });
    const ids = async (query: string) => ((await admin.call('GET', `/v1/files?${query}`)).body.items as { id: string }[]).map((f) => f.id);
    expect(await ids('tag=contract')).toEqual([other, fileId]);
    expect(await ids('tag=contract&tag=signed')).toEqual([fileId]);
    expect(await ids('tag=signed&tag=contract')).toEqual([fileId]);
    expect(await ids('tag=contract&tag=nowhere')).toEqual([]);
    // A comma is part of a tag, not a separator (API Gateway would join `tag=contract&tag=signed` so).
    expect(await ids('tag=contract%2Csigned')).toEqual([]);
  });

  it('refuses what it used to answer wrongly: an unknown filter listed the whole tenant, a parameter without a value', async () => {
    expectError(await admin.call('GET', '/v1/files?rql=eq(tags,nothing)'), 400, 'VALIDATION_ERROR');
    expectError(await admin.call('GET', '/v1/files?status='), 400, 'VALIDATION_ERROR');
    expectError(await admin.call('GET', '/v1/files?status'), 400, 'VALIDATION_ERROR');
    expectError(await admin.call('GET', '/v1/files?name=%E0%A4'), 400, 'VALIDATION_ERROR');
    expect((await admin.call('GET', '/v1/files?name=strict&limit=5')).body.items.map((f: { id: string }) => f.id)).toEqual([fileId]);
  });
});
