import { createFile } from '../../../../lambdas/domain/files/files';
import type { Principal } from '../../../../lambdas/domain/model';
import { createShareToken, useShareToken, authorizeShareToken } from '../../../../lambdas/domain/sharing/share-tokens';
import { createDropBox, createDroppedFile, deleteDropBox, listDropBoxes, useUploadLink, withinLink } from '../../../../lambdas/domain/sharing/upload-links';
import { createUploadUrl } from '../../../../lambdas/domain/transfer/uploads';
import { overwriter, putAgain, setup, uploadThroughGrant, writer, type TestDeps } from '../../support/grants';

const policy = { requestsPerMinute: 1000 };
const expiresAt = '2026-01-08T00:00:00Z';
const colleague: Principal = { tenantId: 't1', userId: 'u2', scopes: new Set(['files:read', 'files:write']) };
const admin: Principal = { tenantId: 't1', userId: 'boss', scopes: new Set(['files:admin']) };
const stranger: Principal = { tenantId: 't2', userId: 'u1', scopes: new Set(['files:admin']) };
const tenantTerms = async () => ({ expiresIn: 900, maxFileSize: 1_000_000 });

/** What the link's upload route does: the link's target and terms, then the member's upload domain. */
async function linkUploadUrl(deps: TestDeps, secret: string, fileId?: string, size?: number) {
  const target = await useUploadLink(deps, secret, policy, fileId, tenantTerms);
  return createUploadUrl(deps, target.principal, target.fileId, { size, ...withinLink(target.alongside, target.link) });
}

