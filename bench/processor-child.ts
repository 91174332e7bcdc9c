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
import { join } from 'node:path';

/**
 * The real processing functions, and the floors they are compared with: the least the same library
 * must do for the same answer (parse the PDF; decode and resize the image once).
 */
const operations = {
  'count-pages': async (bytes: Buffer) => {
    const { countPages } = await import('../lambdas/inspect/count-pages');
    return `${await countPages(bytes)} pages`;
  },
  'pdf-lib-load': async (bytes: Buffer) => {
    const { PDFDocument, ParseSpeeds } = await import('pdf-lib');
    const doc = await PDFDocument.load(bytes, { parseSpeed: ParseSpeeds.Fastest, updateMetadata: false });
    return `${doc.getPageCount()} pages`;
  },
  'make-thumbnails': async (bytes: Buffer) => {
    const { makeThumbnails } = await import('../lambdas/inspect/make-thumbnails');
    return (await makeThumbnails(bytes)).map((t) => `${t.size} ${t.width}×${t.height}`).join(', ');
  },
  // The floor: one bare resize of the same input to the larger thumbnail size, with the same WebP
  // settings. Both sizes cannot cost less than their larger one; the small one adds a resize and an
  // encode of a 256 px image.
  'sharp-resize': async (bytes: Buffer) => {
    const { default: sharp } = await import('sharp');
    const { WEBP } = await import('../lambdas/inspect/make-thumbnails');
    const { thumbnailSizes } = await import('../lambdas/inspect/thumbnail-sizes');
    const { info } = await sharp(bytes).resize(thumbnailSizes.medium, thumbnailSizes.medium, { fit: 'inside', withoutEnlargement: true }).webp(WEBP).toBuffer({ resolveWithObject: true });
    return `${info.width}×${info.height}`;
  },
} satisfies Record<string, (bytes: Buffer) => Promise<string>>;

export type Operation = keyof typeof operations;

export interface ChildRun {
  /** What the operation answered, or the ProcessingFailure it refused the input with. */
  result: string;
  /** Reading the file into one buffer. */
  readMs: number;
  /** The operation alone: modules are loaded before the clock starts, as a warm Lambda has them. */
  processMs: number;
  /** CPU time of the operation, all threads: steadier than wall time when neighbours share the cores. */
  cpuMs: number;
  peakRssMb: number;
}

const ROOT = join(__dirname, '..');

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
  await import(operation === 'count-pages' || operation === 'pdf-lib-load' ? 'pdf-lib' : 'sharp');
  if (operation === 'count-pages') await import('../lambdas/inspect/count-pages');
  if (operation === 'make-thumbnails') await import('../lambdas/inspect/make-thumbnails');

  const started = performance.now();
  const bytes = await readToBuffer(createReadStream(path, { highWaterMark: 1 << 20 }), statSync(path).size);
  const read = performance.now();
  const cpu = process.cpuUsage();
  let result: string;
  try {
    result = await run(bytes);
  } catch (error) {
    // Refusing bad content is a result too; anything else fails the run.
    if (!(error instanceof ProcessingFailure)) throw error;
    result = `${error.code} (${error.message})`;
  }
  const done = performance.now();
  const { user, system } = process.cpuUsage(cpu);
  const figures: ChildRun = {
    result,
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
