import sharp from 'sharp';
import { audit, stdoutAuditLog, type Actor } from '../../../lambdas/domain/audit';
import { createDownloadUrl, createThumbnailUrl, grantDownload, grantThumbnail } from '../../../lambdas/domain/transfer/downloads';
import { createFile } from '../../../lambdas/domain/files/files';
import { processUploadedObject } from '../../../lambdas/domain/processing/metadata-processing';
import { createMultipartUpload, getMultipartUpload, partUrlsFor } from '../../../lambdas/domain/transfer/multipart';
import { processThumbnails } from '../../../lambdas/domain/processing/thumbnail-processing';
import { createUploadForm, createUploadUrl } from '../../../lambdas/domain/transfer/uploads';
import { MemoryAuditLog, MemoryTelemetry } from '../support/memory';
import { setup, uploadThroughGrant, writer, type TestDeps } from '../support/grants';

const MiB = 1024 ** 2;
const SIGNATURE = /signature/i;

/** Pre-signed URLs as S3 hands them out: the credential is in the query string. */
function signLikeS3(deps: TestDeps) {
  const signed = (key: string) => `https://bucket.s3.amazonaws.com/${key}?X-Amz-Credential=AKIA%2Fx&X-Amz-Expires=60&X-Amz-Signature=deadbeef00`;
  const presignPut = deps.objects.presignPut.bind(deps.objects);
  const presignUploadPart = deps.objects.presignUploadPart.bind(deps.objects);
  deps.objects.presignGet = async (key: string) => signed(key);
  deps.objects.presignPut = async (key, options) => ({ ...(await presignPut(key, options)), url: signed(key) });
  deps.objects.presignUploadPart = async (key, uploadId, options) => ({ ...(await presignUploadPart(key, uploadId, options)), url: signed(key) });
}

/** Runs `grant` and returns the one audit line it wrote (failing unless there is exactly one). */
async function lineOf(deps: TestDeps, grant: () => Promise<{ expiresAt: string }>) {
  const log = deps.auditLog as MemoryAuditLog;
  const before = log.lines.length;
  const result = await grant();
  expect(log.lines.length - before).toBe(1);
  const line = log.lines.at(-1)!;
  expect(JSON.stringify(line)).not.toMatch(SIGNATURE);
  expect(JSON.stringify(line)).not.toContain('deadbeef');
  expect(JSON.stringify(line)).not.toContain('X-Amz-Credential');
  expect(line.expiresAt).toBe(result.expiresAt);
  return line;
}

const user: Actor = { type: 'user', id: 'u1' };

