import { inflateSync } from 'node:zlib';
import { decodePDFRawStream, PDFArray, PDFContext, PDFDict, PDFName, PDFParser, PDFRawStream, PDFRef, type PDFObject } from 'pdf-lib';
import { ProcessingFailure } from './failure';
import { decryptObjectStream, findSecurity, sameDecryption, securityOfTrailer, type Security } from './pdf-security';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const corrupt = (why: string) => new ProcessingFailure('CORRUPT_FILE', why);

function encrypted(security: Extract<Security, { state: 'locked' }>): ProcessingFailure {
  const why = {
    password: 'The PDF is encrypted with a password: it cannot be opened without the password.',
    unsupported: `The PDF is encrypted in a way that cannot be read without its key (${security.detail}).`,
    unreadable: `The PDF is encrypted, and ${security.detail}.`,
  };
  return new ProcessingFailure('ENCRYPTED_FILE', why[security.reason]);
}

/**
 * At most this many objects are parsed. pdf-lib needs about 1.3 KB of memory per object on top of
 * the file itself (measured: 500 MB and 150,000 objects peak at 800 MB; 500 MB and 250,000 objects
 * at 900 MB; 86 MB and 600,000 objects at 844 MB), so this keeps a 500 MB PDF within a 1,024 MB
 * Lambda. A 20,000-page document has about 60,000 objects.
 */
export const MAX_PDF_OBJECTS = 150_000;

/**
 * At most this many bytes are unpacked from object and cross-reference streams, which pdf-lib
 * decodes whole while parsing. A deflate stream unpacks to up to 1,000 times its size: without a
 * bound, a 400 KB PDF made pdf-lib peak at 1 GB. Real files stay far below (150,000 objects of
 * 300 bytes are 45 MB).
 */
export const MAX_PDF_STREAM_BYTES = 128 * 1024 * 1024;

interface Limits {
  maxObjects?: number;
  maxStreamBytes?: number;
}

/**
 * Pages of a PDF, counted by walking the page tree rather than trusting its `/Count`.
 *
 * pdf-lib reads the whole file object by object (it ignores the cross-reference table), so a lying
 * `/Count` or broken xref offsets do not fool it. It is lenient elsewhere, and each leniency is closed
 * here: a file cut at an object boundary parses "fine" (the missing end marker refuses it), a page
 * tree pointing at missing objects would be counted short (the walk below refuses it), its errors
 * for encrypted files with object streams look like corruption (the encryption dictionary tells them
 * apart), and it would parse any number of objects and unpack object streams of any size until
 * memory runs out (refused past `limits`, as FILE_TOO_LARGE).
 *
 * Encrypted files: one that needs a user password is refused (ENCRYPTED_FILE). One encrypted with an
 * owner password only opens with the empty user password, as in every reader, and is counted. Its
 * page tree dictionaries are not encrypted (only strings and streams are), but object streams are:
 * those are decrypted before pdf-lib unpacks them.
 */
export async function countPages(pdf: Uint8Array, limits: Limits = {}): Promise<number> {
  if (pdf.length === 0) throw corrupt('The PDF is empty.');
  // pdf-lib copies each stream it meets with `bytes.slice()`: on a plain Uint8Array that copies the
  // file's bytes a second time, on a Buffer it is a view. Wrapping is free and halves peak memory.
  const bytes = Buffer.isBuffer(pdf) ? pdf : Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  if (!hasEndMarker(bytes)) throw corrupt('The PDF is truncated: it has no %%EOF end marker.');

  // The trailer saying how the file is encrypted comes after the objects pdf-lib reads in file
  // order: the first object stream makes a search for it, which the trailer confirms at the end.
  let found: Security | undefined;
  const foundSecurity = () => (found ??= findSecurity(bytes));
  // pdf-lib keeps the last cross-reference stream's trailer entries only, and a linearized file's
  // last one (its main section) has no /Encrypt: the first page's section, at the start, has it.
  let encryptedBy: PDFDict | undefined;
  const parser = PDFParser.forBytesWithOptions(bytes, Infinity, true);
  const budget = watchParser(parser, limits, {
    objectStream(ref, stream) {
      const security = foundSecurity();
      return security.state === 'open' ? decryptObjectStream(security, ref, stream) : stream;
    },
    crossReferenceStream(dict) {
      if (dict.has(ENCRYPT)) encryptedBy = dict;
    },
  });
  let context: PDFContext;
  try {
    context = await quietly(() => parser.parseDocument());
  } catch (error) {
    // The budget's own error may reach here wrapped in pdf-lib's "invalid object": its state tells.
    if (budget.exceeded) throw new ProcessingFailure('FILE_TOO_LARGE', budget.exceeded);
    // Object streams that could not be decrypted cannot be parsed at all: the error says "invalid object".
    const security = foundSecurity();
    if (security.state === 'locked') throw encrypted(security);
    throw corrupt(`The PDF cannot be read: ${message(error)}`);
  }
  // An /Encrypt entry, even one pointing nowhere, means strings and streams are encrypted.
  const { trailerInfo } = context;
  const security =
    trailerInfo.Encrypt === undefined && encryptedBy
      ? securityOfTrailer(encryptedBy.get(ENCRYPT), encryptedBy.get(ID), context)
      : securityOfTrailer(trailerInfo.Encrypt, trailerInfo.ID, context);
  if (security.state === 'locked') throw encrypted(security);
  if (found && !sameDecryption(found, security)) {
    throw encrypted({ state: 'locked', reason: 'unreadable', detail: 'its object streams are not encrypted as its trailer says' });
  }
  const pages = countPageLeaves(context);
  if (pages === 0) throw corrupt('The PDF has no pages.');
  return pages;
}

