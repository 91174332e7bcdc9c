import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { copyFile } from '../../../lambdas/domain/files/copies';
import { createDownloadUrl } from '../../../lambdas/domain/transfer/downloads';
import { createFile, deleteFile, fileIdOfContentKey, getFile, listFiles, listVersions, updateFile } from '../../../lambdas/domain/files/files';
import { toApiFile } from '../../../lambdas/http/answers';
import { processUploadedObject } from '../../../lambdas/domain/processing/metadata-processing';
import type { Principal } from '../../../lambdas/domain/model';
import type { UploadedObject } from '../../../lambdas/domain/ports';
import { processThumbnails } from '../../../lambdas/domain/processing/thumbnail-processing';
import { createUploadUrl } from '../../../lambdas/domain/transfer/uploads';
import { overwriter, putAgain, setup, uploadThroughGrant, writer, type TestDeps } from '../support/grants';

const admin: Principal = { tenantId: 't1', userId: 'boss', scopes: new Set(['files:admin']) };
const otherTenant: Principal = { tenantId: 't2', userId: 'u9', scopes: new Set(['files:read', 'files:write', 'files:admin']) };

async function pdf(pages: number) {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage();
  return doc.save();
}

/** An object S3 reports as created by a server-side copy: the event processing gets for it. */
function copyEvent(deps: TestDeps, key: string, sequencer: string): UploadedObject {
  return { key, eTag: deps.objects.eTagOf(key), sequencer, eventTime: '2026-01-01T00:01:00Z' };
}

async function readyPdf(deps: TestDeps, principal: Principal, pages: number) {
  const file = await createFile(deps, principal, { name: 'Lease.pdf', fileTypeId: 'pdf', tags: ['lease'], links: [{ type: 'contract', id: 'C-1' }], externalId: 'ext-1' });
  await processUploadedObject(deps, await uploadThroughGrant(deps, principal, file, await pdf(pages), '0A'));
  return file;
}

describe('upload grants', () => {
  it('sign a fresh key under the file for every grant, the uploader, the overwrite right and the declared checksum', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const checksumSha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';
    const grant = await createUploadUrl(deps, writer, file.id, { expiresIn: 900, size: 10, checksumSha256 });
    await createUploadUrl(deps, writer, file.id, { expiresIn: 900 });
    const [first, second] = deps.objects.presigned;
    expect(fileIdOfContentKey(first!.key)).toBe(file.id);
    expect(fileIdOfContentKey(second!.key)).toBe(file.id);
    expect(first!.key).not.toBe(second!.key);
    expect(first).toMatchObject({ contentType: 'application/pdf', contentLength: 10, checksumSha256, metadata: { 'uploaded-by': 'u1', overwrite: 'false', 'checksum-sha256': checksumSha256 } });
    expect(grant).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'application/pdf', 'x-amz-meta-uploaded-by': 'u1', 'x-amz-meta-overwrite': 'false' } });
  });

  it('need files:overwrite (or admin) once the file has content: a plain writer gets ALREADY_UPLOADED', async () => {
    const { deps } = setup();
    const file = await readyPdf(deps, writer, 1);
    await expect(createUploadUrl(deps, writer, file.id, { expiresIn: 900 })).rejects.toMatchObject({ status: 409, code: 'ALREADY_UPLOADED' });
    await createUploadUrl(deps, overwriter, file.id, { expiresIn: 900 });
    await createUploadUrl(deps, admin, file.id, { expiresIn: 900 });
    expect(deps.objects.presigned.slice(1).map((p) => p.metadata.overwrite)).toEqual(['true', 'true']);
  });

  it('are refreshed freely while the file has no content, and for another tenant the file does not exist', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    await createUploadUrl(deps, writer, file.id, { expiresIn: 900 });
    await createUploadUrl(deps, writer, file.id, { expiresIn: 900 });
    expect(new Set(deps.objects.presigned.map((p) => p.key)).size).toBe(2);
    await expect(createUploadUrl(deps, otherTenant, file.id, { expiresIn: 900 })).rejects.toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' });
  });
});

describe('versions', () => {
  it('are listed newest first, each downloadable by number with its own checksum; unknown numbers are VERSION_NOT_FOUND', async () => {
    const { deps } = setup();
    const file = await readyPdf(deps, overwriter, 1);
    await processUploadedObject(deps, await uploadThroughGrant(deps, overwriter, file, await pdf(2), '0A'));
    const versions = await listVersions(deps, writer, file.id);
    expect(versions.map((v) => [v.version, v.pageCount, v.uploadedBy])).toEqual([
      [2, 2, 'svc'],
      [1, 1, 'svc'],
    ]);
    const current = await createDownloadUrl(deps, writer, file.id, { disposition: 'attachment', expiresIn: 60 });
    const older = await createDownloadUrl(deps, writer, file.id, { disposition: 'attachment', expiresIn: 60, version: 1 });
    expect(current).toMatchObject({ url: `https://example/${versions[0]!.key}`, version: 2, checksumSha256: versions[0]!.checksumSha256 });
    expect(older).toMatchObject({ url: `https://example/${versions[1]!.key}`, version: 1, checksumSha256: versions[1]!.checksumSha256 });
    await expect(createDownloadUrl(deps, writer, file.id, { disposition: 'attachment', expiresIn: 60, version: 3 })).rejects.toMatchObject({ status: 404, code: 'VERSION_NOT_FOUND' });
    await expect(listVersions(deps, otherTenant, file.id)).rejects.toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' });
    expect(toApiFile((await deps.files.get(file.id))!, 'https://api.example', deps.fileTypes)).toMatchObject({ contentVersion: 2, checksumSha256: versions[0]!.checksumSha256, expiresAt: null });
  });

  it('all go when the file is deleted: every object and the thumbnails', async () => {
    const { deps } = setup();
    const file = await createFile(deps, overwriter, { name: 'p.png', fileTypeId: 'png' });
    for (const sequencer of ['0A', '0B']) {
      const image = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#345' } }).png().toBuffer();
      await processUploadedObject(deps, await uploadThroughGrant(deps, overwriter, file, image, sequencer));
    }
    await processThumbnails(deps, deps.thumbnails.jobs.at(-1)!);
    expect(deps.objects.objects.size).toBe(4);
    await deleteFile(deps, overwriter, file.id);
    expect(deps.objects.objects.size).toBe(0);
  });
});

