import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { isMemberRoute, routes } from '../../lambdas/routes';
import { scopes, type Scope } from '../../lambdas/domain/model';
import { Api, expectError } from './support/api';
import { makePdf, secretsIn, useStack } from './support/local-stack';

jest.setTimeout(180_000);

// Low enough to reach in a test, high enough for every other test's use of one token.
// A host name besides the loopback ones, as an operator behind a local proxy would configure it.
const CONFIGURED_HOST = 'files.fileport.test';
const local = useStack({ FILEPORT_SHARE_TOKEN_REQUESTS_PER_MINUTE: '25', FILEPORT_LOCAL_ALLOWED_HOSTS: CONFIGURED_HOST });
let owner: Api;
let colleague: Api;
let admin: Api;
let stranger: Api;
let anonymous: Api;

beforeAll(async () => {
  const api = local.api();
  owner = api.as(await api.tokenFor('acme', ['files:read', 'files:write'], 'owner'));
  colleague = api.as(await api.tokenFor('acme', ['files:read', 'files:write'], 'colleague'));
  admin = api.as(await api.tokenFor('acme', ['files:admin'], 'boss'));
  stranger = api.as(await api.tokenFor('other', ['files:admin'], 'owner'));
  anonymous = api.as('');
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

async function readyPdf(pages = 2): Promise<{ id: string; bytes: Uint8Array }> {
  const bytes = await makePdf(pages);
  const id = await owner.upload({ name: 'Lease.pdf', fileTypeId: 'pdf' }, bytes);
  expect((await owner.settled(id)).status).toBe('ready');
  return { id, bytes };
}

/**
 * The rate limit counts per fixed minute (the stack's clock is this machine's). Starting a burst
 * with under 20 s left in the minute could split it across two windows, so wait for the next one.
 */
async function outsideAWindowBoundary(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 250));
}

async function token(as: Api, fileId: string, body: Record<string, unknown>): Promise<{ id: string; token: string }> {
  const created = await as.call('POST', `/v1/files/${fileId}/tokens`, { body });
  expect(created.status).toBe(201);
  return created.body;
}