const TYPE = PDFName.of('Type');
const OBJECT_STREAM = PDFName.of('ObjStm');
const XREF_STREAM = PDFName.of('XRef');
const FILTER = PDFName.of('Filter');
const FLATE = PDFName.of('FlateDecode');
const ENCRYPT = PDFName.of('Encrypt');
const ID = PDFName.of('ID');

interface Observer {
  /** The object stream to unpack in place of `stream`, object `ref`. */
  objectStream(ref: PDFRef, stream: PDFRawStream): PDFRawStream;
  crossReferenceStream(dict: PDFDict): void;
}

/**
 * Puts `parser` on a budget. The parser is what PDFDocument.load(bytes, { parseSpeed:
 * ParseSpeeds.Fastest, throwOnInvalidObject: true }) uses (throwOnInvalidObject: fail on a broken
 * object instead of skipping it, and logging to the console), with three of its methods wrapped:
 * `shouldWaitForTick`, which it calls after each object it parses (top-level or inside an object
 * stream), counts objects; `parseObject` hands each object or cross-reference stream to `observer`
 * (which decrypts the former) and measures it before pdf-lib unpacks it; `parseIndirectObjectHeader`
 * tells which object that is, which decryption needs. Past either limit they throw, and `exceeded`
 * says why.
 */
function watchParser(parser: PDFParser, limits: Limits, observer: Observer): { exceeded?: string } {
  const maxObjects = limits.maxObjects ?? MAX_PDF_OBJECTS;
  const maxStreamBytes = limits.maxStreamBytes ?? MAX_PDF_STREAM_BYTES;
  const budget: { exceeded?: string } = {};
  const stop = (why: string): never => {
    budget.exceeded = why;
    throw new Error(why);
  };
  const hooks = parser as unknown as { shouldWaitForTick: () => boolean; parseObject: () => PDFObject; parseIndirectObjectHeader: () => PDFRef };
  const { shouldWaitForTick, parseObject, parseIndirectObjectHeader } = hooks;
  if (typeof shouldWaitForTick !== 'function' || typeof parseObject !== 'function' || typeof parseIndirectObjectHeader !== 'function') {
    throw new TypeError('pdf-lib has changed: its parser no longer has the methods countPages watches.');
  }
  let objects = 0;
  hooks.shouldWaitForTick = () => {
    if (++objects > maxObjects) stop(`The PDF has more than ${maxObjects} objects, more than can be read.`);
    return shouldWaitForTick.call(parser);
  };
  // pdf-lib parses an object's header, then the object: the last header read is the object's.
  let ref = PDFRef.of(0);
  hooks.parseIndirectObjectHeader = () => (ref = parseIndirectObjectHeader.call(parser));
  let streamBytes = 0;
  const tooMuch = () => stop(`The PDF's object streams unpack to more than ${maxStreamBytes / 1024 / 1024} MB.`);
  hooks.parseObject = () => {
    const parsed = parseObject.call(parser);
    if (!(parsed instanceof PDFRawStream)) return parsed;
    let object = parsed;
    const type = object.dict.get(TYPE);
    if (type === OBJECT_STREAM) {
      // Decrypting copies the stream whole: first a bound on that copy. No single standard filter
      // unpacks to less than half its input (ASCIIHexDecode's ratio), so this refuses nothing the
      // measure below would let through.
      if (object.contents.length > 2 * (maxStreamBytes - streamBytes)) tooMuch();
      object = observer.objectStream(ref, object);
    }
    if (type === XREF_STREAM) observer.crossReferenceStream(object.dict);
    if (type === OBJECT_STREAM || type === XREF_STREAM) {
      streamBytes += unpackedSize(object, maxStreamBytes - streamBytes);
      if (streamBytes > maxStreamBytes) tooMuch();
    }
    return object;
  };
  return budget;
}

