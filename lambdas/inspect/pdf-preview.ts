import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ProcessingFailure } from './failure';
import { encodeThumbnails, MAX_IMAGE_BYTES, type Thumbnail } from './make-thumbnails';
import { thumbnailSizes } from './thumbnail-sizes';

/**
 * A PDF's first page as the file's thumbnails: rendered by PDFium (Chrome's PDF engine, compiled to
 * WebAssembly: @hyzyla/pdfium, no system library, the same on Lambda arm64 as anywhere) straight at
 * the medium thumbnail's size, then encoded by sharp as images are (make-thumbnails.ts).
 *
 * PDFium runs in a worker thread of its own for each PDF, because a page can be hostile: content
 * that decompresses to gigabytes, forms drawing forms drawing forms (billions of operations from a
 * few kilobytes), absurd page sizes. WebAssembly cannot be interrupted from JavaScript, but a worker
 * can be terminated: each render has a wall-time budget, after which the worker is terminated; a
 * cap on its WebAssembly heap, past which PDFium's allocations fail (it aborts, and the worker
 * reports it); and V8 heap limits. Whatever happens, a render ends within its budget, with thumbnails
 * or with a ProcessingFailure that says why.
 */

/**
 * The largest PDF rendered: it is copied whole into PDFium's heap. As for images (MAX_IMAGE_BYTES),
 * so a PDF is held at most twice (its bytes handed to the worker, their copy in PDFium) beside the
 * render's heap (PREVIEW_HEAP_BYTES), within the thumbnail Lambda's 1,536 MB.
 */
export const MAX_PREVIEW_PDF_BYTES = MAX_IMAGE_BYTES;

/**
 * What PDFium's heap may grow to beyond the document's own bytes. Rendering a normal page at
 * 1024 px takes tens of MB (a 4 MB bitmap, fonts, decoded images); a page whose images or content
 * decompress past this is not worth a thumbnail.
 */
export const PREVIEW_HEAP_BYTES = 512 * 1024 ** 2;

/** How long a render may take. A normal page takes well under a second; the thumbnail Lambda has 90 s in all. */
export const PREVIEW_TIMEOUT_MS = 20_000;

/**
 * The largest page side rendered, in PDF units: the format's own limit (ISO 32000-1, annex C: 14,400
 * units). A page declaring more is hostile or broken, and scaled to a thumbnail its content would
 * be under a pixel.
 */
export const MAX_PAGE_SIDE = 14_400;

export interface PreviewBudget {
  timeoutMs?: number;
  heapBytes?: number;
  maxBytes?: number;
}

/** The rendered page: opaque RGBA (PDFium's bitmap as it is), fitted inside the medium thumbnail's box. */
export interface RenderedPage {
  width: number;
  height: number;
  rgba: Buffer;
}

/**
 * Both thumbnail sizes of a PDF's first page. The bytes are handed to the rendering thread: a
 * buffer of its own (as readToBuffer makes for anything over 4 KB) is transferred, not copied, and
 * is detached here afterwards.
 */
export async function previewPdf(pdf: Buffer, budget: PreviewBudget = {}): Promise<Thumbnail[]> {
  const page = await renderFirstPage(pdf, thumbnailSizes.medium, budget);
  return encodeThumbnails(page.rgba, { width: page.width, height: page.height, channels: 4 });
}

/** Refuses a PDF larger than previews are rendered for, before it is read. */
export function checkPreviewSize(size: number, maxBytes = MAX_PREVIEW_PDF_BYTES): void {
  if (size > maxBytes) throw new ProcessingFailure('FILE_TOO_LARGE', `The PDF is ${size} bytes; previews are rendered for PDFs up to ${maxBytes / 1024 ** 2} MiB.`);
}

/** Page 1 rendered to fit a `box`×`box` square (the bitmap is never larger), within the budget. */
export async function renderFirstPage(pdf: Buffer, box: number, budget: PreviewBudget = {}): Promise<RenderedPage> {
  checkPreviewSize(pdf.length, budget.maxBytes);
  const heapBytes = budget.heapBytes ?? PREVIEW_HEAP_BYTES;
  const timeoutMs = budget.timeoutMs ?? PREVIEW_TIMEOUT_MS;
  const bytes = ownArrayBuffer(pdf);
  const data: WorkerInput = { library: pdfiumEntry(), wasm: await pdfiumModule(), pdf: bytes, box, maxPageSide: MAX_PAGE_SIDE, heapLimit: pdf.length + heapBytes };
  const answer = await runWorker(data, timeoutMs);
  if ('rgba' in answer) return { width: answer.width, height: answer.height, rgba: Buffer.from(answer.rgba) };
  throw failureOf(answer, { heapBytes, timeoutMs });
}

