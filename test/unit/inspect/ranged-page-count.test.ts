import { PDFDocument } from 'pdf-lib';
import { countPagesByRanges, RANGED_BUDGET, type RangeReader } from '../../../lambdas/inspect/pdf-pages/ranged-page-count';
import { bigPdf, type BigPdf, type BigPdfOptions } from '../../support/big-pdf';

const MB = 1024 * 1024;
const TiB = 1024 ** 4;

/** A reader over `pdf` that records what was asked. */
function recorded(pdf: Pick<BigPdf, 'read'>) {
  const calls: [number, number][] = [];
  const read: RangeReader = async (start, end) => {
    calls.push([start, end]);
    return pdf.read(start, end);
  };
  return { read, calls, bytes: () => calls.reduce((sum, [s, e]) => sum + e - s + 1, 0) };
}

async function count(options: BigPdfOptions) {
  const pdf = bigPdf(options);
  const reader = recorded(pdf);
  const result = await countPagesByRanges(reader.read, pdf.size);
  return { pdf, result, reader };
}

describe('countPagesByRanges', () => {
  it('counts a 100 MB PDF with cross-reference streams reading under 1% of it', async () => {
    const { pdf, result, reader } = await count({ pages: 40, filler: 100 * MB, xref: 'stream', objectStream: true });
    expect(result).toMatchObject({ pages: 40 });
    expect(reader.bytes()).toBe(result.bytesRead);
    expect(reader.bytes() / pdf.size).toBeLessThan(0.01);
    expect(reader.calls.length).toBe(result.requests);
    expect(result.requests).toBeLessThanOrEqual(4);
  });

  it.each([
    ['cross-reference stream, page tree in an object stream', { xref: 'stream', objectStream: true }],
    ['cross-reference stream, predictor 12', { xref: 'stream', predictor: true }],
    ['classic table', { xref: 'table' }],
  ] as const)('counts a 600 MB PDF (%s) from a few kilobytes', async (_name, kind) => {
    const { pdf, result, reader } = await count({ pages: 25, filler: 600 * MB, ...kind });
    expect(result).toMatchObject({ pages: 25 });
    expect(reader.bytes()).toBeLessThan(128 * 1024);
    // Only the first and last blocks: nothing in the filler's middle.
    expect(reader.calls.every(([s, e]) => e < 64 * 1024 || s >= pdf.size - 64 * 1024)).toBe(true);
  });

  it('counts a PDF declared 5 TiB (offsets past 4 GiB in a cross-reference stream)', async () => {
    const { result, reader } = await count({ pages: 7, filler: 5 * TiB - 64 * 1024, xref: 'stream', objectStream: true, predictor: true });
    expect(result).toMatchObject({ pages: 7 });
    expect(reader.bytes()).toBeLessThan(128 * 1024);
  });

  it.each(['stream', 'table'] as const)('follows an incremental update through /Prev (%s)', async (xref) => {
    const { result } = await count({ pages: 3, addedPages: 4, filler: 200 * MB, xref });
    expect(result).toMatchObject({ pages: 7 });
  });

  it('reads a hybrid file: a classic table whose /XRefStm locates the page tree in an object stream', async () => {
    const { result } = await count({ pages: 6, filler: 50 * MB, xref: 'table', objectStream: true });
    expect(result).toMatchObject({ pages: 6 });
  });

  it('follows an incremental update over a page tree in an object stream', async () => {
    const { result } = await count({ pages: 3, addedPages: 2, filler: 10 * MB, xref: 'stream', objectStream: true });
    expect(result).toMatchObject({ pages: 5 });
  });

  it.each([
    ['too low', 2],
    ['too high', 90],
  ])('walks the page tree when its /Count is %s', async (_name, declaredCount) => {
    const { result } = await count({ pages: 10, declaredCount, filler: 1 * MB, xref: 'stream', objectStream: true });
    expect(result).toMatchObject({ pages: 10 });
  });

  it('counts what pdf-lib writes, with and without object streams', async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 12; i++) doc.addPage();
    for (const useObjectStreams of [true, false]) {
      const bytes = await doc.save({ useObjectStreams });
      const result = await countPagesByRanges(async (s, e) => bytes.subarray(s, e + 1), bytes.length);
      expect(result).toMatchObject({ pages: 12 });
    }
  });

  it('gives up on a truncated PDF after reading its tail', async () => {
    const pdf = bigPdf({ pages: 3, filler: 600 * MB, xref: 'stream' });
    const reader = recorded(pdf);
    const result = await countPagesByRanges(reader.read, pdf.size - 5000);
    expect(result).toMatchObject({ undecided: expect.stringContaining('%%EOF') });
    expect(reader.calls.length).toBe(1);
  });

  it.each(['stream', 'table'] as const)('gives up on a /Prev loop (%s)', async (xref) => {
    const { result } = await count({ pages: 3, filler: 1 * MB, xref, prevLoop: true });
    expect(result).toMatchObject({ undecided: expect.stringContaining('loop') });
  });

  it('gives up on a startxref outside the file', async () => {
    const { result, reader } = await count({ pages: 3, filler: 1 * MB, xref: 'stream', startxref: 5 * TiB });
    expect(result).toMatchObject({ undecided: expect.stringContaining('outside the file') });
    expect(reader.calls.length).toBe(1);
  });

  it('gives up on a startxref pointing into the filler', async () => {
    const { result } = await count({ pages: 3, filler: 1 * MB, xref: 'table', startxref: 500_000 });
    expect(result).toMatchObject({ undecided: expect.stringContaining('points to no') });
  });

  it('gives up on a page tree containing itself', async () => {
    const { result } = await count({ pages: 3, filler: 1 * MB, xref: 'stream', cycle: true });
    expect(result).toMatchObject({ undecided: expect.stringContaining('twice') });
  });

  it('defers an encrypted PDF', async () => {
    const { result } = await count({ pages: 3, filler: 1 * MB, xref: 'table', encrypted: true });
    expect(result).toMatchObject({ undecided: 'The PDF is encrypted.' });
  });

  it('gives up on an object stream that unpacks past the bound', async () => {
    const pdf = bigPdf({ pages: 3, filler: 1 * MB, xref: 'stream', objectStream: true, objectStreamPadding: 3 * MB });
    const small = await countPagesByRanges(async (s, e) => pdf.read(s, e), pdf.size, { ...RANGED_BUDGET, maxUnpackedBytes: 2 * MB });
    expect(small).toMatchObject({ undecided: expect.stringContaining('unpack to more than 2 MB') });
    // The same file within the bound is counted.
    expect(await countPagesByRanges(async (s, e) => pdf.read(s, e), pdf.size, { ...RANGED_BUDGET, maxUnpackedBytes: 4 * MB })).toMatchObject({ pages: 3 });
  });

  it('stops at the request and byte budgets', async () => {
    // A classic table and 300 pages spread out: one block each is more requests and bytes than allowed.
    const pdf = bigPdf({ pages: 300, filler: 1 * MB, xref: 'table' });
    const read = async (s: number, e: number) => pdf.read(s, e);
    expect(await countPagesByRanges(read, pdf.size)).toMatchObject({ pages: 300 });
    const fewRequests = await countPagesByRanges(read, pdf.size, { ...RANGED_BUDGET, maxRequests: 2 });
    expect(fewRequests).toMatchObject({ undecided: expect.stringContaining('more than 2 ranged reads'), requests: 2 });
    const fewBytes = await countPagesByRanges(read, pdf.size, { ...RANGED_BUDGET, maxBytes: 20 * 1024 });
    expect(fewBytes).toMatchObject({ undecided: expect.stringContaining('MiB of ranged reads') });
    expect(fewBytes.bytesRead).toBeLessThanOrEqual(20 * 1024);
  });
});
