/**
 * One processing run in a fresh Node process, so that peak RSS is this run's alone and nothing is
 * warm from an earlier one (as in a new Lambda container). The child reads the file the way the
 * processors read an S3 object (one buffer of the object's size, filled from a stream), runs one
 * operation and prints its figures as one JSON line.
 *
 *   node --import tsx bench/processor-child.ts <operation> <file>
 */
import { execFile } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** What an operation answers: the result, and figures of its own (bytes read…) when it has any. */
type Answer = string | { result: string; extra: Record<string, number | string> };

/** The file an operation works on: its bytes read whole (none for the ranged operations) and where it is. */
interface Input {
  bytes: Buffer;
  path: string;
  size: number;
}

/**
 * The real processing functions, and the floors they are compared with: the least the same library
 * must do for the same answer (parse the PDF; decode and resize the image once; render page 1 once).
 */
const operations = {
  'count-pages': async ({ bytes }: Input) => {
    const { countPages } = await import('../lambdas/inspect/count-pages');
    return `${await countPages(bytes)} pages`;
  },
  // The ranged page count as the metadata processor runs it first, over the module's own reader
  // interface backed by the file: each range one positioned read, as each is one ranged GET on S3.
  'ranged-count': async ({ path, size }: Input) => {
    const { countPagesByRanges } = await import('../lambdas/inspect/pdf-pages/ranged-page-count');
    const file = await open(path, 'r');
    try {
      const counted = await countPagesByRanges(async (start, end) => {
        const buffer = Buffer.alloc(end - start + 1);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, start);
        return buffer.subarray(0, bytesRead);
      }, size);
      const extra = { 'bytes read': counted.bytesRead, requests: counted.requests, 'bytes read / file size': Number((counted.bytesRead / size).toPrecision(3)) };
      return { result: 'pages' in counted ? `${counted.pages} pages` : `undecided: ${counted.undecided}`, extra };
    } finally {
      await file.close();
    }
  },
  'pdf-lib-load': async ({ bytes }: Input) => {
    const { PDFDocument, ParseSpeeds } = await import('pdf-lib');
    const doc = await PDFDocument.load(bytes, { parseSpeed: ParseSpeeds.Fastest, updateMetadata: false });
    return `${doc.getPageCount()} pages`;
  },
  'make-thumbnails': async ({ bytes }: Input) => {
    const { makeThumbnails } = await import('../lambdas/inspect/make-thumbnails');
    return (await makeThumbnails(bytes)).map((t) => `${t.size} ${t.width}×${t.height}`).join(', ');
  },
  // The floor: one bare resize of the same input to the larger thumbnail size, with the same WebP
  // settings. Both sizes cannot cost less than their larger one; the small one adds a resize and an
  // encode of a 256 px image.
  'sharp-resize': async ({ bytes }: Input) => {
    const { default: sharp } = await import('sharp');
    const { WEBP } = await import('../lambdas/inspect/make-thumbnails');
    const { thumbnailSizes } = await import('../lambdas/inspect/thumbnail-sizes');
    const { info } = await sharp(bytes).resize(thumbnailSizes.medium, thumbnailSizes.medium, { fit: 'inside', withoutEnlargement: true }).webp(WEBP).toBuffer({ resolveWithObject: true });
    return `${info.width}×${info.height}`;
  },
  // A PDF's preview as the thumbnail processor makes it: page 1 rendered by PDFium in its budgeted
  // worker at the medium size, then both WebP sizes encoded by sharp.
  'preview-pdf': async ({ bytes }: Input) => {
    const { previewPdf } = await import('../lambdas/inspect/pdf-preview');
    return (await previewPdf(bytes)).map((t) => `${t.size} ${t.width}×${t.height}`).join(', ');
  },
  // The floor: one bare PDFium render of page 1 at the medium width, in this thread with the library
  // already initialised (as a warm process keeps it), and one sharp WebP encode of it with the same
  // settings. No worker, no budget, no small size.
  'pdfium-render': async ({ bytes }: Input) => {
    const { default: sharp } = await import('sharp');
    const { WEBP } = await import('../lambdas/inspect/make-thumbnails');
    const { thumbnailSizes } = await import('../lambdas/inspect/thumbnail-sizes');
    const pdfium = await pdfiumLibrary();
    const document = await pdfium.loadDocument(bytes);
    try {
      const page = document.getPage(0);
      const { originalWidth, originalHeight } = page.getOriginalSize();
      const box = thumbnailSizes.medium;
      const rendered = await page.render({ scale: Math.min(box / Math.floor(originalWidth), box / Math.floor(originalHeight)), render: 'bitmap', colorSpace: 'BGRA' });
      const { info } = await sharp(Buffer.from(rendered.data), { raw: { width: rendered.width, height: rendered.height, channels: 4 } })
        .removeAlpha()
        .webp(WEBP)
        .toBuffer({ resolveWithObject: true });
      return `${info.width}×${info.height}`;
    } finally {
      document.destroy();
    }
  },
} satisfies Record<string, (input: Input) => Promise<Answer>>;

