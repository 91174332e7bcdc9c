/**
 * Inputs for measuring the processors, generated on the spot (never committed): PDFs written by hand
 * as a stream, so that even a 500 MB one never sits in memory, and photo-like images made with sharp.
 * Used by the bench's "processors" section and by scripts/measure-processors.ts.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createDeflate, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

/** Objects per object stream and kids per intermediate page-tree node, as common writers choose. */
const PER_OBJECT_STREAM = 100;
const KIDS_PER_NODE = 100;

/**
 * Writes a PDF object by object with exact offsets: a classic cross-reference table, or, with
 * `objectStreams`, non-stream objects packed into compressed object streams and a cross-reference
 * stream (what most current writers produce, and the harder case for a page counter: every object
 * stream is unpacked before its objects can be read).
 */
class PdfWriter {
  private offset = 0;
  /** Where each object is: [1, offset] at the top level, [2, object stream id, index] when packed. */
  private readonly entries = new Map<number, [1, number] | [2, number, number]>();
  private packed: { id: number; body: string }[] = [];
  private readonly out: WriteStream;

  constructor(
    path: string,
    private readonly objectStreams: boolean,
    private nextId: number,
  ) {
    this.out = createWriteStream(path);
  }

  async write(data: string | Buffer): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.offset += bytes.length;
    if (!this.out.write(bytes)) await once(this.out, 'drain');
  }

  /** A fresh object number after those the caller planned for. */
  allocate(): number {
    return this.nextId++;
  }

  /** A dictionary or other non-stream object: packed into an object stream when the writer packs. */
  async object(id: number, body: string): Promise<void> {
    if (!this.objectStreams) return this.topLevel(id, body);
    this.packed.push({ id, body });
    if (this.packed.length >= PER_OBJECT_STREAM) await this.flushObjectStream();
  }

  /** A stream object; `data` may be a generator so that large streams never sit in memory whole. */
  async stream(id: number, dict: string, length: number, data: Buffer | Iterable<Buffer>): Promise<void> {
    this.entries.set(id, [1, this.offset]);
    await this.write(`${id} 0 obj\n<< ${dict} /Length ${length} >>\nstream\n`);
    for (const chunk of Buffer.isBuffer(data) ? [data] : data) await this.write(chunk);
    await this.write('\nendstream\nendobj\n');
  }

  async end(root: number): Promise<void> {
    if (this.packed.length > 0) await this.flushObjectStream();
    if (this.objectStreams) await this.writeXrefStream(root);
    else await this.writeXrefTable(root);
    this.out.end();
    await once(this.out, 'finish');
  }

  private async topLevel(id: number, body: string): Promise<void> {
    this.entries.set(id, [1, this.offset]);
    await this.write(`${id} 0 obj\n${body}\nendobj\n`);
  }

  private async flushObjectStream(): Promise<void> {
    const id = this.allocate();
    let header = '';
    let bodies = '';
    this.packed.forEach((o, index) => {
      header += `${o.id} ${bodies.length} `;
      bodies += `${o.body}\n`;
      this.entries.set(o.id, [2, id, index]);
    });
    const data = deflateSync(Buffer.from(header + bodies, 'latin1'));
    await this.stream(id, `/Type /ObjStm /N ${this.packed.length} /First ${header.length} /Filter /FlateDecode`, data.length, data);
    this.packed = [];
  }

  private async writeXrefTable(root: number): Promise<void> {
    const size = this.nextId;
    const xref = this.offset;
    let table = `xref\n0 ${size}\n0000000000 65535 f \n`;
    for (let id = 1; id < size; id++) {
      const entry = this.entries.get(id);
      table += entry ? `${String(entry[1]).padStart(10, '0')} 00000 n \n` : '0000000000 65535 f \n';
    }
    await this.write(`${table}trailer\n<< /Size ${size} /Root ${root} 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  }

  private async writeXrefStream(root: number): Promise<void> {
    const id = this.allocate();
    this.entries.set(id, [1, this.offset]);
    const size = this.nextId;
    // W [1 4 2]: type, offset or object stream number, generation or index.
    const rows = Buffer.alloc(size * 7);
    for (let n = 0; n < size; n++) {
      const entry = this.entries.get(n);
      const row = rows.subarray(n * 7);
      if (!entry) {
        row.writeUInt8(0, 0);
        row.writeUInt16BE(n === 0 ? 65535 : 0, 5);
      } else {
        row.writeUInt8(entry[0], 0);
        row.writeUInt32BE(entry[1], 1);
        row.writeUInt16BE(entry[0] === 2 ? entry[2] : 0, 5);
      }
    }
    const data = deflateSync(rows);
    const xref = this.offset;
    await this.write(`${id} 0 obj\n<< /Type /XRef /Size ${size} /W [1 4 2] /Root ${root} 0 R /Filter /FlateDecode /Length ${data.length} >>\nstream\n`);
    await this.write(data);
    await this.write(`\nendstream\nendobj\nstartxref\n${xref}\n%%EOF\n`);
  }
}

/**
 * The catalog (1) and a two-level page tree (root 2, intermediate nodes 3…) over `pages` pages whose
 * object numbers are `pageId(p)`. Two levels, as writers build them: a flat /Kids array of 20,000
 * entries is one object no real file has.
 */
async function writePageTree(pdf: PdfWriter, pages: number, pageId: (p: number) => number): Promise<void> {
  const nodes = Math.ceil(pages / KIDS_PER_NODE);
  const nodeIds = Array.from({ length: nodes }, (_, n) => 3 + n);
  await pdf.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  await pdf.object(2, `<< /Type /Pages /Kids [${nodeIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages} >>`);
  for (let n = 0; n < nodes; n++) {
    const first = n * KIDS_PER_NODE;
    const kids = Array.from({ length: Math.min(KIDS_PER_NODE, pages - first) }, (_, k) => `${pageId(first + k)} 0 R`);
    await pdf.object(nodeIds[n] as number, `<< /Type /Pages /Parent 2 0 R /Kids [${kids.join(' ')}] /Count ${kids.length} >>`);
  }
}

const treeObjects = (pages: number) => 2 + Math.ceil(pages / KIDS_PER_NODE);

/**
 * A text document of `pages` pages (a report or contract as a word processor exports it): each page
 * a compressed content stream of a dozen lines in the one shared font. With `objectStreams` (the
 * default) the dictionaries are packed into object streams with a cross-reference stream.
 */
export async function writeTextPdf(path: string, pages: number, options: { objectStreams?: boolean } = {}): Promise<string> {
  const font = treeObjects(pages) + 1;
  const pageId = (p: number) => font + 1 + 2 * p;
  const pdf = new PdfWriter(path, options.objectStreams ?? true, font + 1 + 2 * pages);
  await pdf.write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  await writePageTree(pdf, pages, pageId);
  await pdf.object(font, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (let p = 0; p < pages; p++) {
    const lines = Array.from({ length: 12 }, (_, l) => `(Page ${p + 1}, line ${l + 1}: the parties agree to the terms set out in section ${l + 1}.) Tj T*`);
    const content = deflateSync(Buffer.from(`BT /F1 11 Tf 14 TL 72 720 Td ${lines.join(' ')} ET`, 'latin1'));
    await pdf.stream(pageId(p) + 1, '/Filter /FlateDecode', content.length, content);
    await pdf.object(
      pageId(p),
      `<< /Type /Page /Parent ${3 + Math.floor(p / KIDS_PER_NODE)} 0 R /MediaBox [0 0 612 792] /Contents ${pageId(p) + 1} 0 R /Resources << /Font << /F1 ${font} 0 R >> >> >>`,
    );
  }
  await pdf.end(1);
  return `PDF, ${pages} text pages${options.objectStreams === false ? '' : ' (object streams)'}`;
}

/**
 * A scan-like PDF of `megabytes` in all: `pages` pages that each draw one image of random bytes
 * (incompressible, as photos are), written with a classic cross-reference table, or with
 * `objectStreams` its dictionaries packed into object streams with a cross-reference stream (as a
 * current scanner or writer saves it). Streamed: the file never sits in memory.
 */
export async function writeLargePdf(path: string, megabytes: number, pages: number, options: { objectStreams?: boolean } = {}): Promise<string> {
  const imageBytes = Math.floor((megabytes * 1024 * 1024) / pages);
  const side = Math.max(1, Math.floor(Math.sqrt(imageBytes / 3)));
  const length = side * side * 3;
  const first = treeObjects(pages) + 1;
  // Page p: the page, its content stream and its image.
  const pageId = (p: number) => first + 3 * p;
  const objectStreams = options.objectStreams ?? false;
  const pdf = new PdfWriter(path, objectStreams, first + 3 * pages);
  await pdf.write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  await writePageTree(pdf, pages, pageId);
  const draw = Buffer.from('q 612 0 0 792 0 0 cm /Im0 Do Q', 'latin1');
  function* randomChunks(): Iterable<Buffer> {
    for (let left = length; left > 0; left -= 1 << 20) yield randomBytes(Math.min(left, 1 << 20));
  }
  for (let p = 0; p < pages; p++) {
    const [page, content, image] = [pageId(p), pageId(p) + 1, pageId(p) + 2];
    await pdf.object(
      page,
      `<< /Type /Page /Parent ${3 + Math.floor(p / KIDS_PER_NODE)} 0 R /MediaBox [0 0 612 792] /Contents ${content} 0 R /Resources << /XObject << /Im0 ${image} 0 R >> >> >>`,
    );
    await pdf.stream(content, '', draw.length, draw);
    await pdf.stream(image, `/Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB /BitsPerComponent 8`, length, randomChunks());
  }
  await pdf.end(1);
  return `PDF, ${pages} pages of image data (${objectStreams ? 'object streams, cross-reference stream' : 'classic cross-reference table'})`;
}

/**
 * A 1 MB PDF whose one page sits in an object stream that unpacks to `megabytes` of white space
 * (deflated as it is made, never held unpacked).
 */
export async function writeObjectStreamBomb(path: string, megabytes: number): Promise<string> {
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
  const tail = `\nendstream\nendobj\nxref\n0 3\n0000000000 65535 f \n${offsets
    .slice(1, 3)
    .map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)
    .join('')}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
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

export const encoders = {
  jpeg: (image: Sharp) => image.jpeg({ quality: 90 }),
  png: (image: Sharp) => image.png({ compressionLevel: 6 }),
} as const;

/** A photo-like image of `width`×`height` encoded by `encode`; returns a description. */
export async function writeImage(path: string, width: number, height: number, encode: (image: Sharp) => Sharp, what: string): Promise<string> {
  await encode(noise(width, height)).toFile(path);
  return `${what}, ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP)`;
}
