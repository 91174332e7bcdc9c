/**
 * Section "processors": the real processing functions (countPages, the ranged page count,
 * makeThumbnails, the PDF preview) on generated inputs, each run in a fresh process on a buffer read
 * as the processor reads an S3 object (the ranged count reads its ranges from the file itself),
 * against the least the same library does for the same answer, run the same way and interleaved
 * with them.
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
const PDF_LIB_FLOOR = 'pdf-lib PDFDocument.load (Fastest) + getPageCount';

/**
 * The ranged page count (issue 16, section 2) against pdf-lib's whole load of the same PDF already in
 * memory: the floor leaves out reading the file (shown beside it), the ranged count's own reads are
 * in its time. Bytes read and their share of the file from the count itself.
 */
function rangedFigure(label: string, results: Map<Operation, ChildRun[]>, what: string, bytes: number): Figure {
  const real = results.get('ranged-count') ?? [];
  const floor = results.get('pdf-lib-load') ?? [];
  const first = real[0];
  return timeFigure(`ranged page count, ${label}`, real, PDF_LIB_FLOOR, floor, 1.2, {
    input: what,
    'file MB': round(bytes / MB),
    'bytes read': first?.extra?.['bytes read'] ?? '',
    'bytes read / file size': first?.extra?.['bytes read / file size'] ?? '',
    'ranged requests': first?.extra?.requests ?? '',
    'floor read ms (not in its time)': median(floor.map((r) => r.readMs)),
    result: first?.result ?? '',
  });
}

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
        const results = await measure(['count-pages', 'pdf-lib-load', 'ranged-count'], path, runs);
        figures.push(
          timeFigure(`page count, ${input.label}`, results.get('count-pages') ?? [], PDF_LIB_FLOOR, results.get('pdf-lib-load') ?? [], 1.2, {
            input: what,
            'file MB': round(bytes / MB),
            result: results.get('count-pages')?.[0]?.result ?? '',
          }),
          rangedFigure(input.label, results, what, bytes),
        );
      });
    }

    const large = { label: `${largeMb} MB PDF`, file: `scan-${largeMb}mb.pdf`, make: (path: string) => writeLargePdf(path, largeMb, largePages) };
    await withInput(large, async (path, what, bytes) => {
      const results = await measure(['count-pages', 'pdf-lib-load', 'ranged-count'], path, runs);
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
      figures.push(timeFigure(`page count, ${large.label}`, real, PDF_LIB_FLOOR, floor, undefined, { input: what, 'file MB': fileMb }));
      figures.push(rangedFigure(`${large.label}, classic cross-reference table`, results, what, bytes));
    });

    // The case the ranged count is for: a large PDF whose cross-reference is a stream.
    const largeStreams = {
      label: `${largeMb} MB PDF, cross-reference streams`,
      file: `scan-${largeMb}mb-objstm.pdf`,
      make: (path: string) => writeLargePdf(path, largeMb, largePages, { objectStreams: true }),
    };
    await withInput(largeStreams, async (path, what, bytes) => {
      const results = await measure(['ranged-count', 'pdf-lib-load'], path, runs);
      const [ranged, loaded] = [results.get('ranged-count')?.[0]?.result, results.get('pdf-lib-load')?.[0]?.result];
      if (ranged !== loaded) throw new Error(`${path}: answers differ: ${ranged} / ${loaded}`);
      figures.push(rangedFigure(largeStreams.label, results, what, bytes));
    });

    // PDF previews (issue 16, section 3): the thumbnail processor's render of page 1 in its budgeted
    // worker and both WebP sizes, against one bare PDFium render at the medium width and one encode.
    for (const pages of [1, 50]) {
      const input = { label: `${pages}-page PDF`, file: `preview-${pages}.pdf`, make: (path: string) => writeTextPdf(path, pages) };
      await withInput(input, async (path, what, bytes) => {
        const results = await measure(['preview-pdf', 'pdfium-render'], path, runs);
        const real = results.get('preview-pdf') ?? [];
        figures.push(
          timeFigure(`PDF preview (small + medium), ${input.label}`, real, 'PDFium render of page 1 at 1024 px + sharp WebP encode', results.get('pdfium-render') ?? [], 1.2, {
            input: what,
            'file MB': round(bytes / MB),
            result: real[0]?.result ?? '',
            'floor result': results.get('pdfium-render')?.[0]?.result ?? '',
          }),
        );
      });
    }

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
