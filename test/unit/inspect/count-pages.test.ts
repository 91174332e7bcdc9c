import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import fc from 'fast-check';
import { countPages, MAX_PDF_OBJECTS, MAX_PDF_STREAM_BYTES } from '../../../lambdas/inspect/count-pages';
import { rc4 as rc4Cipher } from '../../../lambdas/inspect/pdf-encryption';
import { encryptPdf, type Cipher, type EncryptOptions } from '../../support/encrypt-pdf';
import { openWithPdfjs, type PdfjsResult } from '../../support/pdfjs';
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

  it('fails a page tree that contains itself as CORRUPT_FILE instead of looping', async () => {
    const bytes = handMade([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>',
    ]);
    expect((await failureOf(countPages(bytes))).code).toBe('CORRUPT_FILE');
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

describe('countPages on encrypted PDFs', () => {
  const CIPHERS: Cipher[] = ['rc4-40', 'rc4-128', 'aes-128', 'aes-256', 'aes-256-r5'];
  const OWNER = 'owner password';
  const USER = 'user password';
  /** Every cipher, with and without object streams: 7 pages each. */
  const cases = CIPHERS.flatMap((cipher) => [true, false].map((useObjectStreams) => ({ cipher, useObjectStreams })));
  const plain = new Map<boolean, Uint8Array>();
  const ownerOnly = new Map<string, Buffer>();
  const withUserPassword = new Map<string, Buffer>();
  const key = ({ cipher, useObjectStreams }: { cipher: Cipher; useObjectStreams: boolean }) => `${cipher}, object streams: ${useObjectStreams}`;
  const encrypted = async (options: EncryptOptions) => encryptPdf(plain.get(options.useObjectStreams ?? false)!, { ownerPassword: OWNER, ...options });

  beforeAll(async () => {
    for (const useObjectStreams of [true, false]) plain.set(useObjectStreams, await pdf(7, useObjectStreams));
    for (const options of cases) {
      ownerOnly.set(key(options), await encrypted(options));
      withUserPassword.set(key(options), await encrypted({ ...options, userPassword: USER }));
    }
  });

  it('has fixtures that are real encrypted PDFs: pdf.js opens them as readers do, and reads their strings and streams', async () => {
    const files = cases.flatMap((options) => [
      { pdf: ownerOnly.get(key(options))! },
      { pdf: ownerOnly.get(key(options))!, password: OWNER },
      { pdf: withUserPassword.get(key(options))! },
      { pdf: withUserPassword.get(key(options))!, password: USER },
      { pdf: withUserPassword.get(key(options))!, password: OWNER },
      { pdf: withUserPassword.get(key(options))!, password: 'wrong' },
    ]);
    const results = await openWithPdfjs(files);
    // The Info dictionary's /Producer (an encrypted string) and the text of page 1 (in an encrypted
    // content stream) read back as pdf-lib wrote them: the encryption is right, not just the passwords.
    const opened: PdfjsResult = { pages: 7, producer: expect.stringContaining('pdf-lib'), firstPageText: 'Page 1' };
    const refused = (message: string): PdfjsResult => ({ error: 'PasswordException', message });
    const expected = cases.flatMap(() => [opened, opened, refused('No password given'), opened, opened, refused('Incorrect Password')]);
    expect(results).toEqual(expected);
  }, 60_000);

  it.each(cases)('counts the pages of a PDF encrypted with an owner password only ($cipher, object streams: $useObjectStreams)', async (options) => {
    const bytes = ownerOnly.get(key(options))!;
    expect(latin1(bytes)).toContain('/Encrypt');
    expect(await countPages(bytes)).toBe(7);
  });

  it.each(cases)('fails a PDF that needs a user password as ENCRYPTED_FILE ($cipher, object streams: $useObjectStreams)', async (options) => {
    const failure = await failureOf(countPages(withUserPassword.get(key(options))!));
    expect(failure).toMatchObject({ code: 'ENCRYPTED_FILE', message: 'The PDF is encrypted with a password: it cannot be opened without the password.' });
  });

  it('counts pages with the encryption dictionary in the trailer, /EncryptMetadata false, and unencrypted (/Identity) streams', async () => {
    const variants: EncryptOptions[] = [
      { cipher: 'rc4-128', useObjectStreams: true, inlineEncryptDictionary: true },
      { cipher: 'aes-256', useObjectStreams: false, inlineEncryptDictionary: true },
      { cipher: 'aes-128', useObjectStreams: true, encryptMetadata: false },
      { cipher: 'aes-256', useObjectStreams: true, encryptMetadata: false },
      { cipher: 'aes-128', useObjectStreams: true, identityStreams: true },
      { cipher: 'aes-256', useObjectStreams: true, identityStreams: true },
    ];
    const files = await Promise.all(variants.map((options) => encrypted(options)));
    expect(await openWithPdfjs(files.map((file) => ({ pdf: file })))).toEqual(files.map(() => expect.objectContaining({ pages: 7, firstPageText: 'Page 1' })));
    for (const file of files) expect(await countPages(file)).toBe(7);
    const locked = await encrypted({ cipher: 'aes-128', useObjectStreams: true, identityStreams: true, userPassword: USER });
    expect((await failureOf(countPages(locked))).code).toBe('ENCRYPTED_FILE');
  });

  it('keeps its limits: objects, and object streams measured once decrypted', async () => {
    const bytes = await encryptPdf(await pdf(30), { cipher: 'aes-128', useObjectStreams: true });
    expect(await countPages(bytes, { maxObjects: 200 })).toBe(30);
    expect((await failureOf(countPages(bytes, { maxObjects: 80 }))).code).toBe('FILE_TOO_LARGE');
    // Still encrypted, they would not inflate at all (and measure 0 bytes): the limit applies to what they unpack to.
    expect(await countPages(bytes, { maxStreamBytes: 64 * 1024 })).toBe(30);
    const failure = await failureOf(countPages(bytes, { maxStreamBytes: 1024 }));
    expect(failure).toMatchObject({ code: 'FILE_TOO_LARGE', message: expect.stringContaining('object streams unpack to more than') });
  });

  it.each([0.3, 0.6, 0.9, 0.99])('fails an owner-password-only PDF truncated to %s of its length as CORRUPT_FILE', async (fraction) => {
    for (const options of cases) {
      const whole = ownerOnly.get(key(options))!;
      const cut = whole.subarray(0, Math.floor(whole.length * fraction));
      expect((await failureOf(countPages(cut))).code).toBe('CORRUPT_FILE');
      // Cut among the objects and given an end marker back: the damage itself is what fails it.
      if (fraction > 0.6) continue;
      expect((await failureOf(countPages(Buffer.concat([cut, bytesOf('\n%%EOF\n')])))).code).toBe('CORRUPT_FILE');
    }
  });

  describe('with a hostile or broken encryption dictionary', () => {
    /** An owner-password-only PDF (which alone counts 7 pages) with its /Encrypt dictionary edited by `edit`. */
    async function tampered(options: EncryptOptions, edit: (text: string) => string): Promise<Buffer> {
      const text = latin1(await encrypted({ inlineEncryptDictionary: true, ...options }));
      const edited = edit(text);
      expect(edited).not.toBe(text);
      return bytesOf(edited);
    }
    const replace = (from: string | RegExp, to: string) => (text: string) => text.replace(from, to);
    const rc4Edits: [string, (text: string) => string][] = [
      ['another security handler', replace('/Filter /Standard', '/Filter /Adobe.PubSec')],
      ['no /Filter', replace('/Filter /Standard', '')],
      ['no /U', replace(/\/U <[0-9a-f]+>/, '')],
      ['a short /U', replace(/\/U <[0-9a-f]+>/, '/U <00>')],
      ['a short /O', replace(/\/O <[0-9a-f]+>/, '/O ()')],
      ['/O a number', replace(/\/O <[0-9a-f]+>/, '/O 12')],
      ['no /P', replace(/\/P -?\d+/, '')],
      ['a /P past 2^53', replace(/\/P -?\d+/, '/P 99999999999999999999999')],
      ['an absurd /Length', replace('/Length 128', '/Length 99999999999')],
      ['a negative /Length', replace('/Length 128', '/Length -8')],
      ['a /Length not whole bytes', replace('/Length 128', '/Length 44')],
      ['/V 3', replace('/V 2', '/V 3')],
      ['/R 99', replace('/R 3', '/R 99')],
      ['/R missing', replace('/R 3', '')],
      ['/Encrypt an array', replace(/\/Encrypt <<[\s\S]*?>>/, '/Encrypt [1 2 3]')],
      ['/Encrypt a number', replace(/\/Encrypt <<[\s\S]*?>>/, '/Encrypt 42')],
      ['/Encrypt pointing nowhere', replace(/\/Encrypt <<[\s\S]*?>>/, '/Encrypt 999 0 R')],
      ['/Encrypt pointing at the catalog', replace(/\/Encrypt <<[\s\S]*?>>/, '/Encrypt 1 0 R')],
    ];
    const aesEdits: [string, (text: string) => string][] = [
      ['no /UE', replace(/\/UE <[0-9a-f]+>/, '')],
      ['a short /UE', replace(/\/UE <[0-9a-f]+>/, '/UE <0011>')],
      ['a short /U', replace(/\/U <[0-9a-f]+>/, '/U <0011>')],
      ['an unknown crypt filter method', replace('/CFM /AESV3', '/CFM /ROT13')],
      ['a stream crypt filter that is not defined', replace('/StmF /StdCF', '/StmF /Nowhere')],
      ['/CF not a dictionary', replace(/\/CF << \/StdCF <<[^>]*>> >>/, '/CF 7')],
      ['AES-256 with revision 4', replace('/R 6', '/R 4')],
    ];

    it.each(rc4Edits.flatMap(([what, edit]) => [true, false].map((useObjectStreams) => [what, useObjectStreams, edit] as const)))(
      'fails RC4 with %s as ENCRYPTED_FILE (object streams: %s)',
      async (_what, useObjectStreams, edit) => {
        const bytes = await tampered({ cipher: 'rc4-128', useObjectStreams }, edit);
        expect((await failureOf(countPages(bytes))).code).toBe('ENCRYPTED_FILE');
      },
    );

    it.each(aesEdits.flatMap(([what, edit]) => [true, false].map((useObjectStreams) => [what, useObjectStreams, edit] as const)))(
      'fails AES-256 with %s as ENCRYPTED_FILE (object streams: %s)',
      async (_what, useObjectStreams, edit) => {
        const bytes = await tampered({ cipher: 'aes-256', useObjectStreams }, edit);
        expect((await failureOf(countPages(bytes))).code).toBe('ENCRYPTED_FILE');
      },
    );

    it('counts pages or fails with a code, whatever bytes of the dictionary are changed', async () => {
      for (const cipher of ['rc4-128', 'aes-256'] as const) {
        const text = latin1(await encrypted({ cipher, useObjectStreams: true, inlineEncryptDictionary: true }));
        const start = text.indexOf('/Encrypt <<');
        const end = text.indexOf('/ID', start);
        const damage = fc.array(fc.tuple(fc.integer({ min: start, max: end - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 });
        await fc.assert(
          fc.asyncProperty(damage, async (changes) => {
            const bytes = bytesOf(text);
            for (const [at, byte] of changes) bytes[at] = byte;
            try {
              expect(await countPages(bytes)).toBe(7);
            } catch (error) {
              // A ProcessingFailure, never a TypeError or such: failureOf rethrows anything else.
              expect(['ENCRYPTED_FILE', 'CORRUPT_FILE']).toContain((await failureOf(Promise.reject(error))).code);
            }
          }),
          { numRuns: 150 },
        );
      }
    }, 60_000);

  });

  it('reads the /Encrypt of an earlier cross-reference stream when the last has none, as in linearized files', async () => {
    // A linearized file's first-page section, at its start, has the trailer entries; its main section, at the end, does not.
    for (const cipher of ['rc4-128', 'aes-256'] as const) {
      const text = latin1(await encrypted({ cipher, useObjectStreams: true }));
      const xref = /(\d+) 0 obj\n<< \/Type \/XRef /.exec(text)!;
      const size = Number(xref[1]) + 2;
      const main = `${size - 1} 0 obj\n<< /Type /XRef /Size ${size} /W [1 4 2] /Index [0 0] /Length 0 >>\nstream\n\nendstream\nendobj\n`;
      expect(await countPages(bytesOf(`${text}${main}startxref\n${text.length}\n%%EOF\n`))).toBe(7);
    }
  });

  it("is not fooled by a stream whose data shows an /Encrypt entry: an unencrypted file's object streams are read as they are", async () => {
    /** Catalog and page tree at the top level, the page in an object stream, and a content stream that shows `trailer`. */
    function showing(trailer: string): Buffer {
      const unpacked = '3 0 << /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 5 0 R >>';
      const shows = `BT (trailer << /Encrypt << /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >> >>) Tj ET\n${trailer}`;
      const head = handMade(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>']);
      const objects = bytesOf(
        `4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length ${unpacked.length} >>\nstream\n${unpacked}\nendstream\nendobj\n` +
          `5 0 obj\n<< /Length ${shows.length} >>\nstream\n${shows}\nendstream\nendobj\n`,
      );
      const at = head.indexOf('xref');
      return Buffer.concat([head.subarray(0, at), objects, head.subarray(at)]);
    }
    expect(await countPages(showing('trailer\n<< /Encrypt 1 0 R >>'))).toBe(1);

    // Shown a whole encryption dictionary that opens, it decrypts what is not encrypted: the file fails, it is not misread.
    const real = latin1(await encrypted({ cipher: 'rc4-128', inlineEncryptDictionary: true }));
    const entries = real.slice(real.indexOf('/Encrypt <<'), real.indexOf(']', real.indexOf('/ID')) + 1);
    const failure = await failureOf(countPages(showing(`trailer\n<< ${entries} >>`)));
    expect(failure).toMatchObject({ code: 'CORRUPT_FILE', message: expect.stringContaining('invalid object') });
  });

  it('has an RC4 that matches the published test vectors, and this file\'s own', () => {
    const vectors = [
      ['Key', 'Plaintext', 'bbf316e8d940af0ad3'],
      ['Wiki', 'pedia', '1021bf0420'],
      ['Secret', 'Attack at dawn', '45a01f645fc35b383552544b9bf5'],
    ];
    for (const [key, plain, cipher] of vectors) {
      expect(rc4Cipher(bytesOf(key!), bytesOf(plain!)).toString('hex')).toBe(cipher);
      expect(rc4(bytesOf(key!), bytesOf(plain!)).toString('hex')).toBe(cipher);
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
