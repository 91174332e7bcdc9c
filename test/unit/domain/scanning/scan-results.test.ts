import sharp from 'sharp';
import { createFile } from '../../../../lambdas/domain/files/files';
import { writeForVersion } from '../../../../lambdas/domain/processing/content-writes';
import { processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import { processThumbnails } from '../../../../lambdas/domain/processing/thumbnail-processing';
import { recordScanResult, ScanResultEarly, type ScanResult } from '../../../../lambdas/domain/scanning/scan-results';
import type { ThumbnailJob, UploadedObject } from '../../../../lambdas/domain/ports';
import { ContendedFiles } from '../../support/contended';
import { setup, uploadThroughGrant, writer, type TestDeps } from '../../support/grants';

const png = () => sharp({ create: { width: 300, height: 200, channels: 3, background: '#888' } }).png().toBuffer();
const result = (object: UploadedObject, status: ScanResult['status']): ScanResult => ({ key: object.key, eTag: object.eTag, status, completedAt: '2026-01-01T00:01:00.000Z', detail: status });

function scanning() {
  const { deps } = setup();
  return { ...deps, malwareScanning: true } satisfies TestDeps & { malwareScanning: boolean };
}

/** A file of `writer` with content uploaded (not processed yet). */
async function uploaded(deps: TestDeps, fileTypeId: 'txt' | 'png', bytes: Uint8Array) {
  const file = await createFile(deps, writer, { name: fileTypeId === 'png' ? 'a.png' : 'a.txt', fileTypeId });
  const object = await uploadThroughGrant(deps, writer, file, bytes, '0A');
  return { id: file.id, object };
}

describe('a new version’s scan state', () => {
  it('is pending when the deployment scans, skipped when it does not', async () => {
    const on = scanning();
    const a = await uploaded(on, 'txt', Buffer.from('hello'));
    await processUploadedObject(on, a.object);
    expect((await on.files.get(a.id))!.versions[0]).toMatchObject({ status: 'ready', scan: { status: 'pending', completedAt: null } });

    const { deps: off } = setup();
    const b = await uploaded(off, 'txt', Buffer.from('hello'));
    await processUploadedObject(off, b.object);
    expect((await off.files.get(b.id))!.versions[0]).toMatchObject({ status: 'ready', scan: { status: 'skipped', completedAt: null } });
  });
});

describe('recordScanResult', () => {
  it('records a clean result on the version of the bytes it names', async () => {
    const deps = scanning();
    const { id, object } = await uploaded(deps, 'txt', Buffer.from('hello'));
    await processUploadedObject(deps, object);
    expect(await recordScanResult(deps, result(object, 'clean'))).toBe('recorded');
    const file = (await deps.files.get(id))!;
    expect(file).toMatchObject({ status: 'ready', error: null });
    expect(file.versions[0]!.scan).toEqual({ status: 'clean', completedAt: '2026-01-01T00:01:00.000Z' });
    // Redelivered: nothing more to write.
    expect(await recordScanResult(deps, result(object, 'clean'))).toBe('unchanged');
  });

  it('fails the file with MALWARE_FOUND when its current version is infected, and deletes its bytes and thumbnails', async () => {
    const deps = scanning();
    const { id, object } = await uploaded(deps, 'png', await png());
    expect(await processUploadedObject(deps, object)).toBe('thumbnails-queued');
    await processThumbnails(deps, deps.thumbnails.jobs[0] as ThumbnailJob);
    const ready = (await deps.files.get(id))!;
    const thumbnailKeys = Object.values(ready.thumbnailKeys) as string[];
    expect(ready.status).toBe('ready');
    expect(thumbnailKeys.length).toBeGreaterThan(0);

    expect(await recordScanResult(deps, result(object, 'infected'))).toBe('recorded');
    const failed = (await deps.files.get(id))!;
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'MALWARE_FOUND' }, thumbnails: [], thumbnailKeys: {} });
    expect(failed.versions[0]).toMatchObject({ status: 'failed', contentRemoved: true, error: { code: 'MALWARE_FOUND' }, scan: { status: 'infected' } });
    expect(deps.objects.objects.has(object.key)).toBe(false);
    for (const key of thumbnailKeys) expect(deps.objects.objects.has(key)).toBe(false);
    // A later clean verdict (reordered, redelivered) never turns it back.
    expect(await recordScanResult(deps, result(object, 'clean'))).toBe('unchanged');
    expect((await deps.files.get(id))!.versions[0]!.scan?.status).toBe('infected');
  });

  it('keeps processing from reviving a version found infected while it was still being processed', async () => {
    const deps = scanning();
    const { id, object } = await uploaded(deps, 'txt', Buffer.from('hello'));
    await processUploadedObject(deps, object);
    await recordScanResult(deps, result(object, 'infected'));
    // A processor run that had read the object before the verdict now writes its result.
    const written = await writeForVersion(deps, id, { key: object.key, sequencer: object.sequencer }, () => ({ status: 'ready', error: null }));
    expect(written?.changed).toBe(false);
    expect((await deps.files.get(id))!).toMatchObject({ status: 'failed', error: { code: 'MALWARE_FOUND' } });
  });

  it('throws (to be delivered again) for a result that came before processing recorded its version, and records it once it has', async () => {
    const deps = scanning();
    const { id, object } = await uploaded(deps, 'txt', Buffer.from('hello'));
    await expect(recordScanResult(deps, result(object, 'infected'))).rejects.toBeInstanceOf(ScanResultEarly);
    // Nothing was deleted meanwhile: processing still finds the bytes and records the version.
    expect(deps.objects.objects.has(object.key)).toBe(true);
    await processUploadedObject(deps, object);
    expect((await deps.files.get(id))!.versions[0]!.scan?.status).toBe('pending');
    // The redelivery.
    expect(await recordScanResult(deps, result(object, 'infected'))).toBe('recorded');
    expect((await deps.files.get(id))!).toMatchObject({ status: 'failed', error: { code: 'MALWARE_FOUND' } });
    expect(deps.objects.objects.has(object.key)).toBe(false);
  });

  it('drops a result for bytes no longer at the key, or for a file that is gone', async () => {
    const deps = scanning();
    const { id, object } = await uploaded(deps, 'txt', Buffer.from('hello'));
    await processUploadedObject(deps, object);
    const before = await deps.files.get(id);
    expect(await recordScanResult(deps, { ...result(object, 'infected'), eTag: 'older-bytes' })).toBe('stale');
    expect(await deps.files.get(id)).toEqual(before);
    expect(deps.objects.objects.has(object.key)).toBe(true);
    await deps.files.delete(before!);
    expect(await recordScanResult(deps, result(object, 'clean'))).toBe('stale');
    expect(await recordScanResult(deps, { ...result(object, 'clean'), key: 'thumbnails/x' })).toBe('not-a-file');
  });

  it('retries its write when another write came first', async () => {
    const deps = scanning();
    const files = new ContendedFiles(deps.now);
    const contendedDeps = { ...deps, files };
    const { id, object } = await uploaded(contendedDeps, 'txt', Buffer.from('hello'));
    await processUploadedObject(contendedDeps, object);
    files.rivals = ['write', 'write'];
    expect(await recordScanResult(contendedDeps, result(object, 'clean'))).toBe('recorded');
    const file = (await files.get(id))!;
    expect(file.versions[0]!.scan?.status).toBe('clean');
    expect(file.tags).toHaveLength(2);
  });
});
