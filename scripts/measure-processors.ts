/**
 * Time and peak memory of the processors on large inputs: a ~500 MB PDF (page count) and a
 * 50-megapixel JPEG (both thumbnails), each in a fresh child process that reads the file the way the
 * processor reads an S3 object (one buffer of the object's size, filled from a stream) and then runs
 * the real processing function. The inputs are generated in a temporary directory, removed afterwards.
 *
 *   npx tsx scripts/measure-processors.ts            the two inputs above
 *   npx tsx scripts/measure-processors.ts --worst    also inputs at the limits: 500 MB PDFs just under
 *                                                    and far over the object limit, a PDF whose object
 *                                                    stream unpacks to 1 GB, and 100-megapixel JPEG
 *                                                    (progressive 4:4:4), PNG, TIFF and GIF
 *   npx tsx scripts/measure-processors.ts --pdf-mb 200 --pdf-pages 1000    another PDF
 *
 * Exits with 1 if any run peaks above the Lambda's 1,024 MB, or fails.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflate } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

const LAMBDA_MB = 1024;

/**
 * Writes a PDF by hand, streaming, so that it never sits in memory: `pages` pages that each draw one
 * image XObject of random bytes (incompressible, as photos are), `megabytes` in all. Returns the number
 * of pages. The xref table has the real offsets, so any reader accepts the file.
 */
