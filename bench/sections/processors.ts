/**
 * Section "processors": the real processing functions (countPages, makeThumbnails) on generated
 * inputs, each run in a fresh process on a buffer read as the processor reads an S3 object, against
 * the least the same library does for the same answer, run the same way and interleaved with them.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure, Measured, Section } from '../figures';
import { encoders, writeImage, writeLargePdf, writeTextPdf } from '../inputs';
import { runInChild, type ChildRun, type Operation } from '../processor-child';
import { median, ratio, round } from '../stats';

const SECTION = 'processors';
const MB = 1024 * 1024;
/** What the 200 MB PDF may cost above its own bytes (pdf-lib's objects, Node itself). */
const PDF_RSS_ALLOWANCE_MB = 150;

interface Input {
  /** How the figure names it. */
  label: string;
  file: string;
  make: (path: string) => Promise<string>;
}

const thousands = (n: number) => n.toLocaleString('en-US');

/**
 * Runs every operation `runs` times, one fresh process each, taking turns (and changing who goes
 * first every round) so that a machine that slows down mid-way moves all of them alike.
 */
async function measure(operations: Operation[], path: string, runs: number): Promise<Map<Operation, ChildRun[]>> {
  const results = new Map<Operation, ChildRun[]>(operations.map((o) => [o, []]));
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? operations : [...operations].reverse();
    for (const operation of order) results.get(operation)?.push(await runInChild(operation, path));
  }
  // The floor must give the processor's answer, or the comparison means nothing.
  const [first, ...others] = operations.map((o) => results.get(o)?.[0]?.result);
  if (operations[0] === 'count-pages' && others.some((r) => r !== first)) throw new Error(`${path}: answers differ: ${[first, ...others].join(' / ')}`);
  return results;
}

const timeOf = (name: string, runs: ChildRun[]): Measured => ({ name, unit: 'ms', median: round(median(runs.map((r) => r.processMs))), samples: runs.length });
const rssOf = (runs: ChildRun[]) => median(runs.map((r) => r.peakRssMb));

function timeFigure(name: string, real: ChildRun[], floorName: string, floor: ChildRun[], target: number | undefined, extra: Figure['extra']): Figure {
  const measured = timeOf(name, real);
  const floorMeasured = timeOf(floorName, floor);
  const timeRatio = ratio(measured.median, floorMeasured.median);
  return {
    section: SECTION,
    ...measured,
    floor: floorMeasured,
    ratio: timeRatio,
    ...(target === undefined ? {} : { target: `ratio ≤ ${target} (time)`, pass: timeRatio <= target }),
    extra: {
      'CPU ms': round(median(real.map((r) => r.cpuMs))),
      'floor CPU ms': round(median(floor.map((r) => r.cpuMs))),
      'CPU ratio': ratio(median(real.map((r) => r.cpuMs)), median(floor.map((r) => r.cpuMs))),
      'peak RSS MB': rssOf(real),
      'floor peak RSS MB': rssOf(floor),
      'read ms': median(real.map((r) => r.readMs)),
      ...extra,
    },
  };
}

export const processors: Section = async ({ quick }) => {
  const runs = quick ? 1 : 5;
  const [shortPages, longPages] = quick ? [100, 500] : [1_000, 20_000];
  const [largeMb, largePages] = quick ? [10, 10] : [200, 100];
  const dir = mkdtempSync(join(tmpdir(), 'fileport-bench-processors-'));
  const figures: Figure[] = [];
  try {
    const withInput = async <T>(input: Input, work: (path: string, what: string, bytes: number) => Promise<T>): Promise<T> => {
      const path = join(dir, input.file);
      const what = await input.make(path);
      try {
        return await work(path, what, statSync(path).size);
      } finally {
        // Removed at once: the 200 MB inputs need not pile up in the temporary directory.
        rmSync(path, { force: true });
      }
    };

    for (const pages of [shortPages, longPages]) {
      const input = { label: `${thousands(pages)}-page PDF`, file: `text-${pages}.pdf`, make: (path: string) => writeTextPdf(path, pages) };
      await withInput(input, async (path, what, bytes) => {
        const results = await measure(['count-pages', 'pdf-lib-load'], path, runs);
        figures.push(
          timeFigure(`page count, ${input.label}`, results.get('count-pages') ?? [], 'pdf-lib PDFDocument.load (Fastest) + getPageCount', results.get('pdf-lib-load') ?? [], 1.2, {
            input: what,
            'file MB': round(bytes / MB),
            result: results.get('count-pages')?.[0]?.result ?? '',
          }),
        );
      });
    }

    const large = { label: `${largeMb} MB PDF`, file: `scan-${largeMb}mb.pdf`, make: (path: string) => writeLargePdf(path, largeMb, largePages) };
    await withInput(large, async (path, what, bytes) => {
      const results = await measure(['count-pages', 'pdf-lib-load'], path, runs);
      const real = results.get('count-pages') ?? [];
      const floor = results.get('pdf-lib-load') ?? [];
      const fileMb = round(bytes / MB);
      const peak = rssOf(real);
      figures.push({
        section: SECTION,
        name: `page count, ${large.label}: peak RSS`,
        unit: 'MB',
        median: peak,
        samples: real.length,
        // The buffer holding the object is the one thing the processor cannot do without.
        floor: { name: 'file size', unit: 'MB', median: fileMb },
        ratio: ratio(peak, fileMb),
        target: `peak RSS ≤ file size + ${PDF_RSS_ALLOWANCE_MB} MB`,
        pass: peak <= fileMb + PDF_RSS_ALLOWANCE_MB,
        extra: { input: what, 'above file size MB': round(peak - fileMb), 'pdf-lib load peak RSS MB': rssOf(floor), result: real[0]?.result ?? '' },
      });
      // Reading the object takes longer than counting here: reported so that nobody optimises the wrong half.
      figures.push(timeFigure(`page count, ${large.label}`, real, 'pdf-lib PDFDocument.load (Fastest) + getPageCount', floor, undefined, { input: what, 'file MB': fileMb }));
    });

    // Quick: two sizes still, so that the two JPEG figures stay apart.
    const [photoWidth, photoHeight] = quick ? [1224, 816] : [4000, 3000];
    const [largeWidth, largeHeight] = quick ? [2000, 1333] : [8660, 5774];
    const imageInput = (format: keyof typeof encoders, width: number, height: number): Input => {
      const kind = format.toUpperCase();
      return {
        label: `${Math.round((width * height) / 1e6)} MP ${kind}`,
        file: `${width}x${height}.${format}`,
        make: (path) => writeImage(path, width, height, encoders[format], kind),
      };
    };
    const images = [imageInput('jpeg', photoWidth, photoHeight), imageInput('jpeg', largeWidth, largeHeight), imageInput('png', photoWidth, photoHeight)];
    for (const image of images) {
      await withInput(image, async (path, what, bytes) => {
        const results = await measure(['make-thumbnails', 'sharp-resize'], path, runs);
        const real = results.get('make-thumbnails') ?? [];
        figures.push(
          timeFigure(`thumbnails (small + medium), ${image.label}`, real, 'sharp resize to 1024 px WebP', results.get('sharp-resize') ?? [], 1.2, {
            input: what,
            'file MB': round(bytes / MB),
            result: real[0]?.result ?? '',
          }),
        );
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
};