/** The size `stream` unpacks to, or a number above `limit` once it is clear it unpacks to more. */
function unpackedSize(stream: PDFRawStream, limit: number): number {
  if (stream.dict.lookup(FILTER) === FLATE) {
    // zlib stops at the limit even inside one deflate block, which can expand without end.
    try {
      return inflateSync(stream.contents, { maxOutputLength: Math.max(0, limit) + 1 }).length;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return limit + 1;
      return 0; // Not zlib's kind of broken data: pdf-lib decides (and fails if it cannot unpack it).
    }
  }
  // Other filters (or none) through pdf-lib's own decoders, a chunk at a time.
  const decoder = decodePDFRawStream(stream);
  let size = 0;
  for (let chunk = decoder.getBytes(65_536); chunk.length > 0 && size <= limit; chunk = decoder.getBytes(65_536)) size += chunk.length;
  return size;
}

let quietCalls = 0;
let loud: Pick<Console, 'log' | 'warn'> | undefined;

/**
 * Runs `work` with console.log and console.warn muted. pdf-lib logs from the parser ("Parsed number
 * that is too large", "Removing parsed object: 0 0 R", "FLATE: ..."), once per occurrence: a crafted
 * file could write millions of log lines. Overlapping calls share one mute, undone by the last.
 */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  if (quietCalls++ === 0) {
    loud = { log: console.log, warn: console.warn };
    console.log = console.warn = () => undefined;
  }
  try {
    return await work();
  } finally {
    if (--quietCalls === 0 && loud) {
      ({ log: console.log, warn: console.warn } = loud);
      loud = undefined;
    }
  }
}

/** A complete PDF ends with `%%EOF`; readers accept it anywhere in the last kilobyte (some writers pad). */
function hasEndMarker(pdf: Buffer): boolean {
  return pdf.subarray(Math.max(0, pdf.length - 1024)).includes('%%EOF');
}

const KIDS = PDFName.of('Kids');
const PAGES = PDFName.of('Pages');
const PAGE = PDFName.of('Page');

/**
 * Leaves of the page tree. pdf-lib's own walk skips kids it cannot find (counting a damaged file
 * short) and recurses (a page tree containing itself overflows the stack): this one refuses both.
 * A node is an intermediate one if it says `/Type /Pages`, or has `/Kids` and does not say it is a page.
 */
function countPageLeaves(context: PDFContext): number {
  const catalog = context.lookup(context.trailerInfo.Root);
  if (!(catalog instanceof PDFDict)) throw corrupt('The PDF has no document catalog.');
  const seen = new Set<PDFObject>();
  const pending: (PDFObject | undefined)[] = [catalog.get(PAGES)];
  let pages = 0;
  while (pending.length > 0) {
    const entry = pending.pop();
    const node = entry instanceof PDFRef ? context.lookup(entry) : entry;
    if (!(node instanceof PDFDict)) {
      throw corrupt(`The PDF page tree refers to ${entry instanceof PDFRef ? `object ${entry.toString()}, which is missing` : 'something that is not a page'}.`);
    }
    if (seen.has(node)) throw corrupt('The PDF page tree contains a page or node twice (or itself).');
    seen.add(node);
    const type = node.get(TYPE);
    const kids = node.lookup(KIDS);
    if (type === PAGES || (type !== PAGE && kids !== undefined)) {
      if (!(kids instanceof PDFArray)) throw corrupt('A node of the PDF page tree has no list of kids.');
      for (let i = kids.size() - 1; i >= 0; i--) pending.push(kids.get(i));
    } else {
      pages++;
    }
  }
  return pages;
}