describe('share tokens over HTTP', () => {
  it('let anyone holding one read the file and download it, with no JWT; the secret is shown once', async () => {
    const { id, bytes } = await readyPdf();
    const created = await owner.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'read' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toMatchObject({ accessLevel: 'read', expiresAt: null, lastUsedAt: null, token: expect.stringMatching(/^fps_/) });

    const shared = await anonymous.call('GET', `/v1/shared/${created.body.token}`, { token: null });
    expect(shared.status).toBe(200);
    expect(shared.body).toMatchObject({ id, name: 'Lease.pdf', status: 'ready', pageCount: 2 });

    const download = await anonymous.call('GET', `/v1/shared/${created.body.token}/download`, { token: null });
    expect(download.status).toBe(200);
    const fetched = new Uint8Array(await (await fetch(download.body.url)).arrayBuffer());
    expect(sha256(fetched)).toBe(sha256(bytes));

    // The grant is audited with the token as the principal, never with the URL's signature.
    const [line] = await local.stack().awaitAuditLines((l) => l.fields.action === 'share-download' && l.fields.fileId === id);
    expect(line?.fields).toMatchObject({ tenantId: 'acme', principal: { type: 'token', id: created.body.id }, expiresAt: download.body.expiresAt });
    expect(line?.text).not.toMatch(/signature|X-Amz-Credential/i);
    expect(line?.text).not.toContain(created.body.token);

    const listed = await owner.call('GET', `/v1/files/${id}/tokens`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: created.body.id, accessLevel: 'read', lastUsedAt: expect.any(String) })]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
  });

  it('let a read token read only; a full token change and delete the file and manage its tokens', async () => {
    const { id } = await readyPdf();
    const read = await token(owner, id, { accessLevel: 'read' });
    const full = await token(owner, id, { accessLevel: 'full' });
    const asHolder = (secret: string, method: string, path = '', body?: unknown) => anonymous.call(method, `/v1/shared/${secret}${path}`, { token: null, body });

    expectError(await asHolder(read.token, 'PATCH', '', { name: 'Mine.pdf' }), 403, 'FORBIDDEN');
    expectError(await asHolder(read.token, 'POST', '/tokens', { accessLevel: 'read' }), 403, 'FORBIDDEN');
    expectError(await asHolder(read.token, 'DELETE'), 403, 'FORBIDDEN');
    expectError(await asHolder(full.token, 'PATCH', '', { name: '' }), 400, 'VALIDATION_ERROR');

    const renamed = await asHolder(full.token, 'PATCH', '', { name: 'Signed lease.pdf', tags: ['signed'] });
    expect(renamed.status).toBe(200);
    expect((await owner.call('GET', `/v1/files/${id}`)).body).toMatchObject({ name: 'Signed lease.pdf', tags: ['signed'] });

    const child = await asHolder(full.token, 'POST', '/tokens', { accessLevel: 'read' });
    expect(child.status).toBe(201);
    const listed = await asHolder(full.token, 'GET', '/tokens');
    expect(listed.body.items.map((t: { id: string }) => t.id).sort()).toEqual([read.id, full.id, child.body.id].sort());
    expect(listed.body.items.find((t: { id: string }) => t.id === child.body.id).createdBy).toBe(`token:${full.id}`);

    // The only full token cannot remove itself; another token it may.
    expectError(await asHolder(full.token, 'DELETE', `/tokens/${full.id}`), 409, 'LAST_FULL_TOKEN');
    expect((await asHolder(full.token, 'DELETE', `/tokens/${read.id}`)).status).toBe(204);
    expectError(await asHolder(read.token, 'GET'), 404, 'SHARE_TOKEN_NOT_FOUND');

    expect((await asHolder(full.token, 'DELETE')).status).toBe(204);
    expectError(await owner.call('GET', `/v1/files/${id}`), 404, 'FILE_NOT_FOUND');
    // Deleting the file took its tokens along.
    expectError(await asHolder(full.token, 'GET'), 404, 'SHARE_TOKEN_NOT_FOUND');
    expectError(await asHolder(child.body.token, 'GET'), 404, 'SHARE_TOKEN_NOT_FOUND');
  });

  it('answer unknown, deleted and expired tokens with the same 404', async () => {
    const { id } = await readyPdf(1);
    const deleted = await token(owner, id, { accessLevel: 'read' });
    expect((await owner.call('DELETE', `/v1/files/${id}/tokens/${deleted.id}`)).status).toBe(204);
    const expiring = await token(owner, id, { accessLevel: 'read', expiresAt: new Date(Date.now() + 4000).toISOString() });
    expect((await anonymous.call('GET', `/v1/shared/${expiring.token}`, { token: null })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 4100));

    const bodies = [];
    for (const secret of [`fps_${'x'.repeat(43)}`, deleted.token, expiring.token, 'not-even-a-token']) {
      const response = await anonymous.call('GET', `/v1/shared/${secret}`, { token: null });
      expectError(response, 404, 'SHARE_TOKEN_NOT_FOUND');
      bodies.push(response.body);
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
  });

  it('are managed by the file creator and admins only, and never across tenants', async () => {
    const { id } = await readyPdf(1);
    expectError(await colleague.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'read' } }), 403, 'FORBIDDEN');
    expectError(await colleague.call('GET', `/v1/files/${id}/tokens`), 403, 'FORBIDDEN');
    expectError(await stranger.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'read' } }), 404, 'FILE_NOT_FOUND');
    const full = await token(owner, id, { accessLevel: 'full' });
    expectError(await colleague.call('DELETE', `/v1/files/${id}/tokens/${full.id}`), 403, 'FORBIDDEN');
    expectError(await stranger.call('DELETE', `/v1/files/${id}/tokens/${full.id}`), 404, 'FILE_NOT_FOUND');
    // Members who may change the file may always delete a token, the last full one included.
    expect((await admin.call('DELETE', `/v1/files/${id}/tokens/${full.id}`)).status).toBe(204);
    expectError(await owner.call('DELETE', `/v1/files/${id}/tokens/${full.id}`), 404, 'SHARE_TOKEN_NOT_FOUND');

    expectError(await owner.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'owner' } }), 400, 'VALIDATION_ERROR');
    expectError(await owner.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'read', expiresAt: 'tomorrow' } }), 400, 'VALIDATION_ERROR');
    expectError(await owner.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'read', expiresAt: '2020-01-01T00:00:00Z' } }), 400, 'VALIDATION_ERROR');
  });

  it('are limited per token: one busy token gets 429 with Retry-After, another token is unaffected', async () => {
    const { id } = await readyPdf(1);
    const busy = await token(owner, id, { accessLevel: 'read' });
    const calm = await token(owner, id, { accessLevel: 'read' });
    await outsideAWindowBoundary();
    const statuses: number[] = [];
    for (let i = 0; i < 27; i++) statuses.push((await anonymous.call('GET', `/v1/shared/${busy.token}`, { token: null })).status);
    const limited = await anonymous.call('GET', `/v1/shared/${busy.token}`, { token: null });
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(statuses.slice(0, 25).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(25)).toEqual([429, 429]);
    expect((await anonymous.call('GET', `/v1/shared/${calm.token}`, { token: null })).status).toBe(200);
  });
});

