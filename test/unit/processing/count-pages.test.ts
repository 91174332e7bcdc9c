import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { countPages, MAX_PDF_OBJECTS, MAX_PDF_STREAM_BYTES } from '../../../lambdas/processing/count-pages';
import { failureOf } from '../support/failure';

async function pdf(pages: number, useObjectStreams = true): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([200, 200]).drawText(`Page ${i + 1}`, { x: 10, y: 100 });
  return doc.save({ useObjectStreams, addDefaultPage: false });
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const bytesOf = (text: string) => Buffer.from(text, 'latin1');

/** A PDF written by hand from its objects' bodies (object i + 1 is `bodies[i]`), with a correct xref table. */
function handMade(bodies: string[], trailer = ''): Buffer {
  let text = '%PDF-1.7\n';
  const offsets = bodies.map((body, i) => {
    const at = text.length;
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = text.length;
  text += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  text += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R ${trailer}>>\nstartxref\n${xref}\n%%EOF\n`;
  return bytesOf(text);
}

// The PDF standard security handler, revision 2 (RC4, 40-bit key), enough to build a real encrypted file.
const PADDING = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');
const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();
const padded = (password: string) => Buffer.concat([Buffer.from(password, 'latin1'), PADDING]).subarray(0, 32);

function rc4(key: Buffer, data: Uint8Array): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 255;
    j = (j + s[i]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 255]!;
  }
  return out;
}

/**
 * Encrypts a pdf-lib PDF with a user password: every stream (page contents, and the object streams
 * that hold the page tree when there are any) is RC4-encrypted in place, which keeps all offsets.
 * (qpdf --password=secret --check accepts the result; without the password it is refused.)
 */
function encrypt(pdf: Uint8Array, userPassword: string): Buffer {
  const id = createHash('md5').update('fileport').digest();
  const permissions = Buffer.alloc(4);
  permissions.writeInt32LE(-4);
  const owner = rc4(md5(padded('owner')).subarray(0, 5), padded(userPassword));
  const key = md5(padded(userPassword), owner, permissions, id).subarray(0, 5);
  const user = rc4(key, PADDING);
  const bytes = Buffer.from(pdf);
  const text = latin1(bytes);
  let xrefStreamDictEnd = -1;
  for (const m of text.matchAll(/(\d+) (\d+) obj\s*<<((?:(?!endobj)[\s\S])*?)>>\s*stream\r?\n/g)) {
    const start = m.index + m[0].length;
    if (/\/Type \/XRef/.test(m[3]!)) {
      xrefStreamDictEnd = text.lastIndexOf('>>', start);
      continue;
    }
    const [num, gen] = [Number(m[1]), Number(m[2])];
    const objectKey = md5(key, Buffer.from([num & 255, (num >> 8) & 255, (num >> 16) & 255, gen & 255, (gen >> 8) & 255])).subarray(0, 10);
    const length = Number(/\/Length (\d+)/.exec(m[3]!)![1]);
    rc4(objectKey, bytes.subarray(start, start + length)).copy(bytes, start);
  }
  const entries = `/Encrypt << /Filter /Standard /V 1 /R 2 /O <${owner.toString('hex')}> /U <${user.toString('hex')}> /P -4 >> /ID [<${id.toString('hex')}> <${id.toString('hex')}>] `;
  const at = xrefStreamDictEnd >= 0 ? xrefStreamDictEnd : text.indexOf('<<', text.lastIndexOf('trailer')) + 2;
  return Buffer.concat([bytes.subarray(0, at), bytesOf(entries), bytes.subarray(at)]);
}

describe('countPages', () => {
  it('counts 1 and N pages, with and without object streams', async () => {
    expect(await countPages(await pdf(1))).toBe(1);
    expect(await countPages(await pdf(37))).toBe(37);
    expect(await countPages(await pdf(12, false))).toBe(12);
  });

  it('counts the real pages when the page tree /Count lies', async () => {
    const text = latin1(await pdf(10, false));
    expect(text).toContain('/Count 10');
    expect(await countPages(bytesOf(text.replace('/Count 10', '/Count 5 ')))).toBe(10);
  });

  it('counts pages of a nested page tree, and a page without /Type', async () => {
    const bytes = handMade([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 1 >>',
      '<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 >>',
      '<< /Parent 2 0 R /MediaBox [0 0 10 10] >>',
      '<< /Type /Page /Parent 3 0 R /MediaBox [0 0 10 10] >>',
      '<< /Type /Page /Parent 3 0 R /MediaBox [0 0 10 10] >>',
    ]);
    expect(await countPages(bytes)).toBe(3);
  });

  it.each([0.1, 0.5, 0.8, 0.95, 0.999])('fails a 30-page PDF truncated to %s of its length as CORRUPT_FILE', async (fraction) => {
    for (const objectStreams of [true, false]) {
      const whole = await pdf(30, objectStreams);
      const failure = await failureOf(countPages(whole.subarray(0, Math.floor(whole.length * fraction))));
      expect(failure.code).toBe('CORRUPT_FILE');
    }
  });

  it('fails a PDF cut cleanly between two objects, which pdf-lib alone would read, as truncated', async () => {
    const text = latin1(await pdf(20, false));
    const cut = bytesOf(text.slice(0, text.indexOf('endobj', text.length / 2) + 'endobj\n'.length));
    expect((await PDFDocument.load(cut, { updateMetadata: false })).getPageCount()).toBeLessThan(20);
    const failure = await failureOf(countPages(cut));
    expect(failure).toMatchObject({ code: 'CORRUPT_FILE', message: expect.stringContaining('truncated') });
  });

  it('fails a page tree pointing at a missing page, which pdf-lib alone would count short', async () => {
    const text = latin1(await pdf(4, false));
    const page = /\n(\d+) 0 obj\n<<\n\/Type \/Page\n/.exec(text)![1];
    const broken = bytesOf(text.replace(`\n${page} 0 obj\n`, `\n9${page} 0 obj\n`));
    expect((await PDFDocument.load(broken, { updateMetadata: false })).getPageCount()).toBe(3);
    const failure = await failureOf(countPages(broken));
    expect(failure).toMatchObject({ code: 'CORRUPT_FILE', message: expect.stringContaining(`object ${page} 0 R, which is missing`) });
  });

  it('fails a page tree that contains itself as CORRUPT_FILE, quickly', async () => {
    const bytes = handMade([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>',
    ]);
    const started = Date.now();
    expect((await failureOf(countPages(bytes))).code).toBe('CORRUPT_FILE');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fails a PDF without pages, an empty file and garbage as CORRUPT_FILE', async () => {
    expect(await failureOf(countPages(await pdf(0)))).toMatchObject({ code: 'CORRUPT_FILE', message: 'The PDF has no pages.' });
    expect((await failureOf(countPages(new Uint8Array()))).code).toBe('CORRUPT_FILE');
    expect((await failureOf(countPages(bytesOf('%PDF-1.7\nthis is not a pdf\n%%EOF\n')))).code).toBe('CORRUPT_FILE');
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    expect((await failureOf(countPages(Buffer.concat([random, bytesOf('%%EOF')])))).code).toBe('CORRUPT_FILE');
  });

  it.each([true, false])('fails a PDF encrypted with a user password as ENCRYPTED_FILE (object streams: %s)', async (objectStreams) => {
    const plain = await pdf(3, objectStreams);
    const encrypted = encrypt(plain, 'secret');
    expect(encrypted.length).toBeGreaterThan(plain.length);
    const failure = await failureOf(countPages(encrypted));
    expect(failure).toMatchObject({ code: 'ENCRYPTED_FILE', message: expect.stringContaining('encrypted') });
  });

  it.each([true, false])('refuses a PDF of more objects than it may parse as FILE_TOO_LARGE (object streams: %s)', async (objectStreams) => {
    const bytes = await pdf(30, objectStreams); // 2 + 30 × 3 objects, and the object streams holding them
    expect(await countPages(bytes, { maxObjects: 200 })).toBe(30);
    const failure = await failureOf(countPages(bytes, { maxObjects: 80 }));
    expect(failure).toMatchObject({ code: 'FILE_TOO_LARGE', message: 'The PDF has more than 80 objects, more than can be read.' });
    expect(MAX_PDF_OBJECTS).toBe(150_000);
  });

  describe('with an object stream that unpacks to 4 MB of white space after its one object', () => {
    /** Catalog and page tree at the top level, the page in an object stream encoded with `filter`. */
    function withObjectStream(filter: 'FlateDecode' | 'ASCIIHexDecode'): Buffer {
      const unpacked = Buffer.alloc(4 * 1024 * 1024, 0x20);
      unpacked.write('3 0 << /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>');
      const data = filter === 'FlateDecode' ? deflateSync(unpacked, { level: 9 }) : Buffer.from(`${unpacked.toString('hex')}>`);
      const head = handMade(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>']);
      const stream = Buffer.concat([
        bytesOf(`4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /${filter} /Length ${data.length} >>\nstream\n`),
        data,
        bytesOf('\nendstream\nendobj\n'),
      ]);
      // Before the xref table, where pdf-lib (which reads objects in file order) does not mind it.
      const at = head.indexOf('xref');
      return Buffer.concat([head.subarray(0, at), stream, head.subarray(at)]);
    }

    it.each(['FlateDecode', 'ASCIIHexDecode'] as const)('counts its page within the limit, and refuses it past the limit (%s)', async (filter) => {
      const bytes = withObjectStream(filter);
      expect(await countPages(bytes)).toBe(1);
      expect(await countPages(bytes, { maxStreamBytes: 5 * 1024 * 1024 })).toBe(1);
      const failure = await failureOf(countPages(bytes, { maxStreamBytes: 3 * 1024 * 1024 }));
      expect(failure).toMatchObject({ code: 'FILE_TOO_LARGE', message: "The PDF's object streams unpack to more than 3 MB." });
    });

    it('keeps the default limit at 128 MB', () => {
      expect(MAX_PDF_STREAM_BYTES).toBe(128 * 1024 * 1024);
    });
  });

  it('does not copy the file: pdf-lib gets a Buffer view even when handed a plain Uint8Array', async () => {
    const doc = await PDFDocument.create();
    doc.addPage().drawImage(await doc.embedPng(Buffer.from(await noisePng())), { x: 0, y: 0 });
    const bytes = new Uint8Array(await doc.save());
    expect(Buffer.isBuffer(bytes)).toBe(false);
    const slice = jest.spyOn(Uint8Array.prototype, 'slice');
    try {
      expect(await countPages(bytes)).toBe(1);
      const copied = slice.mock.results.map((r) => (r.value as Uint8Array).length);
      expect(copied.filter((length) => length > 100_000)).toEqual([]);
    } finally {
      slice.mockRestore();
    }
  });

  it('keeps pdf-lib from logging, and gives the console back afterwards', async () => {
    const { log, warn } = console;
    const logged = jest.fn();
    console.log = console.warn = logged;
    try {
      // A number past 2^53 and an object numbered 0 each make pdf-lib's parser warn.
      const bytes = handMade([
        '<< /Type /Catalog /Pages 2 0 R /Huge 99999999999999999999999 >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>',
      ]);
      const withZero = bytesOf(latin1(bytes).replace('%PDF-1.7\n', '%PDF-1.7\n0 0 obj\n<< >>\nendobj\n'));
      expect(await countPages(withZero)).toBe(1);
      await Promise.all([countPages(withZero), countPages(withZero)]);
      expect(logged).not.toHaveBeenCalled();
      expect(console.warn).toBe(logged);
      expect(console.log).toBe(logged);
    } finally {
      Object.assign(console, { log, warn });
    }
  });
});

/** A 400×400 PNG of noise: about 480 KB that deflate cannot shrink. */
async function noisePng(): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  const pixels = Buffer.alloc(400 * 400 * 3);
  for (let i = 0, x = 1; i < pixels.length; i++) pixels[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return sharp(pixels, { raw: { width: 400, height: 400, channels: 3 } }).png().toBuffer();
}
