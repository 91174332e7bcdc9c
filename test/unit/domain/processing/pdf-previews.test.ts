import sharp from 'sharp';
import { createFile } from '../../../../lambdas/domain/files/files';
import { processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import { failDeadLetter } from '../../../../lambdas/domain/processing/processing-recovery';
import { processThumbnails } from '../../../../lambdas/domain/processing/thumbnail-processing';
import { createThumbnailUrl } from '../../../../lambdas/domain/transfer/downloads';
import { pageSizePdf, knownContentPdf } from '../../../support/preview-pdfs';
import { setup, uploadThroughGrant, writer, type TestDeps } from '../../support/grants';
import { defaultFileTypes, fileTypesWithoutPdfPreview } from '../../support/file-types';

jest.setTimeout(30_000);

/** A PDF uploaded and through the metadata step, with the shipped catalogue (PDFs have a preview). */
async function uploadedPdf(deps: TestDeps, bytes: Buffer) {
  const file = await createFile(deps, writer, { name: 'Report.pdf', fileTypeId: 'pdf' });
  const object = await uploadThroughGrant(deps, writer, file, bytes, '0A');
  const outcome = await processUploadedObject(deps, object);
  return { file, object, outcome, job: deps.thumbnails.jobs.at(-1) };
}

describe('PDF previews in processing', () => {
  it('hands a PDF with the preview flag to the thumbnail step, which makes it ready with its first page as thumbnails', async () => {
    const { deps } = setup({ fileTypes: defaultFileTypes });
    const { file, object, outcome, job } = await uploadedPdf(deps, await knownContentPdf(3));
    expect(outcome).toBe('thumbnails-queued');
    expect(job).toEqual({ fileId: file.id, contentKey: object.key, contentSequencer: '0A', contentETag: object.eTag });
    // Still processing, with its page count already known.
    expect(await deps.files.get(file.id)).toMatchObject({ status: 'processing', versions: [expect.objectContaining({ pageCount: 3, status: 'processing' })] });

    expect(await processThumbnails(deps, job!)).toBe('processed');
    const ready = await deps.files.get(file.id);
    expect(ready).toMatchObject({ status: 'ready', pageCount: 3, unavailable: {}, thumbnails: [{ size: 'small', width: 181, height: 256 }, { size: 'medium', width: 723, height: 1024 }] });
    // The medium thumbnail is page 1 (left half black), not page 2 (blue).
    const medium = deps.objects.objects.get(ready!.thumbnailKeys.medium!)!.body;
    const left = await sharp(medium).extract({ left: 36, top: 51, width: 289, height: 922 }).removeAlpha().raw().toBuffer();
    expect(left.reduce((max, v) => Math.max(max, v), 0)).toBeLessThan(24);
    expect(await createThumbnailUrl(deps, writer, file.id, 'medium', { expiresIn: 60 })).toMatchObject({ url: `https://example/${ready!.thumbnailKeys.medium}`, width: 723, height: 1024 });
  });

  it('keeps a PDF whose page cannot be rendered ready, with its page count, no thumbnails and the reason', async () => {
    const { deps } = setup({ fileTypes: defaultFileTypes });
    const { file, job } = await uploadedPdf(deps, await pageSizePdf(1e6, 1e6));
    expect(await processThumbnails(deps, job!)).toBe('processed');
    const ready = await deps.files.get(file.id);
    expect(ready).toMatchObject({
      status: 'ready',
      error: null,
      pageCount: 1,
      thumbnails: [],
      thumbnailKeys: {},
      unavailable: { thumbnails: { code: 'PAGE_TOO_LARGE', message: expect.stringContaining('1000000×1000000') } },
      versions: [expect.objectContaining({ status: 'ready', pageCount: 1, unavailable: { thumbnails: expect.objectContaining({ code: 'PAGE_TOO_LARGE' }) } })],
    });
    expect([...deps.objects.objects.keys()].filter((key) => key.startsWith('thumbnails/'))).toEqual([]);
    await expect(createThumbnailUrl(deps, writer, file.id, 'small', { expiresIn: 60 })).rejects.toMatchObject({ code: 'NO_THUMBNAIL' });
  });

  it('ends a PDF whose preview job was dead-lettered ready without thumbnails', async () => {
    const { deps } = setup({ fileTypes: defaultFileTypes });
    const { file, job } = await uploadedPdf(deps, await knownContentPdf(2));
    expect(await failDeadLetter(deps, { kind: 'thumbnails', job: job! })).toBe('ready');
    expect(await deps.files.get(file.id)).toMatchObject({ status: 'ready', error: null, pageCount: 2, thumbnails: [], unavailable: { thumbnails: { code: 'PROCESSING_FAILED' } } });
    // Once recorded, a second delivery of the dead letter changes nothing.
    expect(await failDeadLetter(deps, { kind: 'thumbnails', job: job! })).toBe('stale');
  });

  it('gives a PDF no preview when its type has no preview flag: ready after the metadata step', async () => {
    const { deps } = setup({ fileTypes: fileTypesWithoutPdfPreview });
    const { file, outcome } = await uploadedPdf(deps, await knownContentPdf(2));
    expect(outcome).toBe('processed');
    expect(deps.thumbnails.jobs).toEqual([]);
    expect(await deps.files.get(file.id)).toMatchObject({ status: 'ready', pageCount: 2, thumbnails: [] });
    await expect(createThumbnailUrl(deps, writer, file.id, 'small', { expiresIn: 60 })).rejects.toMatchObject({ code: 'NO_THUMBNAIL', message: 'Files of type pdf have no thumbnails.' });
  });
});
