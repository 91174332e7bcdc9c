import { deflateSync } from 'node:zlib';

/**
 * PDFs of any size that are never held whole: a few objects, a filler stream object of `filler`
 * bytes generated on demand, the page tree and the cross-reference sections. Read as ranges (unit
 * tests over a virtual byte source, up to S3's 5 TiB) or as a stream (integration uploads).
 */
export interface BigPdfOptions {
  pages: number;
  /** Bytes of the filler stream's data. */
  filler: number;
  xref: 'stream' | 'table';
  /** The page tree inside an object stream (with a classic table: a hybrid file, those objects in its /XRefStm). */
  objectStream?: boolean;
  /** What the root's /Count says (default: the truth). */
  declaredCount?: number;
  /** An incremental update appended after the file: this many more pages, a new root and a /Prev section. */
  addedPages?: number;
  /** Predictor 12 (PNG Up) on the cross-reference stream, as many writers do. */
  predictor?: boolean;
  /** Hostile variants. */
  prevLoop?: boolean;
  startxref?: number;
  cycle?: boolean;
  encrypted?: boolean;
  /** Zero bytes appended inside the object stream's data (deflated): an unpacking bomb. */
  objectStreamPadding?: number;
}

type Segment = Buffer | { filler: number };

export interface BigPdf {
  size: number;
  /** Bytes `start`..`end` inclusive, cut at the end. */
  read(start: number, end: number): Uint8Array;
  stream(chunk?: number): AsyncIterable<Uint8Array>;
}

const FILLER_PATTERN = Buffer.from('Fileport filler bytes: nothing to see here, nothing to parse.\n'.repeat(1024), 'latin1');