describe('who may change a file', () => {
  it('its creator with files:write, or an admin; other members may read it but get 403', async () => {
    const id = await owner.create({ name: 'Draft.pdf', fileTypeId: 'pdf' });
    expect((await colleague.call('GET', `/v1/files/${id}`)).status).toBe(200);
    expectError(await colleague.call('PATCH', `/v1/files/${id}`, { body: { name: 'Taken.pdf' } }), 403, 'FORBIDDEN');
    expectError(await colleague.call('DELETE', `/v1/files/${id}`), 403, 'FORBIDDEN');
    expect((await owner.call('PATCH', `/v1/files/${id}`, { body: { name: 'Final.pdf' } })).status).toBe(200);
    expect((await admin.call('PATCH', `/v1/files/${id}`, { body: { tags: ['reviewed'] } })).status).toBe(200);
    expect((await admin.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
  });

  /** Member routes by scope: a caller with every other scope gets 403 on each, whatever the path names. */
  it('is checked on every member route: a caller without the route scope gets 403', async () => {
    const api = local.api();
    const id = await owner.create({ name: 'Any.pdf', fileTypeId: 'pdf' });
    const fill = (path: string) =>
      path.replace('{id}', id).replace('{tokenId}', '00000000-0000-4000-8000-000000000000').replace('{uploadId}', 'abc').replace('{size}', 'small');
    const without = new Map<Scope, Api>();
    for (const scope of scopes) {
      // files:admin implies every scope, so only a token without it can lack one.
      const others = scopes.filter((s) => s !== scope && s !== 'files:admin');
      without.set(scope, api.as(await api.tokenFor('acme', others, 'owner')));
    }
    const memberRoutes = routes.filter(isMemberRoute);
    expect(memberRoutes.length).toBeGreaterThan(20);
    for (const route of memberRoutes) {
      const response = await without.get(route.scope)!.call(route.method, fill(route.path), { body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} });
      expect({ route: `${route.method} ${route.path}`, status: response.status, code: response.body?.error?.code }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 403,
        code: 'FORBIDDEN',
      });
    }
  });
});

/** A request to the stack that names `host` in Host, as a proxy or a DNS-rebinding page would (fetch picks its own). */
function callAs(host: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(local.stack().apiUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the host names the local stack answers', () => {
  it('a configured one is answered and is the one links name; any other gets 421 and nothing, not even a dev token', async () => {
    const created = await owner.call('POST', '/v1/files', { body: { name: 'Lease.pdf', fileTypeId: 'pdf', accessControl: 'public' } });
    const path = `/v1/files/${created.body.id}`;
    const auth = { authorization: `Bearer ${owner.token}` };
    const viaProxy = await callAs(CONFIGURED_HOST, 'GET', path, auth);
    expect(viaProxy.status).toBe(200);
    expect(JSON.parse(viaProxy.body).publicUrl).toBe(`http://${CONFIGURED_HOST}/v1/public/${created.body.id}/Lease.pdf`);

    // A page whose own name resolves to 127.0.0.1 (DNS rebinding) reaches the stack's port with its name in Host.
    const rebinding = `fileport.attacker.example:${new URL(local.stack().apiUrl).port}`;
    const read = await callAs(rebinding, 'GET', path, auth);
    expect(read.status).toBe(421);
    expect(JSON.parse(read.body)).toEqual({ error: { code: 'HOST_NOT_ALLOWED', message: expect.stringContaining(rebinding) } });
    const mint = await callAs(rebinding, 'POST', '/_dev/token', { 'content-type': 'application/json' }, JSON.stringify({ tenantId: 'acme', sub: 'x', scopes: ['files:admin'] }));
    expect(mint.status).toBe(421);
    expect(JSON.parse(mint.body)).toEqual({ error: { code: 'HOST_NOT_ALLOWED', message: expect.stringContaining(rebinding) } });
  });
});