type WorkerInput = { library: string; wasm: WebAssembly.Module; pdf: ArrayBuffer; box: number; maxPageSide: number; heapLimit: number };
type WorkerAnswer =
  | { width: number; height: number; rgba: ArrayBuffer }
  | { failure: 'unreadable' | 'error'; message: string }
  | { failure: 'memory'; message: string }
  | { failure: 'page-size'; width: number; height: number }
  | { failure: 'timeout' };

function failureOf(answer: Exclude<WorkerAnswer, { rgba: ArrayBuffer }>, budget: { heapBytes: number; timeoutMs: number }): ProcessingFailure {
  switch (answer.failure) {
    case 'page-size':
      return new ProcessingFailure(
        'PAGE_TOO_LARGE',
        `The first page declares ${answer.width}×${answer.height} units; pages are rendered up to ${MAX_PAGE_SIDE} units a side (the PDF format's limit).`,
      );
    case 'timeout':
      return new ProcessingFailure('PREVIEW_TOO_COSTLY', `Rendering the first page took over ${budget.timeoutMs / 1000} s: it was stopped.`);
    case 'memory':
      return new ProcessingFailure('PREVIEW_TOO_COSTLY', `Rendering the first page needed over ${budget.heapBytes / 1024 ** 2} MiB of memory: it was stopped (${answer.message}).`);
    case 'unreadable':
      return new ProcessingFailure('CORRUPT_FILE', `The PDF renderer cannot read the document: ${answer.message}`);
    case 'error':
      return new ProcessingFailure('CORRUPT_FILE', `The first page cannot be rendered: ${answer.message}`);
  }
}

/** Bytes the worker can take without a copy: a buffer that is a whole ArrayBuffer is transferred; a slice of a pool is copied. */
function ownArrayBuffer(pdf: Buffer): ArrayBuffer {
  if (pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength && pdf.buffer instanceof ArrayBuffer) return pdf.buffer;
  return new Uint8Array(pdf).buffer;
}

/** The package's CommonJS entry, which the worker requires: it finds pdfium.wasm beside itself (in a Lambda asset, installed: lib/lambda-bundle.ts). */
const pdfiumEntry = (): string => require.resolve('@hyzyla/pdfium');

let compiled: Promise<WebAssembly.Module> | undefined;

/** PDFium compiled once per process (some 80 ms), and handed to each render's worker. */
function pdfiumModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(readFileSync(require.resolve('@hyzyla/pdfium/pdfium.wasm')));
  return compiled;
}

/**
 * A worker is kept between renders (starting one and initialising PDFium cost some 250 ms, more
 * than a render): discarded after any failure (a render stopped mid-way leaves PDFium's state
 * unknown) and once its WebAssembly heap, which never shrinks, has grown past this.
 */
export const WARM_HEAP_BYTES = 256 * 1024 ** 2;

interface Warm {
  worker: Worker;
  /** The renders queued on it: one at a time, each with its own timer. */
  queue: Promise<unknown>;
}

let warm: Warm | undefined;

function startWorker(data: Pick<WorkerInput, 'library' | 'wasm'>): Warm {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { library: data.library, wasm: data.wasm },
    // The worker's own JavaScript holds little (PDFium's heap is WebAssembly memory, capped in the worker).
    resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
  });
  // Idle, it keeps no process alive (a test run, the CLI); a render in flight refs it.
  worker.unref();
  const started: Warm = { worker, queue: Promise.resolve() };
  worker.once('exit', () => {
    if (warm === started) warm = undefined;
  });
  return started;
}

function discard(which: Warm): void {
  if (warm === which) warm = undefined;
  void which.worker.terminate();
}

function runWorker(data: WorkerInput, timeoutMs: number): Promise<WorkerAnswer> {
  const current = (warm ??= startWorker(data));
  const job = current.queue.then(() => renderOn(current, data, timeoutMs));
  current.queue = job.catch(() => undefined);
  return job;
}

