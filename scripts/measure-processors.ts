/**
 * Peak memory of the processors on the inputs issue #2 names: a ~500 MB PDF (page count) and a
 * 50-megapixel JPEG (both thumbnails). Each runs in a fresh child process, reading the file the way
 * the processor reads an S3 object (one buffer of the object's size, filled from a stream).
 *
 *   npx tsx scripts/measure-processors.ts [--pdf-mb 500]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

/** Writes a PDF by hand, streaming: pages that each draw one large image XObject of random bytes. */
async function writeLargePdf(path: string, megabytes: number): Promise<number> {
  const pages = 50;
  const imageBytes = Math.floor((megabytes * 1024 * 1024) / pages);
  const out = createWriteStream(path);
  let offset = 0;
  const offsets: number[] = [];
  const write = async (data: string | Buffer) => {
    offset += Buffer.byteLength(data);
    if (!out.write(data)) await once(out, 'drain');
  };
  const object = async (id: number, body: string) => {
    offsets[id] = offset;
    await write(`${id} 0 obj\n${body}\nendobj\n`);
  };
  await write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  // 1 catalog, 2 pages; per page p: page 3+3p, content 4+3p, image 5+3p
  await object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  const kids = Array.from({ length: pages }, (_, p) => `${3 + 3 * p} 0 R`).join(' ');
  await object(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  const side = Math.floor(Math.sqrt(imageBytes / 3));
  for (let p = 0; p < pages; p++) {
    const [page, content, image] = [3 + 3 * p, 4 + 3 * p, 5 + 3 * p];
    await object(page, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${content} 0 R /Resources << /XObject << /Im0 ${image} 0 R >> >> >>`);
    const draw = 'q 612 0 0 792 0 0 cm /Im0 Do Q';
    await object(content, `<< /Length ${draw.length} >>\nstream\n${draw}\nendstream`);
    offsets[image] = offset;
    const length = side * side * 3;
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

/** Runs in the child: the processor's own code path, then prints its figures as JSON. */
async function child(kind: string, path: string): Promise<void> {
  const { readToBuffer } = await import('../lambdas/processing/read-stream');
  const started = process.hrtime.bigint();
  const bytes = await readToBuffer(createReadStream(path, { highWaterMark: 1 << 20 }), statSync(path).size);
  let result: unknown;
  if (kind === 'pdf') {
    const { countPages } = await import('../lambdas/processing/count-pages');
    result = await countPages(bytes);
  } else {
    const { makeThumbnails } = await import('../lambdas/processing/make-thumbnails');
    result = (await makeThumbnails(bytes)).map((t) => `${t.size} ${t.width}x${t.height}`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({ result, ms: Math.round(ms), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3] as string, process.argv[4] as string);
  const pdfMb = Number(process.argv[process.argv.indexOf('--pdf-mb') + 1]) || 500;
  const dir = mkdtempSync(join(tmpdir(), 'fileport-measure-'));
  try {
    const pdf = join(dir, 'large.pdf');
    const pages = await writeLargePdf(pdf, pdfMb);
    const jpeg = join(dir, '50mp.jpg');
    const [w, h] = [8660, 5774];
    const noise = await sharp(randomBytes((w / 20) * (h / 20) * 3), { raw: { width: w / 20, height: Math.floor(h / 20), channels: 3 } })
      .resize(w, h, { kernel: 'cubic' })
      .jpeg({ quality: 90 })
      .toFile(jpeg);
    const run = (kind: string, path: string) =>
      JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', kind, path], { encoding: 'utf8' }).trim().split('\n').pop() as string);
    const pdfRun = run('pdf', pdf);
    const jpegRun = run('jpeg', jpeg);
    const mb = (p: string) => (statSync(p).size / 1024 / 1024).toFixed(0);
    console.log(`PDF  ${mb(pdf)} MB, ${pages} pages -> counted ${pdfRun.result}: ${pdfRun.ms} ms, peak RSS ${pdfRun.peakRssMb} MB`);
    console.log(`JPEG ${noise.width}x${noise.height} (${((noise.width * noise.height) / 1e6).toFixed(1)} MP, ${mb(jpeg)} MB) -> ${jpegRun.result.join(', ')}: ${jpegRun.ms} ms, peak RSS ${jpegRun.peakRssMb} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
