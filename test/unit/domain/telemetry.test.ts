import { createFile, deleteFile } from '../../../lambdas/domain/files/files';
import { failDeadLetter } from '../../../lambdas/domain/processing/processing-recovery';
import { processUploadedObject } from '../../../lambdas/domain/processing/metadata-processing';
import { createShareToken, useShareToken } from '../../../lambdas/domain/sharing/share-tokens';
import { PDFDocument } from 'pdf-lib';
import { putAgain, setup, uploadThroughGrant, writer } from '../support/grants';

async function makePdfBytes() {
  const doc = await PDFDocument.create();
  doc.addPage();
  return doc.save();
}

/** The events a piece of domain work reports, besides the grants. */
const outcomes = (events: Record<string, unknown>[]) => events.filter((e) => e.event !== 'urlGranted');

describe('what the domain reports to telemetry', () => {
  it('a version that becomes ready: once, with the upload time for the time to ready; a duplicate event adds nothing', async () => {
    const { deps, advance } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const object = await uploadThroughGrant(deps, writer, file, await makePdfBytes(), '0A', { eventTime: '2026-01-01T00:00:00Z' });
    expect(deps.telemetry.of('urlGranted')).toEqual([{ event: 'urlGranted', kind: 'upload' }]);
    advance(3_000);
    expect(await processUploadedObject(deps, object)).toBe('processed');
    expect(await processUploadedObject(deps, object)).toBe('stale');
    expect(outcomes(deps.telemetry.events)).toEqual([
      { event: 'versionFinished', status: 'ready', errorCode: null, uploadedAt: '2026-01-01T00:00:00Z', at: new Date('2026-01-01T00:00:03Z') },
    ]);
  });

  it('a version that fails: with its error code; bytes a reused URL brings: UPLOAD_REUSED', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const object = await uploadThroughGrant(deps, writer, file, Buffer.from('not a pdf at all'), '0A');
    await processUploadedObject(deps, object);
    expect(outcomes(deps.telemetry.events)).toEqual([expect.objectContaining({ event: 'versionFinished', status: 'failed', errorCode: 'CONTENT_MISMATCH' })]);
    await processUploadedObject(deps, await putAgain(deps, object.key, await makePdfBytes(), '0B'));
    expect(outcomes(deps.telemetry.events)).toHaveLength(2);
    expect(outcomes(deps.telemetry.events)[1]).toMatchObject({ status: 'failed', errorCode: 'UPLOAD_REUSED' });
  });

  it('a dead letter for bytes processing never claimed: a failed outcome, PROCESSING_FAILED', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const object = await uploadThroughGrant(deps, writer, file, await makePdfBytes(), '0A');
    expect(await failDeadLetter(deps, { kind: 'upload', object })).toBe('failed');
    expect(await failDeadLetter(deps, { kind: 'upload', object })).toBe('stale');
    expect(outcomes(deps.telemetry.events)).toEqual([expect.objectContaining({ event: 'versionFinished', status: 'failed', errorCode: 'PROCESSING_FAILED' })]);
  });

  it('a refused share token, with why', async () => {
    const { deps, advance } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    const read = await createShareToken(deps, writer, file.id, { accessLevel: 'read' });
    const soon = await createShareToken(deps, writer, file.id, { accessLevel: 'full', expiresAt: new Date(Date.parse('2026-01-01T00:00:00Z') + 60_000).toISOString() });
    const policy = { requestsPerMinute: 2 };
    await expect(useShareToken(deps, `fps_${'x'.repeat(43)}`, 'read', policy)).rejects.toMatchObject({ status: 404 });
    await expect(useShareToken(deps, read.token, 'full', policy)).rejects.toMatchObject({ status: 403 });
    await useShareToken(deps, read.token, 'read', policy);
    await expect(useShareToken(deps, read.token, 'read', policy)).rejects.toMatchObject({ status: 429 });
    advance(120_000);
    await expect(useShareToken(deps, soon.token, 'read', policy)).rejects.toMatchObject({ status: 404 });
    const other = await createFile(deps, writer, { name: 'b.pdf', fileTypeId: 'pdf' });
    const orphan = await createShareToken(deps, writer, other.id, { accessLevel: 'read' });
    await deleteFile(deps, writer, other.id);
    // Deleting the file revokes its tokens: the secret is then unknown, as a guessed one.
    await expect(useShareToken(deps, orphan.token, 'read', policy)).rejects.toMatchObject({ status: 404 });
    expect(outcomes(deps.telemetry.events)).toEqual([
      { event: 'shareTokenRefused', reason: 'unknown' },
      { event: 'shareTokenRefused', reason: 'read-only' },
      { event: 'throttled', limit: 'share-token-rate' },
      { event: 'shareTokenRefused', reason: 'rate-limited' },
      { event: 'shareTokenRefused', reason: 'expired' },
      { event: 'shareTokenRefused', reason: 'unknown' },
    ]);
  });
});