export function bigPdf(options: BigPdfOptions): BigPdf {
  const segments: Segment[] = [];
  let size = 0;
  const offsets = new Map<number, number>();
  const put = (segment: Segment) => {
    segments.push(segment);
    size += Buffer.isBuffer(segment) ? segment.length : segment.filler;
  };
  const text = (s: string) => put(Buffer.from(s, 'latin1'));
  const object = (n: number, body: string) => {
    offsets.set(n, size);
    text(`${n} 0 obj\n${body}\nendobj\n`);
  };

  const pageDict = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>';
  const firstPage = 4;
  const pageRefs = (from: number, count: number) => Array.from({ length: count }, (_, i) => `${from + i} 0 R`);
  const root = (kids: string[], count: number) => `<< /Type /Pages /Kids [${kids.join(' ')}${options.cycle ? ' 2 0 R' : ''}] /Count ${count} >>`;

  text('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  offsets.set(3, size);
  text(`3 0 obj\n<< /Length ${options.filler} >>\nstream\n`);
  put({ filler: options.filler });
  text('\nendstream\nendobj\n');

  const kids = pageRefs(firstPage, options.pages);
  const rootBody = root(kids, options.declaredCount ?? options.pages);
  let next = firstPage + options.pages;
  const inStream = new Map<number, [number, number]>();
  if (options.objectStream) {
    const streamNumber = next++;
    const members: [number, string][] = [[2, rootBody], ...kids.map((_, i): [number, string] => [firstPage + i, pageDict])];
    let body = '';
    const header: string[] = [];
    members.forEach(([n, b], i) => {
      header.push(`${n} ${body.length}`);
      body += `${b}\n`;
      inStream.set(n, [streamNumber, i]);
    });
    const head = `${header.join(' ')}\n`;
    const data = Buffer.concat([Buffer.from(head + body, 'latin1'), Buffer.alloc(options.objectStreamPadding ?? 0)]);
    const packed = deflateSync(data);
    offsets.set(streamNumber, size);
    text(`${streamNumber} 0 obj\n<< /Type /ObjStm /N ${members.length} /First ${head.length} /Filter /FlateDecode /Length ${packed.length} >>\nstream\n`);
    put(packed);
    text('\nendstream\nendobj\n');
  } else {
    object(2, rootBody);
    kids.forEach((_, i) => object(firstPage + i, pageDict));
  }
  const trailerExtra = options.encrypted ? ' /Encrypt << /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>' : '';

  /** One cross-reference section of `numbers` (with its trailer), at the current end; its offset. */
  const section = (numbers: number[], prev: number | undefined, total: number): number => {
    const compressed = numbers.filter((n) => inStream.has(n));
    if (options.xref === 'table' && compressed.length > 0) {
      // A hybrid file: the table lists the plain objects, a cross-reference stream (/XRefStm) those in object streams.
      const stream = xrefStream(compressed, undefined, total, '');
      const at = size;
      table(numbers.filter((n) => !inStream.has(n)), prev, total + 1, ` /XRefStm ${stream}`);
      return at;
    }
    if (options.xref === 'table') {
      const at = size;
      table(numbers, prev, total, '');
      return at;
    }
    return xrefStream(numbers, prev, total, trailerExtra);
  };
  const prevOf = (at: number, prev: number | undefined) => (options.prevLoop ? ` /Prev ${at}` : prev === undefined ? '' : ` /Prev ${prev}`);
  const table = (numbers: number[], prev: number | undefined, total: number, extra: string) => {
    const at = size;
    const sorted = [...numbers].sort((a, b) => a - b);
    let lines = 'xref\n';
    if (prev === undefined) lines += '0 1\n0000000000 65535 f\r\n';
    for (const n of sorted) lines += `${n} 1\n${String(offsets.get(n)).padStart(10, '0')} 00000 n\r\n`;
    text(`${lines}trailer\n<< /Size ${total} /Root 1 0 R${prevOf(at, prev)}${extra}${trailerExtra} >>\n`);
  };
  const xrefStream = (numbers: number[], prev: number | undefined, total: number, extra: string): number => {
    {
      const at = size;
      const prevEntry = prevOf(at, prev);
      const xrefNumber = total;
      offsets.set(xrefNumber, at);
      const all = [...numbers, xrefNumber].sort((a, b) => a - b);
      const rows: Buffer[] = all.map((n) => {
        const row = Buffer.alloc(9);
        const located = inStream.get(n);
        if (located) {
          row[0] = 2;
          row.writeUIntBE(located[0], 1, 6);
          row.writeUInt16BE(located[1], 7);
        } else {
          row[0] = 1;
          row.writeUIntBE(offsets.get(n) as number, 1, 6);
        }
        return row;
      });
      const index = all.map((n) => `${n} 1`).join(' ');
      let data: Buffer;
      let parms = '';
      if (options.predictor) {
        // PNG "Up": each byte minus the one above it, a filter-type byte before each row.
        data = Buffer.concat(rows.map((row, r) => Buffer.concat([Buffer.from([2]), Buffer.from(row.map((b, i) => (b - (r > 0 ? rows[r - 1]![i]! : 0)) & 0xff))])));
        parms = ' /DecodeParms << /Predictor 12 /Columns 9 >>';
      } else data = Buffer.concat(rows);
      const packed = deflateSync(data);
      text(
        `${xrefNumber} 0 obj\n<< /Type /XRef /W [1 6 2] /Index [${index}] /Size ${xrefNumber + 1} /Root 1 0 R${prevEntry}${extra} /Filter /FlateDecode${parms} /Length ${packed.length} >>\nstream\n`,
      );
      put(packed);
      text('\nendstream\nendobj\n');
      return at;
    }
  };
  const firstNumbers = [1, 2, 3, ...kids.map((_, i) => firstPage + i), ...[...new Set([...inStream.values()].map(([s]) => s))]];
  let xrefAt = section(firstNumbers, undefined, next);
  if (options.xref === 'stream' || inStream.size > 0) next++;
  text(`startxref\n${options.addedPages ? xrefAt : (options.startxref ?? xrefAt)}\n%%EOF\n`);

  if (options.addedPages) {
    // An incremental update: new pages, the root again with every kid, a section for them only.
    const added = pageRefs(next, options.addedPages);
    added.forEach((_, i) => object(next + i, pageDict));
    const addedNumbers = added.map((_, i) => next + i);
    next += options.addedPages;
    offsets.set(2, size);
    text(`2 0 obj\n${root([...kids, ...added], options.pages + options.addedPages)}\nendobj\n`);
    inStream.delete(2);
    xrefAt = section([2, ...addedNumbers], xrefAt, next);
    text(`startxref\n${options.startxref ?? xrefAt}\n%%EOF\n`);
  }

  const starts: number[] = [];
  let at = 0;
  for (const s of segments) {
    starts.push(at);
    at += Buffer.isBuffer(s) ? s.length : s.filler;
  }

  const fill = (out: Uint8Array, outAt: number, from: number, length: number) => {
    // The filler's byte i is the pattern's byte i mod its length.
    let done = 0;
    while (done < length) {
      const p = (from + done) % FILLER_PATTERN.length;
      const n = Math.min(length - done, FILLER_PATTERN.length - p);
      out.set(FILLER_PATTERN.subarray(p, p + n), outAt + done);
      done += n;
    }
  };

  const read = (start: number, end: number): Uint8Array => {
    end = Math.min(end, size - 1);
    const out = new Uint8Array(Math.max(0, end - start + 1));
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]!;
      const sStart = starts[i]!;
      const sLength = Buffer.isBuffer(s) ? s.length : s.filler;
      const from = Math.max(start, sStart);
      const to = Math.min(end + 1, sStart + sLength);
      if (from >= to) continue;
      if (Buffer.isBuffer(s)) out.set(s.subarray(from - sStart, to - sStart), from - start);
      else fill(out, from - start, from - sStart, to - from);
    }
    return out;
  };

  return {
    size,
    read,
    async *stream(chunk = 1024 * 1024) {
      for (let start = 0; start < size; start += chunk) yield read(start, Math.min(size, start + chunk) - 1);
    },
  };
}