async function writeLargePdf(path: string, megabytes: number, pages: number): Promise<number> {
  const imageBytes = Math.floor((megabytes * 1024 * 1024) / pages);
  const out = createWriteStream(path);
  let offset = 0;
  const offsets: number[] = [];
  const write = async (data: string | Buffer) => {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    offset += bytes.length;
    if (!out.write(bytes)) await once(out, 'drain');
  };
  const object = async (id: number, body: string) => {
    offsets[id] = offset;
    await write(`${id} 0 obj\n${body}\nendobj\n`);
  };
  await write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  // 1 catalog, 2 page tree; for page p: page 3+3p, content stream 4+3p, image 5+3p.
  await object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  const kids = Array.from({ length: pages }, (_, p) => `${3 + 3 * p} 0 R`).join(' ');
  await object(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  const side = Math.max(1, Math.floor(Math.sqrt(imageBytes / 3)));
  const length = side * side * 3;
  const draw = 'q 612 0 0 792 0 0 cm /Im0 Do Q';
  for (let p = 0; p < pages; p++) {
    const [page, content, image] = [3 + 3 * p, 4 + 3 * p, 5 + 3 * p];
    await object(page, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${content} 0 R /Resources << /XObject << /Im0 ${image} 0 R >> >> >>`);
    await object(content, `<< /Length ${draw.length} >>\nstream\n${draw}\nendstream`);
    offsets[image] = offset;
    await write(`${image} 0 obj\n<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length ${length} >>\nstream\n`);
    for (let left = length; left > 0; left -= 1 << 20) await write(randomBytes(Math.min(left, 1 << 20)));
    await write('\nendstream\nendobj\n');
  }
  const count = 2 + 3 * pages;
  const xref = offset;
  await write(`xref\n0 ${count + 1}\n0000000000 65535 f \n`);
  for (let id = 1; id <= count; id++) await write(`${String(offsets[id]).padStart(10, '0')} 00000 n \n`);
  await write(`trailer\n<< /Size ${count + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  out.end();
  await once(out, 'finish');
  return pages;
}

/**
 * A 1 MB PDF whose one page sits in an object stream that unpacks to `megabytes` of white space
 * (deflated as it is made, never held unpacked).
 */
async function writeObjectStreamBomb(path: string, megabytes: number): Promise<string> {
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => parts.push(chunk));
  const page = Buffer.from('3 0 << /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>');
  const spaces = Buffer.alloc(1 << 20, 0x20);
  for (let i = 0; i < megabytes; i++) if (!deflate.write(i === 0 ? Buffer.concat([page, spaces.subarray(page.length)]) : spaces)) await once(deflate, 'drain');
  deflate.end();
  await once(deflate, 'end');
  const data = Buffer.concat(parts);
  let text = '%PDF-1.7\n';
  const offsets = [0, text.length];
  text += '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n';
  offsets.push(text.length);
  text += '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n';
  offsets.push(text.length);
  const head = `${text}4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`;
  const xref = head.length + data.length + '\nendstream\nendobj\n'.length;
  const tail = `\nendstream\nendobj\nxref\n0 3\n0000000000 65535 f \n${offsets.slice(1, 3).map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const out = createWriteStream(path);
  out.end(Buffer.concat([Buffer.from(head, 'latin1'), data, Buffer.from(tail, 'latin1')]));
  await once(out, 'finish');
  return `PDF whose object stream unpacks to ${megabytes} MB`;
}

/** Smooth noise (random at 1/20 of the size, scaled up): photo-like detail that JPEG still has to work for. */
function noise(width: number, height: number): Sharp {
  const [w, h] = [Math.ceil(width / 20), Math.ceil(height / 20)];
  return sharp(randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } }).resize(width, height, { fit: 'fill', kernel: 'cubic' });
}

interface Case {
  name: string;
  kind: 'pdf' | 'image';
  make: (path: string) => Promise<string>;
}

const pdfCase = (megabytes: number, pages: number): Case => ({
  name: `pdf-${megabytes}mb-${pages}p.pdf`,
  kind: 'pdf',
  make: async (path) => `PDF, ${await writeLargePdf(path, megabytes, pages)} pages of image data`,
});

const imageCase = (name: string, width: number, height: number, encode: (image: Sharp) => Sharp, what: string): Case => ({
  name,
  kind: 'image',
  make: async (path) => {
    await encode(noise(width, height)).toFile(path);
    return `${what}, ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP)`;
  },
});

/** Runs in the child: the processor's own code path, then prints its figures as JSON. */
async function child(kind: string, path: string): Promise<void> {
  const { readToBuffer } = await import('../lambdas/processing/read-stream');
  const started = performance.now();
  const bytes = await readToBuffer(createReadStream(path, { highWaterMark: 1 << 20 }), statSync(path).size);
  const read = performance.now();
  const { ProcessingFailure } = await import('../lambdas/processing/failure');
  let result: string;
  try {
    if (kind === 'pdf') {
      const { countPages } = await import('../lambdas/processing/count-pages');
      result = `${await countPages(bytes)} pages`;
    } else {
      const { makeThumbnails } = await import('../lambdas/processing/make-thumbnails');
      result = (await makeThumbnails(bytes)).map((t) => `${t.size} ${t.width}×${t.height}`).join(', ');
    }
  } catch (error) {
    // Refusing bad content is a result too; anything else fails the run.
    if (!(error instanceof ProcessingFailure)) throw error;
    result = `${error.code} (${error.message})`;
  }
  const done = performance.now();
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ result, readMs: Math.round(read - started), processMs: Math.round(done - read), peakRssMb }));
}

interface Run {
  result: string;
  readMs: number;
  processMs: number;
  peakRssMb: number;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3] as string, process.argv[4] as string);
  const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const pdfMb = Number(arg('--pdf-mb') ?? 500);
  const cases: Case[] = [
    pdfCase(pdfMb, Number(arg('--pdf-pages') ?? 50)),
    imageCase('jpeg-50mp.jpg', 8660, 5774, (i) => i.jpeg({ quality: 90 }), 'JPEG'),
  ];
  if (process.argv.includes('--worst')) {
    cases.push(
      pdfCase(pdfMb, 49_000), // 147,002 objects: just under the object limit
      pdfCase(pdfMb, 200_000), // 600,002 objects: refused once the limit is reached
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
      let run: Run;
      try {
        const output = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', c.kind, path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        run = JSON.parse(output.trim().split('\n').pop() as string) as Run;
      } catch (error) {
        failed = true;
        console.log(`${what}, ${size}: FAILED (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
        continue;
      }
      const over = run.peakRssMb > LAMBDA_MB;
      failed ||= over;
      console.log(
        `${what}, ${size} -> ${run.result}: read ${run.readMs} ms + process ${run.processMs} ms, peak RSS ${run.peakRssMb} MB${over ? ` (over ${LAMBDA_MB} MB)` : ''}`,
      );
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

void main();
