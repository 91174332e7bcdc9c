import sharp from 'sharp';
import { createFile } from '../../../../lambdas/domain/files/files';
import { processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import { processThumbnails } from '../../../../lambdas/domain/processing/thumbnail-processing';
import type { UploadedObject } from '../../../../lambdas/domain/ports';
import { failDeadLetter, recoverStuckFiles } from '../../../../lambdas/domain/processing/processing-recovery';
import { overwriter, setup as setupDeps, uploadThroughGrant, writer, type TestDeps } from '../../support/grants';

const policy = { stuckAfterMs: 60_000, giveUpAfterMs: 600_000, batchSize: 100 };

function setup() {
  const { deps: base, advance } = setupDeps();
  const redriven: UploadedObject[] = [];
  const deps = { ...base, processing: { redrive: async (object: UploadedObject) => void redriven.push(object) } };
  return { deps, redriven, advance };
}

const png = () => sharp({ create: { width: 40, height: 30, channels: 3, background: '#08f' } }).png().toBuffer();

/** An image whose metadata step ran (so its version is `processing`) but whose thumbnail job was lost. */
async function stuckImage(deps: TestDeps) {
  const file = await createFile(deps, overwriter, { name: 'a.png', fileTypeId: 'png' });
  const object = await uploadThroughGrant(deps, overwriter, file, await png(), '0A', { eventTime: '2026-01-01T00:00:00Z' });
  expect(await processUploadedObject(deps, object)).toBe('thumbnails-queued');
  deps.thumbnails.jobs.length = 0;
  return { file, object };
}

describe('recoverStuckFiles', () => {
  it('leaves a file alone while it has been processing for less than the stuck time', async () => {
    const { deps, redriven, advance } = setup();
    await stuckImage(deps);
    advance(59_000);
    expect(await recoverStuckFiles(deps, policy)).toEqual({ redriven: [], gaveUp: [], oldestProcessingAgeSeconds: 59 });
    expect(redriven).toEqual([]);
  });

  it("re-drives a stuck version as its S3 event, and the re-driven run picks it up again", async () => {
    const { deps, redriven, advance } = setup();
    const { file, object } = await stuckImage(deps);
    advance(61_000);
    expect(await recoverStuckFiles(deps, policy)).toEqual({ redriven: [file.id], gaveUp: [], oldestProcessingAgeSeconds: 61 });
    expect(redriven).toEqual([object]);
    // The same event again resumes the version, which is still `processing` for this content.
    expect(await processUploadedObject(deps, redriven[0] as UploadedObject)).toBe('thumbnails-queued');
    expect(deps.thumbnails.jobs).toEqual([{ fileId: file.id, contentKey: object.key, contentSequencer: '0A', contentETag: object.eTag }]);
  });

  it('gives up on a file stuck past the give-up time: failed with PROCESSING_STUCK, not re-driven', async () => {
    const { deps, redriven, advance } = setup();
    const { file } = await stuckImage(deps);
    advance(600_000);
    expect(await recoverStuckFiles(deps, policy)).toEqual({ redriven: [], gaveUp: [file.id], oldestProcessingAgeSeconds: 0 });
    expect(redriven).toEqual([]);
    expect(await deps.files.get(file.id)).toMatchObject({ status: 'failed', error: { code: 'PROCESSING_STUCK' } });
    expect((await deps.files.get(file.id))?.versions[0]).toMatchObject({ status: 'failed', error: { code: 'PROCESSING_STUCK' } });
    expect(await recoverStuckFiles(deps, policy)).toEqual({ redriven: [], gaveUp: [], oldestProcessingAgeSeconds: 0 });
    // Each run reports the lag left and its give-ups; the stuck version counts as a failed outcome once.
    expect(deps.telemetry.of('reconciled')).toEqual([
      { event: 'reconciled', oldestProcessingAgeSeconds: 0, gaveUp: 1 },
      { event: 'reconciled', oldestProcessingAgeSeconds: 0, gaveUp: 0 },
    ]);
    expect(deps.telemetry.of('versionFinished')).toEqual([
      { event: 'versionFinished', status: 'failed', errorCode: 'PROCESSING_STUCK', uploadedAt: '2026-01-01T00:00:00Z', at: expect.any(Date) },
    ]);
  });

  it('re-drives an older version stuck in processing even though the current one is ready', async () => {
    const { deps, redriven, advance } = setup();
    const { file, object } = await stuckImage(deps);
    const newer = await uploadThroughGrant(deps, overwriter, file, Buffer.from('not an image'), '0B');
    await processUploadedObject(deps, newer);
    expect((await deps.files.get(file.id))?.status).toBe('failed');
    advance(61_000);
    expect(await recoverStuckFiles(deps, policy)).toEqual({ redriven: [file.id], gaveUp: [], oldestProcessingAgeSeconds: 61 });
    expect(redriven).toEqual([object]);
  });

  it('looks at no more than a batch per run', async () => {
    const { deps, redriven, advance } = setup();
    for (let i = 0; i < 3; i++) await stuckImage(deps);
    advance(61_000);
    expect((await recoverStuckFiles(deps, { ...policy, batchSize: 2 })).redriven).toHaveLength(2);
    expect(redriven).toHaveLength(2);
  });
});

describe('failDeadLetter', () => {
  it('fails a file whose upload message was dead-lettered before the metadata step claimed it', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.png', fileTypeId: 'png' });
    const object = await uploadThroughGrant(deps, writer, file, await png(), '0A', { eventTime: '2026-01-01T00:00:05Z' });
    expect(await failDeadLetter(deps, { kind: 'upload', object })).toBe('failed');
    const failed = await deps.files.get(file.id);
    expect(failed).toMatchObject({ status: 'failed', contentKey: object.key, uploadedAt: object.eventTime, expiresAt: null, error: { code: 'PROCESSING_FAILED' } });
    expect(failed?.versions).toEqual([expect.objectContaining({ version: 1, key: object.key, sequencer: '0A', status: 'failed' })]);
  });

  it('fails a file stuck in processing when its thumbnail job was dead-lettered', async () => {
    const { deps } = setup();
    const { file, object } = await stuckImage(deps);
    const job = { fileId: file.id, contentKey: object.key, contentSequencer: '0A', contentETag: object.eTag };
    expect(await failDeadLetter(deps, { kind: 'thumbnails', job })).toBe('failed');
    expect(await deps.files.get(file.id)).toMatchObject({ status: 'failed', error: { code: 'PROCESSING_FAILED' } });
    expect(deps.files.processingSince.has(file.id)).toBe(false);
  });

  it('leaves a version that moved on to newer bytes, or finished this content, as it is', async () => {
    const { deps } = setup();
    const { file, object } = await stuckImage(deps);
    const newer = { ...object, sequencer: '0B' };
    expect(await processUploadedObject(deps, newer)).toBe('thumbnails-queued');
    expect(await failDeadLetter(deps, { kind: 'upload', object })).toBe('stale');
    const job = { fileId: file.id, contentKey: object.key, contentSequencer: '0A', contentETag: object.eTag };
    expect(await failDeadLetter(deps, { kind: 'thumbnails', job })).toBe('stale');
    expect(await deps.files.get(file.id)).toMatchObject({ status: 'processing', error: null });
    expect((await deps.files.get(file.id))?.versions).toEqual([expect.objectContaining({ sequencer: '0B', status: 'processing' })]);
  });

  it('leaves a refused upload (ALREADY_UPLOADED) refused: newer bytes dead-lettered at its key never become the file\'s content', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.png', fileTypeId: 'png' });
    const first = await uploadThroughGrant(deps, writer, file, await png(), '0A');
    const second = await uploadThroughGrant(deps, writer, file, await png(), '0A');
    await processUploadedObject(deps, first);
    await processThumbnails(deps, deps.thumbnails.jobs[0]!);
    expect(await processUploadedObject(deps, second)).toBe('refused');
    const before = await deps.files.get(file.id);
    expect(await failDeadLetter(deps, { kind: 'upload', object: { ...second, sequencer: '0B' } })).toBe('stale');
    expect(await deps.files.get(file.id)).toEqual(before);
    expect(before).toMatchObject({ status: 'ready', contentKey: first.key, versions: [{ status: 'ready' }, { status: 'failed', error: { code: 'ALREADY_UPLOADED' } }] });
  });

  it('ignores a dead letter for a deleted file or a key that is not file content', async () => {
    const { deps } = setup();
    const object = { key: 'content/00000000000040008000000000000000/0123456789abcdef0123456789abcdef', eTag: 'e', sequencer: '0A', eventTime: '2026-01-01T00:00:00Z' };
    expect(await failDeadLetter(deps, { kind: 'upload', object })).toBe('stale');
    expect(await failDeadLetter(deps, { kind: 'upload', object: { ...object, key: 'elsewhere/x' } })).toBe('stale');
  });
});
