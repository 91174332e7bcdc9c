/**
 * Whether the processors stay within their Lambda's memory on inputs at and past the limits. Each
 * input runs in a fresh child process that reads the file the way the processor reads an S3 object
 * (one buffer of the object's size, filled from a stream) and then runs the real processing function.
 * The inputs are generated in a temporary directory, removed afterwards. (Time against floors on
 * everyday inputs is the bench's "processors" section: `npm run bench -- --only processors`.)
 *
 *   npm run measure:processors                  a 500 MB PDF and a 50-megapixel JPEG
 *   npm run measure:processors -- --worst       also inputs at the limits: 500 MB PDFs just under
 *                                               and far over the object limit, a PDF whose object
 *                                               stream unpacks to 1 GB, and 100-megapixel JPEG
 *                                               (progressive 4:4:4), PNG, TIFF and GIF
 *   npm run measure:processors -- --pdf-mb 200 --pdf-pages 1000    another PDF
 *
 * Exits with 1 if any run peaks above the Lambda's 1,024 MB, or fails.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sharp } from 'sharp';
import { writeImage, writeLargePdf, writeObjectStreamBomb } from '../bench/inputs';
import { runInChild, type ChildRun } from '../bench/processor-child';

const LAMBDA_MB = 1024;

interface Case {
  name: string;
  kind: 'pdf' | 'image';
  make: (path: string) => Promise<string>;
}

const pdfCase = (megabytes: number, pages: number): Case => ({ name: `pdf-${megabytes}mb-${pages}p.pdf`, kind: 'pdf', make: (path) => writeLargePdf(path, megabytes, pages) });

const imageCase = (name: string, width: number, height: number, encode: (image: Sharp) => Sharp, what: string): Case => ({
  name,
  kind: 'image',
  make: (path) => writeImage(path, width, height, encode, what),
});

async function main(): Promise<void> {
  const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const pdfMb = Number(arg('--pdf-mb') ?? 500);
  const cases: Case[] = [pdfCase(pdfMb, Number(arg('--pdf-pages') ?? 50)), imageCase('jpeg-50mp.jpg', 8660, 5774, (i) => i.jpeg({ quality: 90 }), 'JPEG')];
  if (process.argv.includes('--worst')) {
    cases.push(
      pdfCase(pdfMb, 49_000), // about 147,500 objects: just under the object limit
      pdfCase(pdfMb, 200_000), // about 602,000 objects: refused once the limit is reached
      { name: 'pdf-object-stream-bomb.pdf', kind: 'pdf', make: (path) => writeObjectStreamBomb(path, 1024) },
      // Progressive JPEGs keep every DCT coefficient in memory while decoding, shrink-on-load or not.
      imageCase('jpeg-100mp-progressive-444.jpg', 10_000, 10_000, (i) => i.jpeg({ quality: 95, progressive: true, chromaSubsampling: '4:4:4' }), 'progressive 4:4:4 JPEG'),
      imageCase('png-100mp.png', 10_000, 10_000, (i) => i.png({ compressionLevel: 1 }), 'PNG'),
      imageCase('tiff-100mp.tiff', 10_000, 10_000, (i) => i.tiff({ compression: 'lzw' }), 'TIFF (LZW)'),
      imageCase('gif-100mp.gif', 10_000, 10_000, (i) => i.gif({ effort: 1, colours: 16 }), 'GIF'),
    );
  }

  const dir = mkdtempSync(join(tmpdir(), 'fileport-measure-'));
  let failed = false;
  try {
    for (const c of cases) {
      const path = join(dir, c.name);
      const what = await c.make(path);
      const size = `${(statSync(path).size / 1024 / 1024).toFixed(0)} MB`;
      let run: ChildRun;
      try {
        run = await runInChild(c.kind === 'pdf' ? 'count-pages' : 'make-thumbnails', path);
      } catch (error) {
        failed = true;
        console.log(`${what}, ${size}: FAILED (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
        continue;
      } finally {
        rmSync(path, { force: true });
      }
      const over = run.peakRssMb > LAMBDA_MB;
      failed ||= over;
      console.log(
        `${what}, ${size} -> ${run.result}: read ${run.readMs} ms + process ${Math.round(run.processMs)} ms, peak RSS ${run.peakRssMb} MB${over ? ` (over ${LAMBDA_MB} MB)` : ''}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

void main();