describe('audit', () => {
  it('logs one line per upload grant: PUT URL, form, and each answer with part URLs', async () => {
    const { deps } = setup();
    signLikeS3(deps);
    const file = await createFile(deps, writer, { name: 'a.zip', fileTypeId: 'zip' });
    const common = { audit: true, tenantId: 't1', principal: user, fileId: file.id };
    expect(await lineOf(deps, () => createUploadUrl(deps, writer, file.id, { expiresIn: 900 }))).toEqual({
      ...common,
      action: 'upload',
      key: deps.objects.presigned.at(-1)!.key,
      expiresAt: '2026-01-01T00:15:00.000Z',
    });
    expect(await lineOf(deps, () => createUploadForm(deps, writer, file.id, { expiresIn: 900 }))).toMatchObject({ ...common, action: 'upload-form', key: deps.objects.posted.at(-1)!.key });

    const started = await createMultipartUpload(deps, writer, file.id, { size: 12 * MiB, partSize: 5 * MiB, expiresIn: 600 });
    const key = [...deps.objects.uploads.values()].at(-1)!.key;
    expect((deps.auditLog as MemoryAuditLog).lines.at(-1)).toMatchObject({ ...common, action: 'upload-part', key, partNumbers: [1, 2, 3] });
    expect(await lineOf(deps, () => getMultipartUpload(deps, writer, file.id, started.uploadId, { expiresIn: 600 }))).toMatchObject({ action: 'upload-part', partNumbers: [1, 2, 3] });
    expect(await lineOf(deps, () => partUrlsFor(deps, writer, file.id, started.uploadId, { parts: [{ partNumber: 2 }], expiresIn: 600 }))).toMatchObject({
      action: 'upload-part',
      key,
      partNumbers: [2],
    });
  });

  it('logs one line per download and thumbnail grant, with the actor the caller names', async () => {
    const { deps } = setup();
    const created = await createFile(deps, writer, { name: 'a.png', fileTypeId: 'png' });
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#08f' } }).png().toBuffer();
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, created, png, '0A'));
    await processThumbnails(deps, deps.thumbnails.jobs[0]!);
    signLikeS3(deps);
    const file = (await deps.files.get(created.id))!;
    const common = { audit: true, tenantId: 't1', fileId: file.id };

    expect(await lineOf(deps, () => createDownloadUrl(deps, writer, file.id, { disposition: 'attachment', expiresIn: 60 }))).toEqual({
      ...common,
      action: 'download',
      principal: user,
      key: file.contentKey,
      version: 1,
      expiresAt: '2026-01-01T00:01:00.000Z',
    });
    const token: Actor = { type: 'token', id: 'share-1' };
    expect(await lineOf(deps, () => grantDownload(deps, file, { disposition: 'attachment', expiresIn: 60, inlineMimeTypes: [], actor: token, action: 'share-download' }))).toMatchObject({
      action: 'share-download',
      principal: token,
    });
    expect(await lineOf(deps, () => createThumbnailUrl(deps, writer, file.id, 'small', { expiresIn: 60 }))).toEqual({
      ...common,
      action: 'thumbnail',
      principal: user,
      key: file.thumbnailKeys.small,
      size: 'small',
      expiresAt: '2026-01-01T00:01:00.000Z',
    });
    expect(await lineOf(deps, () => grantThumbnail(deps, file, 'medium', { expiresIn: 60, actor: { type: 'public' }, action: 'public-download' }))).toMatchObject({
      action: 'public-download',
      principal: { type: 'public' },
    });
  });

  it('logs nothing for a grant that is refused', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.zip', fileTypeId: 'zip' });
    await expect(createUploadUrl(deps, writer, file.id, { expiresIn: 900, size: 10, maxFileSize: 5 })).rejects.toMatchObject({ status: 413 });
    await expect(createDownloadUrl(deps, writer, file.id, { disposition: 'attachment', expiresIn: 60 })).rejects.toMatchObject({ status: 409 });
    expect((deps.auditLog as MemoryAuditLog).lines).toEqual([]);
  });

  it('writes only its own fields, as one JSON line on stdout by default', () => {
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const sneaky = { type: 'token', id: 'share-1', url: 'https://x/?X-Amz-Signature=1' } as Actor;
    const telemetry = new MemoryTelemetry();
    audit({ telemetry }, { action: 'download', tenantId: 't1', actor: sneaky, fileId: 'f', expiresAt: '2026-01-01T00:00:00.000Z', key: 'content/f/1', version: 2 });
    expect(spy).toHaveBeenCalledTimes(1);
    const line = spy.mock.calls[0]![0] as string;
    expect(line.endsWith('\n')).toBe(true);
    expect(telemetry.events).toEqual([{ event: 'urlGranted', kind: 'download' }]);
    expect(line).not.toMatch(SIGNATURE);
    expect(JSON.parse(line)).toEqual({
      level: 'info',
      message: 'url granted',
      time: expect.any(String),
      audit: true,
      action: 'download',
      tenantId: 't1',
      principal: { type: 'token', id: 'share-1' },
      fileId: 'f',
      expiresAt: '2026-01-01T00:00:00.000Z',
      key: 'content/f/1',
      version: 2,
    });
    spy.mockRestore();
    expect(stdoutAuditLog.write).toBeInstanceOf(Function);
  });
});