describe('temporary files', () => {
  it('expire when no content arrived in time: gone for reads, lists and writes', async () => {
    const { deps, advance } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' }, { pendingTtlSeconds: 3600 });
    expect(file.expiresAt).toBe('2026-01-01T01:00:00.000Z');
    advance(3_599_000);
    expect((await getFile(deps, writer, file.id)).id).toBe(file.id);
    advance(1000);
    await expect(getFile(deps, writer, file.id)).rejects.toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' });
    expect((await listFiles(deps, writer, { limit: 10 })).items).toEqual([]);
    await expect(updateFile(deps, writer, file.id, { name: 'b.pdf' })).rejects.toMatchObject({ status: 404 });
    await expect(createUploadUrl(deps, writer, file.id, { expiresIn: 900 })).rejects.toMatchObject({ status: 404 });
  });

  it('stop being temporary when their content arrives', async () => {
    const { deps, advance } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' }, { pendingTtlSeconds: 60 });
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, file, await pdf(1), '0A'));
    advance(3_600_000);
    expect(await getFile(deps, writer, file.id)).toMatchObject({ status: 'ready', expiresAt: null });
  });
});

describe('copies', () => {
  it("copy the current version's object server-side to a new file of the same tenant and type, processed like an upload", async () => {
    const { deps } = setup();
    const source = await readyPdf(deps, writer, 3);
    const sourceState = (await deps.files.get(source.id))!;
    const copy = await copyFile(deps, overwriter, source.id, { name: 'Lease (copy).pdf' }, { pendingTtlSeconds: 60 });
    expect(copy).toMatchObject({ tenantId: 't1', fileTypeId: 'pdf', name: 'Lease (copy).pdf', tags: ['lease'], links: [{ type: 'contract', id: 'C-1' }], externalId: null, status: 'pending', createdBy: 'svc' });
    expect(copy.id).not.toBe(source.id);
    const copiedKeys = [...deps.objects.objects.keys()].filter((key) => fileIdOfContentKey(key) === copy.id);
    expect(copiedKeys).toHaveLength(1);
    const key = copiedKeys[0]!;
    expect(deps.objects.bytesOf(key)?.equals(deps.objects.bytesOf(sourceState.contentKey!)!)).toBe(true);
    // The copy is a first upload by the copier; the source's SHA-256 is its declared checksum.
    expect(deps.objects.objects.get(key)?.metadata).toEqual({ 'uploaded-by': 'svc', overwrite: 'false', 'checksum-sha256': sourceState.checksumSha256 });

    expect(await processUploadedObject(deps, copyEvent(deps, key, '0A'))).toBe('processed');
    expect(await deps.files.get(copy.id)).toMatchObject({ status: 'ready', pageCount: 3, checksumSha256: sourceState.checksumSha256, expiresAt: null });
    expect(await deps.files.get(source.id)).toEqual(sourceState);
  });

  it('refuse a source without ready content (NOT_UPLOADED), and another tenant finds no source', async () => {
    const { deps } = setup();
    const pending = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    await expect(copyFile(deps, writer, pending.id, {})).rejects.toMatchObject({ status: 409, code: 'NOT_UPLOADED' });
    const processing = await createFile(deps, writer, { name: 'p.png', fileTypeId: 'png' });
    const image = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer();
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, processing, image, '0A'));
    await expect(copyFile(deps, writer, processing.id, {})).rejects.toMatchObject({ status: 409, code: 'NOT_UPLOADED' });
    const ready = await readyPdf(deps, writer, 1);
    await expect(copyFile(deps, otherTenant, ready.id, {})).rejects.toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' });
    expect((await listFiles(deps, writer, { limit: 10 })).items).toHaveLength(3);
  });

  it('leave no file behind when the source object vanished meanwhile', async () => {
    const { deps } = setup();
    const source = await readyPdf(deps, writer, 1);
    await deps.objects.delete([(await deps.files.get(source.id))!.contentKey!]);
    await expect(copyFile(deps, writer, source.id, {})).rejects.toMatchObject({ status: 409, code: 'NOT_UPLOADED' });
    expect((await listFiles(deps, writer, { limit: 10 })).items.map((f) => f.id)).toEqual([source.id]);
  });
});

describe('an upload through an old URL', () => {
  it('never replaces the content of the version it created: that version fails UPLOAD_REUSED, the current one is untouched', async () => {
    const { deps } = setup();
    const file = await createFile(deps, overwriter, { name: 'a.pdf', fileTypeId: 'pdf' });
    const v1 = await uploadThroughGrant(deps, overwriter, file, await pdf(1), '0A');
    await processUploadedObject(deps, v1);
    await processUploadedObject(deps, await uploadThroughGrant(deps, overwriter, file, await pdf(2), '0A'));
    await processUploadedObject(deps, await putAgain(deps, v1.key, await pdf(3), '0B'));
    const versions = await listVersions(deps, writer, file.id);
    expect(versions.map((v) => [v.version, v.pageCount, v.status, v.error?.code ?? null])).toEqual([
      [2, 2, 'ready', null],
      [1, 1, 'failed', 'UPLOAD_REUSED'],
    ]);
  });
});
