import { createFile, deleteFile, updateFile } from '../../../../lambdas/domain/files/files';
import type { Principal } from '../../../../lambdas/domain/model';
import {
  createShareToken,
  createTokenWithToken,
  deleteShareToken,
  deleteTokenWithToken,
  listShareTokens,
  updateSharedFile,
  useShareToken,
} from '../../../../lambdas/domain/sharing/share-tokens';
import { setup, writer } from '../../support/grants';

const policy = { requestsPerMinute: 1000 };
const admin: Principal = { tenantId: 't1', userId: 'boss', scopes: new Set(['files:admin']) };
const colleague: Principal = { tenantId: 't1', userId: 'u2', scopes: new Set(['files:read', 'files:write']) };
const stranger: Principal = { tenantId: 't2', userId: 'u1', scopes: new Set(['files:admin']) };

async function sharedFile() {
  const { deps, advance } = setup();
  const file = await createFile(deps, writer, { name: 'lease.pdf', fileTypeId: 'pdf' });
  return { deps, advance, file };
}

describe('share tokens', () => {
  it('show their secret once and store only its hash', async () => {
    const { deps, file } = await sharedFile();
    const created = await createShareToken(deps, writer, file.id, { accessLevel: 'read' });
    expect(created).toMatchObject({ accessLevel: 'read', fileId: file.id, createdBy: 'user:u1', expiresAt: null, lastUsedAt: null });
    expect(created.token).toMatch(/^fps_[A-Za-z0-9_-]{43}$/);
    const stored = JSON.stringify([...deps.shareTokens.tokens.values()]);
    expect(stored).not.toContain(created.token);
    expect(stored).not.toContain(created.token.slice(4));
    const listed = await listShareTokens(deps, writer, file.id);
    expect(listed).toEqual([{ id: created.id, fileId: file.id, accessLevel: 'read', createdBy: 'user:u1', createdAt: created.createdAt, expiresAt: null, lastUsedAt: null }]);
  });

  it('let a read token read and nothing more; a full token also change the file', async () => {
    const { deps, file } = await sharedFile();
    const read = await createShareToken(deps, writer, file.id, { accessLevel: 'read' });
    const full = await createShareToken(deps, writer, file.id, { accessLevel: 'full' });
    expect((await useShareToken(deps, read.token, 'read', policy)).file.id).toBe(file.id);
    await expect(useShareToken(deps, read.token, 'full', policy)).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await expect(updateSharedFile(deps, read.token, { name: 'x.pdf' }, undefined, policy)).rejects.toMatchObject({ status: 403 });
    expect((await updateSharedFile(deps, full.token, { name: 'renamed.pdf', accessControl: 'public' }, undefined, policy)).name).toBe('renamed.pdf');
    expect((await deps.files.get(file.id))?.accessControl).toBe('public');
    expect((await listShareTokens(deps, writer, file.id)).find((t) => t.id === full.id)?.lastUsedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('answer unknown, deleted and expired secrets alike, with one read and nothing else', async () => {
    const { deps, advance, file } = await sharedFile();
    const deleted = await createShareToken(deps, writer, file.id, { accessLevel: 'full' });
    await deleteShareToken(deps, writer, file.id, deleted.id);
    const expiring = await createShareToken(deps, writer, file.id, { accessLevel: 'read', expiresAt: '2026-01-01T00:10:00Z' });
    advance(10 * 60 * 1000);
    const answers = [];
    for (const secret of [`fps_${'A'.repeat(43)}`, deleted.token, expiring.token]) {
      deps.shareTokens.calls.length = 0;
      const answer = await useShareToken(deps, secret, 'read', policy).catch((error: unknown) => error);
      expect(deps.shareTokens.calls).toEqual(['findBySecretHash']);
      answers.push(answer);
    }
    expect(answers.map((a) => JSON.stringify(a))).toEqual(Array(3).fill(JSON.stringify(answers[0])));
    expect(answers[0]).toMatchObject({ status: 404, code: 'SHARE_TOKEN_NOT_FOUND' });
  });

  it('stop working when their file is deleted', async () => {
    const { deps, file } = await sharedFile();
    const read = await createShareToken(deps, writer, file.id, { accessLevel: 'read' });
    await deleteFile(deps, writer, file.id);
    await expect(useShareToken(deps, read.token, 'read', policy)).rejects.toMatchObject({ status: 404, code: 'SHARE_TOKEN_NOT_FOUND' });
    expect(deps.shareTokens.tokens.size).toBe(0);
  });

  it('are limited per token and per minute, with a Retry-After', async () => {
    const { deps, advance, file } = await sharedFile();
    const busy = await createShareToken(deps, writer, file.id, { accessLevel: 'read' });
    const calm = await createShareToken(deps, writer, file.id, { accessLevel: 'read' });
    advance(15_000);
    for (let i = 0; i < 3; i++) await useShareToken(deps, busy.token, 'read', { requestsPerMinute: 3 });
    await expect(useShareToken(deps, busy.token, 'read', { requestsPerMinute: 3 })).rejects.toMatchObject({ status: 429, code: 'RATE_LIMITED', headers: { 'retry-after': '45' } });
    await useShareToken(deps, calm.token, 'read', { requestsPerMinute: 3 });
    advance(45_000);
    await useShareToken(deps, busy.token, 'read', { requestsPerMinute: 3 });
  });

  it('never let token holders delete the last live full token; members always may', async () => {
    const { deps, advance, file } = await sharedFile();
    const first = await createShareToken(deps, writer, file.id, { accessLevel: 'full' });
    const read = await createShareToken(deps, writer, file.id, { accessLevel: 'read' });
    await expect(deleteTokenWithToken(deps, first.token, first.id, policy)).rejects.toMatchObject({ status: 409, code: 'LAST_FULL_TOKEN' });
    await deleteTokenWithToken(deps, first.token, read.id, policy);

    const expiring = await createTokenWithToken(deps, first.token, { accessLevel: 'full', expiresAt: '2026-01-01T01:00:00Z' }, policy);
    expect(expiring.createdBy).toBe(`token:${first.id}`);
    advance(3600 * 1000);
    // The other full token has expired: it does not count.
    await expect(deleteTokenWithToken(deps, first.token, first.id, policy)).rejects.toMatchObject({ code: 'LAST_FULL_TOKEN' });
    const second = await createTokenWithToken(deps, first.token, { accessLevel: 'full' }, policy);
    await deleteTokenWithToken(deps, first.token, first.id, policy);
    await expect(useShareToken(deps, first.token, 'read', policy)).rejects.toMatchObject({ status: 404 });
    await deleteShareToken(deps, writer, file.id, second.id);
    expect(await listShareTokens(deps, writer, file.id)).toEqual([]);
  });

  it('cannot outlive the token that created them, nor be created expired or years ahead', async () => {
    const { deps, file } = await sharedFile();
    const parent = await createShareToken(deps, writer, file.id, { accessLevel: 'full', expiresAt: '2026-01-02T00:00:00Z' });
    await expect(createTokenWithToken(deps, parent.token, { accessLevel: 'read', expiresAt: '2026-01-03T00:00:00Z' }, policy)).rejects.toMatchObject({ code: 'EXPIRY_BEYOND_TOKEN' });
    expect((await createTokenWithToken(deps, parent.token, { accessLevel: 'read' }, policy)).expiresAt).toBe('2026-01-02T00:00:00.000Z');
    await expect(createShareToken(deps, writer, file.id, { accessLevel: 'read', expiresAt: '2025-12-31T00:00:00Z' })).rejects.toMatchObject({ status: 400 });
    await expect(createShareToken(deps, writer, file.id, { accessLevel: 'read', expiresAt: '2028-01-01T00:00:00Z' })).rejects.toMatchObject({ status: 400 });
  });
});

describe('who may change a file', () => {
  it('its creator and admins; other members get 403, other tenants 404', async () => {
    const { deps, file } = await sharedFile();
    await expect(updateFile(deps, colleague, file.id, { name: 'mine.pdf' })).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await expect(deleteFile(deps, colleague, file.id)).rejects.toMatchObject({ status: 403 });
    await expect(createShareToken(deps, colleague, file.id, { accessLevel: 'read' })).rejects.toMatchObject({ status: 403 });
    await expect(listShareTokens(deps, colleague, file.id)).rejects.toMatchObject({ status: 403 });
    await expect(updateFile(deps, stranger, file.id, { name: 'x.pdf' })).rejects.toMatchObject({ status: 404 });
    expect((await updateFile(deps, writer, file.id, { name: 'a.pdf' })).name).toBe('a.pdf');
    const token = await createShareToken(deps, admin, file.id, { accessLevel: 'read' });
    await deleteShareToken(deps, admin, file.id, token.id);
    await deleteFile(deps, admin, file.id);
    expect(await deps.files.get(file.id)).toBeUndefined();
  });
});