describe('upload links of a file', () => {
  it('must expire, and only upload links take requestsPerMinute or maxSize', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    await expect(createShareToken(deps, writer, file.id, { accessLevel: 'upload' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('expiresAt') });
    await expect(createShareToken(deps, writer, file.id, { accessLevel: 'read', maxSize: 10 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(createShareToken(deps, writer, file.id, { accessLevel: 'upload', expiresAt: '2027-06-01T00:00:00Z' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    const link = await createShareToken(deps, writer, file.id, { accessLevel: 'upload', expiresAt, maxSize: 500 });
    expect(link).toMatchObject({ accessLevel: 'upload', fileId: file.id, upload: { maxSize: 500, requestsPerMinute: null, overwrite: false, filesCreated: 0 } });
  });

  it('upload as the link, token:<id>, bounded by its maxSize; the grant is audited with the token as principal', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const link = await createShareToken(deps, writer, file.id, { accessLevel: 'upload', expiresAt, maxSize: 500 });
    await linkUploadUrl(deps, link.token);
    expect(deps.objects.presigned.at(-1)?.metadata).toMatchObject({ 'uploaded-by': encodeURIComponent(`token:${link.id}`), overwrite: 'false', 'max-size': '500' });
    expect(deps.auditLog.lines.at(-1)).toMatchObject({ action: 'upload', principal: { type: 'token', id: link.id }, fileId: file.id });
    await expect(linkUploadUrl(deps, link.token, undefined, 501)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', status: 413 });
  });

  it('replace content only as their creator could: a plain writer cannot make one for a file with content', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.txt', fileTypeId: 'txt' });
    const plain = await createShareToken(deps, writer, file.id, { accessLevel: 'upload', expiresAt });
    await putAgain(deps, (await linkUploadUrl(deps, plain.token), deps.objects.presigned.at(-1)!.key), new TextEncoder().encode('hi'), '01');
    // Processing has not run in this test: the file has content once a version is recorded.
    await deps.files.update((await deps.files.get(file.id))!, { versions: [{ version: 1, key: 'k', sequencer: '01', eTag: 'e', uploadedAt: '2026-01-01T00:00:00Z', uploadedBy: `token:${plain.id}`, status: 'ready', size: 2, checksumSha256: null, pageCount: null, detectedMimeType: null, error: null, contentRemoved: false }] }, deps.now());
    await expect(createShareToken(deps, writer, file.id, { accessLevel: 'upload', expiresAt })).rejects.toMatchObject({ code: 'ALREADY_UPLOADED' });
    await expect(linkUploadUrl(deps, plain.token)).rejects.toMatchObject({ code: 'ALREADY_UPLOADED' });
    const owned = await createFile(deps, overwriter, { name: 'b.txt', fileTypeId: 'txt' });
    await uploadThroughGrant(deps, overwriter, owned, new TextEncoder().encode('v1'), '01');
    const strong = await createShareToken(deps, overwriter, owned.id, { accessLevel: 'upload', expiresAt });
    await linkUploadUrl(deps, strong.token);
    expect(deps.objects.presigned.at(-1)?.metadata).toMatchObject({ overwrite: 'true' });
  });

  it('do nothing but upload, and other tokens cannot upload', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const link = await createShareToken(deps, writer, file.id, { accessLevel: 'upload', expiresAt });
    const full = await createShareToken(deps, writer, file.id, { accessLevel: 'full' });
    for (const needed of ['read', 'full'] as const) {
      await expect(useShareToken(deps, link.token, needed, policy)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('only allows uploading') });
    }
    await expect(authorizeShareToken(deps, full.token, 'upload', policy)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(deps.telemetry.events.filter((e) => e.event === 'shareTokenRefused').map((e) => e.reason)).toEqual(['upload-only', 'upload-only', 'not-upload']);
    // A file's link names no other file, and creates none.
    await expect(linkUploadUrl(deps, link.token, file.id)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(createDroppedFile(deps, link.token, policy, { name: 'x.pdf', fileTypeId: 'pdf' }, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('are held to their own rate, under the deployment’s, and stop at their expiry', async () => {
    const { deps, advance } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const link = await createShareToken(deps, writer, file.id, { accessLevel: 'upload', expiresAt, requestsPerMinute: 2 });
    await linkUploadUrl(deps, link.token);
    await linkUploadUrl(deps, link.token);
    await expect(linkUploadUrl(deps, link.token)).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    advance(60_000);
    await linkUploadUrl(deps, link.token);
    advance(7 * 24 * 3600 * 1000);
    await expect(linkUploadUrl(deps, link.token)).rejects.toMatchObject({ code: 'SHARE_TOKEN_NOT_FOUND' });
  });
});

describe('drop boxes', () => {
  it('create files as the link, with its tags and links, of the types it allows, at most maxFiles of them', async () => {
    const { deps } = setup();
    const box = await createDropBox(deps, writer, { expiresAt, fileTypeIds: ['pdf', 'png'], maxFiles: 2, tags: ['inbox'], links: [{ type: 'claim', id: '7' }] });
    expect(box).toMatchObject({ fileId: null, accessLevel: 'upload', upload: { fileTypeIds: ['pdf', 'png'], maxFiles: 2, filesCreated: 0 } });
    await expect(createDroppedFile(deps, box.token, policy, { name: 'x.txt', fileTypeId: 'txt' }, {})).rejects.toMatchObject({ code: 'FILE_TYPE_NOT_ALLOWED', status: 400 });
    await expect(createDroppedFile(deps, box.token, policy, { name: 'x.exe', fileTypeId: 'exe' }, {})).rejects.toMatchObject({ code: 'UNKNOWN_FILE_TYPE' });
    const first = await createDroppedFile(deps, box.token, policy, { name: 'a.pdf', fileTypeId: 'pdf' }, {});
    expect(first).toMatchObject({ createdBy: `token:${box.id}`, tenantId: 't1', tags: ['inbox'], links: [{ type: 'claim', id: '7' }], status: 'pending' });
    await createDroppedFile(deps, box.token, policy, { name: 'b.png', fileTypeId: 'png' }, {});
    // Refused requests took no place: the third is the one over the limit.
    await expect(createDroppedFile(deps, box.token, policy, { name: 'c.pdf', fileTypeId: 'pdf' }, {})).rejects.toMatchObject({ code: 'UPLOAD_LINK_FULL', status: 409 });
    expect((await listDropBoxes(deps, writer))[0]?.upload?.filesCreated).toBe(2);
  });

  it('upload only to files they created, bounded by their maxSize', async () => {
    const { deps } = setup();
    const box = await createDropBox(deps, writer, { expiresAt, maxSize: 100 });
    const other = await createDropBox(deps, writer, { expiresAt });
    await expect(createDroppedFile(deps, box.token, policy, { name: 'a.pdf', fileTypeId: 'pdf', size: 101 }, {})).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
    const dropped = await createDroppedFile(deps, box.token, policy, { name: 'a.pdf', fileTypeId: 'pdf', size: 100 }, {});
    await linkUploadUrl(deps, box.token, dropped.id, 100);
    expect(deps.objects.presigned.at(-1)?.metadata).toMatchObject({ 'uploaded-by': encodeURIComponent(`token:${box.id}`), 'max-size': '100' });
    await expect(linkUploadUrl(deps, box.token, dropped.id, 101)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
    const members = await createFile(deps, writer, { name: 'm.pdf', fileTypeId: 'pdf' });
    for (const [secret, id] of [[box.token, members.id], [other.token, dropped.id]] as const) {
      await expect(linkUploadUrl(deps, secret, id)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    }
    // A drop box uploads to a file of its own only, named in the path.
    await expect(linkUploadUrl(deps, box.token)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining('drop box') });
    // One upload per file: a drop box never replaces content.
    expect((await useUploadLink(deps, box.token, policy, dropped.id, tenantTerms)).principal.scopes.has('files:overwrite')).toBe(false);
  });

  it('are listed for their tenant only, deleted by their creator or an admin, and then stop working', async () => {
    const { deps } = setup();
    await expect(createDropBox(deps, writer, { expiresAt, fileTypeIds: ['nope'] })).rejects.toMatchObject({ code: 'UNKNOWN_FILE_TYPE' });
    const box = await createDropBox(deps, writer, { expiresAt });
    const dropped = await createDroppedFile(deps, box.token, policy, { name: 'a.pdf', fileTypeId: 'pdf' }, {});
    expect((await listDropBoxes(deps, colleague)).map((t) => t.id)).toEqual([box.id]);
    expect(JSON.stringify(await listDropBoxes(deps, colleague))).not.toContain(box.token);
    expect(await listDropBoxes(deps, stranger)).toEqual([]);
    await expect(deleteDropBox(deps, stranger, box.id)).rejects.toMatchObject({ code: 'SHARE_TOKEN_NOT_FOUND' });
    await expect(deleteDropBox(deps, colleague, box.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await deleteDropBox(deps, admin, box.id);
    await expect(linkUploadUrl(deps, box.token, dropped.id)).rejects.toMatchObject({ code: 'SHARE_TOKEN_NOT_FOUND' });
    await expect(createDroppedFile(deps, box.token, policy, { name: 'b.pdf', fileTypeId: 'pdf' }, {})).rejects.toMatchObject({ code: 'SHARE_TOKEN_NOT_FOUND' });
    expect(await listDropBoxes(deps, writer)).toEqual([]);
  });
});