/** Operations that read the file by ranges themselves: the child does not read it whole first. */
const RANGED: ReadonlySet<string> = new Set(['ranged-count']);

let library: Promise<import('@hyzyla/pdfium').PDFiumLibrary> | undefined;
/** PDFium initialised once per process (the floor's clock starts after it, as a warm process has it). */
function pdfiumLibrary(): Promise<import('@hyzyla/pdfium').PDFiumLibrary> {
  library ??= import('@hyzyla/pdfium').then(({ PDFiumLibrary }) => PDFiumLibrary.init());
  return library;
}

export type Operation = keyof typeof operations;

export interface ChildRun {
  /** What the operation answered, or the ProcessingFailure it refused the input with. */
  result: string;
  /** The operation's own figures (the ranged count's bytes read and requests). */
  extra?: Record<string, number | string>;
  /** Reading the file into one buffer. */
  readMs: number;
  /** The operation alone: modules are loaded before the clock starts, as a warm Lambda has them. */
  processMs: number;
  /** CPU time of the operation, all threads: steadier than wall time when neighbours share the cores. */
  cpuMs: number;
  peakRssMb: number;
}

const ROOT = join(__dirname, '..');

/** The least PDF PDFium opens (it rebuilds the missing cross-reference table): warms the preview's compiled module. */
const ONE_PAGE_PDF = '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 10 10]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n';

/** Runs `operation` on `path` in a fresh process; rejects if the child fails or prints no figures. */
export function runInChild(operation: Operation, path: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    // cwd at the repository root: that is where `--import tsx` resolves from.
    execFile(process.execPath, ['--import', 'tsx', __filename, operation, path], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${operation} ${path}: ${error.message.split('\n')[0]}\n${stderr.slice(-2000)}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as ChildRun);
      } catch {
        reject(new Error(`${operation} ${path} printed no figures: ${stdout.slice(-2000)}`));
      }
    });
  });
}

async function child(operation: Operation, path: string): Promise<void> {
  const run = operations[operation];
  if (!run) throw new Error(`Unknown operation ${operation}; one of ${Object.keys(operations).join(', ')}.`);
  const { readToBuffer } = await import('../lambdas/inspect/read-stream');
  const { ProcessingFailure } = await import('../lambdas/inspect/failure');
  // Loaded before timing: the first call's import would otherwise count as processing time.
  await import(['count-pages', 'pdf-lib-load', 'ranged-count'].includes(operation) ? 'pdf-lib' : 'sharp');
  if (operation === 'count-pages') await import('../lambdas/inspect/count-pages');
  if (operation === 'ranged-count') await import('../lambdas/inspect/pdf-pages/ranged-page-count');
  if (operation === 'make-thumbnails') await import('../lambdas/inspect/make-thumbnails');
  if (operation === 'preview-pdf') {
    // PDFium compiled once per process, as a warm thumbnail Lambda has it: a one-page render warms it.
    const { previewPdf } = await import('../lambdas/inspect/pdf-preview');
    await previewPdf(Buffer.from(ONE_PAGE_PDF, 'latin1'));
  }
  // The floor warmed the same way: one render of the least PDF, so neither pays for first-run compilation.
  if (operation === 'pdfium-render') await operations['pdfium-render']({ bytes: Buffer.from(ONE_PAGE_PDF, 'latin1'), path, size: ONE_PAGE_PDF.length });

  const size = statSync(path).size;
  const started = performance.now();
  const bytes = RANGED.has(operation) ? Buffer.alloc(0) : await readToBuffer(createReadStream(path, { highWaterMark: 1 << 20 }), size);
  const read = performance.now();
  const cpu = process.cpuUsage();
  let result: string;
  let extra: ChildRun['extra'];
  try {
    const answer = await run({ bytes, path, size });
    if (typeof answer === 'string') result = answer;
    else ({ result, extra } = answer);
  } catch (error) {
    // Refusing bad content is a result too; anything else fails the run.
    if (!(error instanceof ProcessingFailure)) throw error;
    result = `${error.code} (${error.message})`;
  }
  const done = performance.now();
  const { user, system } = process.cpuUsage(cpu);
  const figures: ChildRun = {
    result,
    ...(extra && { extra }),
    readMs: Math.round(read - started),
    processMs: Math.round((done - read) * 10) / 10,
    cpuMs: Math.round((user + system) / 100) / 10,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(JSON.stringify(figures));
}

if (require.main === module) {
  child(process.argv[2] as Operation, process.argv[3] as string).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
