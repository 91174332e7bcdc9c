import { PDFDocument } from 'pdf-lib';
import { countPdfPages } from '../../../../lambdas/domain/processing/pdf-page-count';
import { ProcessingFailure } from '../../../../lambdas/inspect/failure';
import type { ObjectStore } from '../../../../lambdas/domain/ports';
import { bigPdf } from '../../../support/big-pdf';
import { encryptPdf } from '../../../support/encrypt-pdf';

const MB = 1024 * 1024;
const object = (size: number) => ({ key: 'content/t1/f1/v1', eTag: 'e1', size });

/** An object store holding `bytes` (a virtual PDF's reader) at one key and ETag, recording ranged reads. */
function store(read: (start: number, end: number) => Uint8Array) {
  const ranges: [number, number][] = [];
  const objects = {
    async readRange(key: string, start: number, end: number, eTag: string) {
      ranges.push([start, end]);
      if (key !== 'content/t1/f1/v1') return undefined;
      if (eTag !== 'e1') return 'changed' as const;
      return read(start, end);
    },
  } as unknown as ObjectStore;
  return { objects, ranges };
}

const wholeFile = (bytes: Uint8Array | null) => {
  const load = jest.fn(async () => bytes);
  return load;
};

describe('countPdfPages', () => {
  it('counts through ranged reads first, never loading the whole file', async () => {
    const pdf = bigPdf({ pages: 9, filler: 300 * MB, xref: 'stream', objectStream: true });
    const { objects, ranges } = store(pdf.read);
    const load = wholeFile(null);
    expect(await countPdfPages(objects, object(pdf.size), null, load)).toEqual({ pageCount: 9 });
    expect(load).not.toHaveBeenCalled();
    expect(ranges.length).toBeGreaterThan(0);
  });

  it('counts from the bytes already read, asking the store for nothing, and falls back to pdf-lib on them', async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 6; i++) doc.addPage();
    const bytes = await doc.save();
    const { objects, ranges } = store(() => {
      throw new Error('the store was read');
    });
    const load = wholeFile(null);
    expect(await countPdfPages(objects, object(bytes.length), bytes, load)).toEqual({ pageCount: 6 });
    const damaged = Buffer.from(Buffer.from(bytes).toString('latin1').replace(/startxref\s+\d+/, 'startxref\n99999999'), 'latin1');
    expect(await countPdfPages(objects, object(damaged.length), damaged, load)).toEqual({ pageCount: 6 });
    expect([ranges, load.mock.calls.length]).toEqual([[], 0]);
  });

  it('falls back to the whole-file count when the ranged read cannot decide', async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 4; i++) doc.addPage();
    const bytes = await doc.save();
    // A startxref that points nowhere: readers that load the whole file do not need it.
    const damaged = Buffer.from(Buffer.from(bytes).toString('latin1').replace(/startxref\s+\d+/, 'startxref\n99999999'), 'latin1');
    const { objects } = store((s, e) => damaged.subarray(s, e + 1));
    const load = wholeFile(damaged);
    expect(await countPdfPages(objects, object(damaged.length), null, load)).toEqual({ pageCount: 4 });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('leaves an encrypted PDF to the whole-file count, which refuses one that needs a password', async () => {
    const doc = await PDFDocument.create();
    doc.addPage();
    const locked = await encryptPdf(await doc.save({ useObjectStreams: true }), { cipher: 'aes-256', userPassword: 'secret', useObjectStreams: true });
    const { objects } = store((s, e) => locked.subarray(s, e + 1));
    const failure = await countPdfPages(objects, object(locked.length), null, wholeFile(locked)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProcessingFailure);
    expect(failure).toMatchObject({ code: 'ENCRYPTED_FILE' });
  });

  it('answers no count, with the reason, for a PDF neither can count', async () => {
    const pdf = bigPdf({ pages: 3, filler: 700 * MB, xref: 'table', prevLoop: true });
    const { objects } = store(pdf.read);
    expect(await countPdfPages(objects, object(pdf.size), null, wholeFile(null))).toEqual({
      pageCount: null,
      unavailable: { code: 'PAGE_COUNT_UNAVAILABLE', message: expect.stringMatching(/loop.*too large to be counted whole/) },
    });
  });

  it('is an error (retried) when the object changes while it is read', async () => {
    const pdf = bigPdf({ pages: 3, filler: 1 * MB, xref: 'stream' });
    const { objects } = store(pdf.read);
    await expect(countPdfPages(objects, { ...object(pdf.size), eTag: 'e2' }, null, wholeFile(null))).rejects.toThrow('changed while its pages were counted');
  });
});