function renderOn(current: Warm, data: WorkerInput, timeoutMs: number): Promise<WorkerAnswer> {
  const { worker } = current;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (answer: WorkerAnswer | Error, keep = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      worker.unref();
      if (!keep) discard(current);
      if (answer instanceof Error) reject(answer);
      else resolve(answer);
    };
    const onMessage = (answer: WorkerAnswer & { heapBytes?: number }) => {
      const { heapBytes = Infinity, ...rest } = answer;
      settle(rest as WorkerAnswer, 'rgba' in answer && heapBytes <= WARM_HEAP_BYTES);
    };
    const onError = (error: Error & { code?: string }) =>
      // Node's ERR_WORKER_OUT_OF_MEMORY: the worker's V8 heap passed its resourceLimits.
      settle(/_OUT_OF_MEMORY$/.test(error.code ?? '') ? { failure: 'memory', message: error.message } : { failure: 'error', message: error.message });
    const onExit = (code: number) => settle(new Error(`The PDF rendering thread exited (${code}) without an answer.`));
    const timer = setTimeout(() => settle({ failure: 'timeout' }), timeoutMs);
    worker.on('message', onMessage).once('error', onError).once('exit', onExit);
    worker.ref();
    const { library: _library, wasm: _wasm, ...job } = data;
    worker.postMessage(job, [data.pdf]);
  });
}

/**
 * The rendering thread, as source (a file of its own would be one more thing for every bundle to
 * carry). It loads PDFium from the compiled module with a heap cap (Emscripten grows the heap through
 * `emscripten_resize_heap`: refused past the cap, the allocation fails and PDFium aborts), opens
 * the document, checks page 1's declared size, renders it to fit the box and answers RGB pixels.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// PDFium's own complaints (a heap it may not grow) are not the Lambda's log lines: the answer says
// what happened. Silenced here rather than piped, since a piped stream would keep an idle worker's
// process alive.
console.log = console.info = console.warn = console.error = () => undefined;
process.stdout.write = process.stderr.write = () => true;
const { library, wasm } = workerData;
let heapLimit = 0;
let capped = false;
let memory;
const messageOf = (error) => (error && error.message) || String(error);
const ready = (async () => {
  const { PDFiumLibrary } = require(library);
  return PDFiumLibrary.init({
    instantiateWasm(imports, done) {
      const grow = imports.env.emscripten_resize_heap;
      imports.env.emscripten_resize_heap = (size) => {
        if ((size >>> 0) > heapLimit) { capped = true; return 0; }
        return grow(size);
      };
      WebAssembly.instantiate(wasm, imports).then((instance) => {
        memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory);
        done(instance);
      });
      return {};
    },
  });
})();
const heapBytes = () => (memory ? memory.buffer.byteLength : Infinity);
const answer = (value, transfer) => parentPort.postMessage({ ...value, heapBytes: heapBytes() }, transfer);
async function render(job) {
  const pdfium = await ready;
  heapLimit = Math.max(heapBytes() === Infinity ? 0 : heapBytes(), job.heapLimit);
  capped = false;
  let document;
  try {
    document = await pdfium.loadDocument(new Uint8Array(job.pdf));
  } catch (error) {
    return answer({ failure: capped ? 'memory' : 'unreadable', message: messageOf(error) });
  }
  try {
    const page = document.getPage(0);
    const { originalWidth: width, originalHeight: height } = page.getOriginalSize();
    if (!(width >= 1 && height >= 1 && width <= job.maxPageSide && height <= job.maxPageSide)) return answer({ failure: 'page-size', width, height });
    const scale = Math.min(job.box / Math.floor(width), job.box / Math.floor(height));
    const rendered = await page.render({ scale, render: 'bitmap', colorSpace: 'BGRA' });
    // A copy of PDFium's heap of its own (the library slices it out), handed over without another.
    const rgba = rendered.data;
    answer({ width: rendered.width, height: rendered.height, rgba: rgba.buffer }, [rgba.buffer]);
  } finally {
    document.destroy();
  }
}
parentPort.on('message', (job) => render(job).catch((error) => answer({ failure: capped ? 'memory' : 'error', message: messageOf(error) })));
`;
