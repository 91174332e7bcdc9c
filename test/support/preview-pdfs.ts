import { deflateSync } from 'node:zlib';
import { PDFDocument, PDFName, PDFNumber, PDFRawStream, rgb, type PDFRef } from 'pdf-lib';
import sharp from 'sharp';

/**
 * PDFs for the preview renderer (lambdas/inspect/pdf-preview.ts), generated: one whose first page
 * has known content, and hostile ones.
 */

/** Page size of the known page: portrait, so it renders 724×1024 at medium size. */
export const KNOWN_PAGE = { width: 612, height: 866 } as const;

/**
 * Page 1: the left half black, the right half white, with a red square in the right half's top
 * quarter (x 60–90%, y 5–25% from the top). Page 2 is all blue: a render of the wrong page shows it.
 * More pages (plain text) after those when `pages` says so.
 */
export async function knownContentPdf(pages = 2): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const { width, height } = KNOWN_PAGE;
  const first = doc.addPage([width, height]);
  first.drawRectangle({ x: 0, y: 0, width: width / 2, height, color: rgb(0, 0, 0) });
  // PDF space grows upwards: 5–25% from the top is 75–95% from the bottom.
  first.drawRectangle({ x: width * 0.6, y: height * 0.75, width: width * 0.3, height: height * 0.2, color: rgb(1, 0, 0) });
  doc.addPage([width, height]).drawRectangle({ x: 0, y: 0, width, height, color: rgb(0, 0, 1) });
  for (let i = 2; i < pages; i++) doc.addPage([width, height]).drawText(`Page ${i + 1}`, { x: 50, y: height - 80, size: 36 });
  return Buffer.from(await doc.save());
}

/** One page declaring `width`×`height` units (a MediaBox of any size pdf-lib writes as given). */
export async function pageSizePdf(width: number, height: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([width, height]).drawRectangle({ x: 0, y: 0, width: 10, height: 10, color: rgb(0, 0, 0) });
  return Buffer.from(await doc.save());
}

/** A page whose content stream is `content`, Flate-compressed, with `resources` (a dictionary of the page's XObjects). */
async function pageWithContent(content: Buffer, setup?: (doc: PDFDocument) => Record<string, PDFRef>): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([600, 800]);
  const xObjects = setup?.(doc);
  const stream = doc.context.flateStream(content);
  page.node.set(PDFName.of('Contents'), doc.context.register(stream));
  if (xObjects) {
    const dict = doc.context.obj(Object.fromEntries(Object.entries(xObjects).map(([name, ref]) => [name, ref])));
    page.node.set(PDFName.of('Resources'), doc.context.obj({ XObject: dict }));
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/**
 * A decompression bomb in page content: `megabytes` MB of path operators (each a tiny filled
 * rectangle) in a stream that compresses to a few hundred KB per 100 MB. Millions of page objects.
 */
export async function contentBombPdf(megabytes: number): Promise<Buffer> {
  const op = Buffer.from('0 0 1 1 re f\n');
  const content = Buffer.alloc(megabytes * 1024 ** 2, op);
  return pageWithContent(content);
}

/** Content nested `depth` deep: `q` (save graphics state) with no `Q`, inside arrays nested as deep. */
export async function deepNestingPdf(depth: number): Promise<Buffer> {
  const content = Buffer.from(`${'q '.repeat(depth)}\n${'['.repeat(depth)}${']'.repeat(depth)} pop\n0 0 100 100 re f\n`);
  return pageWithContent(content);
}

/**
 * Forms drawing forms: form k draws form k+1 `fanOut` times, `levels` deep, so a few KB ask the
 * renderer for fanOut^levels operations: a loop that would not end in any budget.
 */
export async function formFanOutPdf(levels = 12, fanOut = 10): Promise<Buffer> {
  return pageWithContent(Buffer.from('/F0 Do\n'), (doc) => {
    let next: PDFRef | undefined;
    let first: PDFRef | undefined;
    for (let level = levels; level >= 0; level--) {
      const body = next ? Array.from({ length: fanOut }, () => 'q 0.9 0 0 0.9 1 1 cm /N Do Q').join('\n') : '0 0 1 1 re f';
      const dict = doc.context.obj({ Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 600, 800], Filter: 'FlateDecode' });
      if (next) dict.set(PDFName.of('Resources'), doc.context.obj({ XObject: doc.context.obj({ N: next }) }));
      const compressed = deflateSync(Buffer.from(body));
      dict.set(PDFName.of('Length'), PDFNumber.of(compressed.length));
      next = doc.context.register(PDFRawStream.of(dict, compressed));
      first = next;
    }
    return { F0: first as PDFRef };
  });
}

/**
 * Mean colour of a region given in fractions of the image, each channel rounded to a multiple of
 * 32 (0–256): black is [0, 0, 0], white [256, 256, 256], red [256, 0, 0], whatever WebP blurs.
 */
export async function meanColour(image: Buffer, region: { left: number; top: number; width: number; height: number }): Promise<number[]> {
  const { width = 0, height = 0 } = await sharp(image).metadata();
  const box = {
    left: Math.round(region.left * width),
    top: Math.round(region.top * height),
    width: Math.round(region.width * width),
    height: Math.round(region.height * height),
  };
  // Decoded first: sharp's stats() describe its input, not what the pipeline made of it.
  const { data, info } = await sharp(image).extract(box).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i++) sums[i % info.channels]! += data[i]!;
  return sums.map((sum) => Math.round(sum / (data.length / info.channels) / 32) * 32);
}
