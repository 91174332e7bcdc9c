import sharp from 'sharp';
import { failureOf } from '../support/failure';
import { MAX_PAGE_SIDE, previewPdf } from '../../../lambdas/inspect/pdf-preview';
import { contentBombPdf, deepNestingPdf, formFanOutPdf, KNOWN_PAGE, knownContentPdf, meanColour, pageSizePdf } from '../../support/preview-pdfs';

// Hostile inputs run to their budget (memory: some seconds on a busy machine).
jest.setTimeout(60_000);

describe('previewPdf', () => {
  it('renders the first page at medium and small size, with the content where the page has it', async () => {
    const [small, medium] = await previewPdf(await knownContentPdf());
    // Fitted to the 1024 and 256 boxes, with the page's proportions (612×866).
    expect({ size: medium!.size, width: medium!.width, height: medium!.height }).toEqual({ size: 'medium', width: Math.floor((KNOWN_PAGE.width * 1024) / KNOWN_PAGE.height), height: 1024 });
    expect({ size: small!.size, height: small!.height }).toEqual({ size: 'small', height: 256 });
    expect(Math.abs(small!.width - (KNOWN_PAGE.width * 256) / KNOWN_PAGE.height)).toBeLessThanOrEqual(1);
    for (const thumbnail of [small!, medium!]) {
      // A page is opaque: its thumbnails have no alpha channel to carry.
      const { format, hasAlpha, channels } = await sharp(thumbnail.data).metadata();
      expect({ format, hasAlpha, channels }).toEqual({ format: 'webp', hasAlpha: false, channels: 3 });
      // Left half black, right half white with a red square near its top; page 2 (all blue) nowhere.
      const black = await meanColour(thumbnail.data, { left: 0.05, top: 0.05, width: 0.4, height: 0.9 });
      const white = await meanColour(thumbnail.data, { left: 0.55, top: 0.4, width: 0.4, height: 0.55 });
      const red = await meanColour(thumbnail.data, { left: 0.63, top: 0.08, width: 0.24, height: 0.14 });
      expect({ black, white, red }).toEqual({ black: [0, 0, 0], white: [256, 256, 256], red: [256, 0, 0] });
    }
  });

  it('renders page 1 of a 50-page PDF', async () => {
    const [, medium] = await previewPdf(await knownContentPdf(50));
    expect(await meanColour(medium!.data, { left: 0.05, top: 0.05, width: 0.4, height: 0.9 })).toEqual([0, 0, 0]);
    expect(await meanColour(medium!.data, { left: 0.63, top: 0.08, width: 0.24, height: 0.14 })).toEqual([256, 0, 0]);
  });

  it('renders a landscape page inside the box, and a page as large as the format allows', async () => {
    const [, wide] = await previewPdf(await pageSizePdf(1200, 300));
    expect({ width: wide!.width, height: wide!.height }).toEqual({ width: 1024, height: 256 });
    const [, largest] = await previewPdf(await pageSizePdf(MAX_PAGE_SIDE, MAX_PAGE_SIDE));
    expect({ width: largest!.width, height: largest!.height }).toEqual({ width: 1024, height: 1024 });
  });

  it('refuses a page declaring more than the format allows, before rendering it', async () => {
    for (const [width, height] of [[1e6, 1e6], [MAX_PAGE_SIDE + 1, 100], [100, MAX_PAGE_SIDE + 1]] as const) {
      const failure = await failureOf(previewPdf(await pageSizePdf(width, height)));
      expect({ code: failure.code, message: failure.message }).toEqual({ code: 'PAGE_TOO_LARGE', message: expect.stringContaining(`${width}×${height}`) });
    }
  });

  it('stops a decompression bomb in the page content at the heap cap', async () => {
    // 30 MB of tiny rectangles (2.4 million page objects) in a 60 KB file.
    const pdf = await contentBombPdf(30);
    expect(pdf.length).toBeLessThan(100_000);
    const failure = await failureOf(previewPdf(pdf));
    expect({ code: failure.code, message: failure.message }).toEqual({ code: 'PREVIEW_TOO_COSTLY', message: expect.stringContaining('512 MiB of memory') });
  });

  it('stops forms drawing forms (10^12 operations from 4 KB), whatever budget runs out first', async () => {
    const failure = await failureOf(previewPdf(await formFanOutPdf()));
    expect(failure.code).toBe('PREVIEW_TOO_COSTLY');
  });

  it('terminates a render past its time budget, in the middle of PDFium’s work', async () => {
    const failure = await failureOf(previewPdf(await formFanOutPdf(), { timeoutMs: 200 }));
    expect({ code: failure.code, message: failure.message }).toEqual({ code: 'PREVIEW_TOO_COSTLY', message: 'Rendering the first page took over 0.2 s: it was stopped.' });
  });

  it('renders content nested 100,000 deep (PDFium bounds its own nesting)', async () => {
    const [small, medium] = await previewPdf(await deepNestingPdf(100_000));
    expect([small!.width, medium!.width]).toEqual([192, 768]);
  });

  it('refuses a PDF over the size previews are rendered for, and one PDFium cannot read', async () => {
    const pdf = await knownContentPdf();
    const tooLarge = await failureOf(previewPdf(pdf, { maxBytes: pdf.length - 1 }));
    expect(tooLarge.code).toBe('FILE_TOO_LARGE');
    const corrupt = await failureOf(previewPdf(Buffer.from('%PDF-1.7\nnot a PDF at all')));
    expect({ code: corrupt.code, message: corrupt.message }).toEqual({ code: 'CORRUPT_FILE', message: expect.stringContaining('cannot read the document') });
  });
});