describe('public files', () => {
  it('show publicUrl only while public; it answers a 302 to a fresh short download URL, and 404 once the file is private again', async () => {
    // Private (the default): no answer about the file shows a link, since it would answer 404.
    const tag = `public-link-${Date.now()}`;
    const created = await owner.call('POST', '/v1/files', { body: { name: 'Lease.pdf', fileTypeId: 'pdf', tags: [tag] } });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect(created.body.accessControl).toBe('private');
    expect(created.body).not.toHaveProperty('publicUrl');
    const bytes = await makePdf(1);
    await owner.uploadTo(id, bytes);
    expect((await owner.settled(id)).status).toBe('ready');
    const noLinkAnywhere = async () => {
      const got = await owner.call('GET', `/v1/files/${id}`);
      expect(got.body).toMatchObject({ id, accessControl: 'private' });
      expect(got.body).not.toHaveProperty('publicUrl');
      const listed = await owner.call('GET', `/v1/files?tag=${tag}`);
      expect(listed.body.items.map((f: { id: string }) => f.id)).toEqual([id]);
      expect(listed.body.items[0]).not.toHaveProperty('publicUrl');
    };
    await noLinkAnywhere();
    const link = `${local.stack().apiUrl}/v1/public/${id}/Lease.pdf`;
    const follow = () => fetch(link, { redirect: 'manual' });
    expect((await follow()).status).toBe(404);

    // Public: the PATCH's answer, GET and the list show the link, and it answers.
    const madePublic = await owner.call('PATCH', `/v1/files/${id}`, { body: { accessControl: 'public' } });
    expect(madePublic.body).toMatchObject({ accessControl: 'public', publicUrl: link });
    expect((await owner.call('GET', `/v1/files/${id}`)).body.publicUrl).toBe(link);
    expect((await owner.call('GET', `/v1/files?tag=${tag}`)).body.items[0].publicUrl).toBe(link);
    const redirected = await follow();
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('cache-control')).toBe('no-store');
    const location = new URL(redirected.headers.get('location')!);
    expect(Number(location.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    const [line] = await local.stack().awaitAuditLines((l) => l.fields.action === 'public-download' && l.fields.fileId === id);
    expect(line?.fields).toMatchObject({ tenantId: 'acme', principal: { type: 'public' } });
    expect(line?.text).not.toContain(location.searchParams.get('X-Amz-Signature'));
    const downloaded = await fetch(location);
    expect(downloaded.headers.get('content-disposition')).toMatch(/^attachment; filename="Lease.pdf"/);
    expect(sha256(new Uint8Array(await downloaded.arrayBuffer()))).toBe(sha256(bytes));
    // The name in the link is for people: a renamed file keeps its old links working.
    const renamed = await owner.call('PATCH', `/v1/files/${id}`, { body: { name: 'Renamed.pdf' } });
    expect(renamed.body.publicUrl).toBe(`${local.stack().apiUrl}/v1/public/${id}/Renamed.pdf`);
    expect((await follow()).status).toBe(302);

    // Private again: the PATCH's answer has no link any more, nor has any other, and the old one is a 404.
    const madePrivate = await owner.call('PATCH', `/v1/files/${id}`, { body: { accessControl: 'private', name: 'Lease.pdf' } });
    expect(madePrivate.body.accessControl).toBe('private');
    expect(madePrivate.body).not.toHaveProperty('publicUrl');
    await noLinkAnywhere();
    expectError(await anonymous.call('GET', `/v1/public/${id}/Lease.pdf`, { token: null }), 404, 'FILE_NOT_FOUND');
  });

  it('can be public from creation, but a file without processed content has nothing to give', async () => {
    const created = await owner.call('POST', '/v1/files', { body: { name: 'Soon.pdf', fileTypeId: 'pdf', accessControl: 'public' } });
    expect(created.body).toMatchObject({ accessControl: 'public', publicUrl: `${local.stack().apiUrl}/v1/public/${created.body.id}/Soon.pdf` });
    expectError(await anonymous.call('GET', `/v1/public/${created.body.id}/Soon.pdf`, { token: null }), 404, 'FILE_NOT_FOUND');
    expectError(await anonymous.call('GET', '/v1/public/not-a-uuid/x', { token: null }), 404, 'FILE_NOT_FOUND');
    expectError(await owner.call('POST', '/v1/files', { body: { name: 'x.pdf', fileTypeId: 'pdf', accessControl: 'open' } }), 400, 'VALIDATION_ERROR');
    expectError(await colleague.call('PATCH', `/v1/files/${created.body.id}`, { body: { accessControl: 'private' } }), 403, 'FORBIDDEN');
  });
});

describe('routes without a JWT', () => {
  it('are throttled per route by the gateway, as API Gateway does', async () => {
    const responses = await Promise.all(Array.from({ length: 80 }, () => anonymous.call('GET', `/v1/shared/fps_${'y'.repeat(43)}`, { token: null })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 404 || s === 429)).toBe(true);
    expectError(responses.find((r) => r.status === 429)!, 429, 'THROTTLED');
  });
});

// Last in the file: every flow above has run through this stack.
it('wrote no share-token secret, JWT or S3 signature to the stack\'s logs', () => {
  const lines = local.stack().logLines();
  expect(lines.length).toBeGreaterThan(10);
  expect(secretsIn(lines)).toEqual([]);
  // The check finds what it looks for: the stack's own token, and a signed URL.
  expect(secretsIn([`{"token":"${local.stack().token}"}`, '{"url":"http://127.0.0.1/b/k?X-Amz-Signature=0a1b"}'])).toHaveLength(2);
});
