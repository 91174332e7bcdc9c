import { PDFArray, PDFBool, PDFContext, PDFDict, PDFHexString, PDFName, PDFNumber, PDFObjectParser, PDFRawStream, PDFRef, PDFString, type PDFObject } from 'pdf-lib';
import { decryptStream, openWithEmptyPassword, type StandardSecurity, type StreamCipher } from './pdf-encryption';

/**
 * What a PDF's encryption means for reading it:
 * - `none`: not encrypted;
 * - `open`: encrypted, but the empty user password opens it (an owner password only): its streams
 *   decrypt with `fileKey`;
 * - `locked`: it cannot be read: a user password is needed, or the security handler is not one
 *   this reads, or its encryption dictionary is broken. `reason` says which, for a person.
 */
export type Security =
  | { state: 'none' }
  | { state: 'open'; fileKey: Buffer; streams: StreamCipher }
  | { state: 'locked'; reason: 'password' | 'unsupported' | 'unreadable'; detail: string };

const NONE: Security = { state: 'none' };

/** The security of a parsed document, from its trailer's /Encrypt and /ID. Never throws. */
export function securityOfTrailer(encrypt: PDFObject | undefined, id: PDFObject | undefined, context: PDFContext): Security {
  if (encrypt === undefined) return NONE;
  try {
    return securityOf(encrypt instanceof PDFRef ? context.lookup(encrypt) : encrypt, id instanceof PDFRef ? context.lookup(id) : id);
  } catch (error) {
    return unreadable(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The security of a PDF found without parsing it, for decrypting object streams while pdf-lib
 * parses them: it reads objects in file order, and the trailer that says how they are encrypted
 * comes at the end. Looks, from the end of the file, for an /Encrypt entry in a trailer or
 * cross-reference stream dictionary (not one in some stream's data), and reads the dictionary it
 * names. The parse result is checked against this afterwards (`sameDecryption`), so a file that
 * tells this search one thing and pdf-lib another is refused, not misread. Never throws.
 */
export function findSecurity(pdf: Buffer): Security {
  try {
    let candidates = 0;
    for (let at = pdf.lastIndexOf('/Encrypt'); at >= 0 && candidates < MAX_CANDIDATES; at = at > 0 ? pdf.lastIndexOf('/Encrypt', at - 1) : -1) {
      // The name ends there (not /EncryptMetadata): a value of any kind follows.
      if (!/^[\s()<>[\]{}/%]/.test(pdf.toString('latin1', at + 8, at + 9))) continue;
      candidates++;
      const holder = dictionaryAround(pdf, at);
      if (!holder) continue;
      const encrypt = holder.get(ENCRYPT);
      const dict = encrypt instanceof PDFRef ? objectAt(pdf, encrypt) : encrypt;
      return securityOf(dict, holder.get(ID));
    }
    return NONE;
  } catch (error) {
    return unreadable(error instanceof Error ? error.message : String(error));
  }
}

/** Whether the two decrypt streams the same way: both not at all (when locked, they are not decrypted), or with the same key and cipher. */
export function sameDecryption(a: Security, b: Security): boolean {
  const how = (s: Security) => (s.state === 'open' && s.streams !== 'identity' ? `${s.streams}:${s.fileKey.toString('hex')}` : 'none');
  return how(a) === how(b);
}

/** `stream`, object `ref`, decrypted. */
export function decryptObjectStream(security: Extract<Security, { state: 'open' }>, ref: PDFRef, stream: PDFRawStream): PDFRawStream {
  if (security.streams === 'identity') return stream;
  return PDFRawStream.of(stream.dict, decryptStream(security.fileKey, security.streams, ref.objectNumber, ref.generationNumber, stream.contents));
}

/** /Encrypt entries tried from the end before giving up: each costs a parse of its surroundings. */
const MAX_CANDIDATES = 16;

const ENCRYPT = PDFName.of('Encrypt');
const ID = PDFName.of('ID');
const TYPE = PDFName.of('Type');
const XREF = PDFName.of('XRef');
const IDENTITY = PDFName.of('Identity');

/** Reads a Standard security handler's dictionary (ISO 32000-2, tables 20, 21 and 25). */
function securityOf(dict: PDFObject | undefined, id: PDFObject | undefined): Security {
  if (!(dict instanceof PDFDict)) return unreadable('the /Encrypt entry does not lead to a dictionary');
  const filter = dict.lookup(PDFName.of('Filter'));
  if (filter !== PDFName.of('Standard')) {
    return { state: 'locked', reason: 'unsupported', detail: `security handler ${filter instanceof PDFName ? filter.decodeText() : 'missing'}` };
  }
  const v = integer(dict, 'V') ?? 0;
  const r = integer(dict, 'R');
  if (![1, 2, 4, 5].includes(v) || r === undefined || r < 2 || r > 6) {
    return { state: 'locked', reason: 'unsupported', detail: `Standard security handler version ${v}, revision ${r ?? 'missing'}` };
  }
  const cipher = v === 4 || v === 5 ? cryptFilter(dict) : { streams: 'rc4' as const, bits: v === 1 ? 40 : (integer(dict, 'Length') ?? 40) };
  if ('unsupported' in cipher) return { state: 'locked', reason: 'unsupported', detail: cipher.unsupported };
  const keyLength = cipher.streams === 'aes-256' || r >= 5 ? 32 : cipher.streams === 'aes-128' ? 16 : cipher.bits / 8;
  if (!Number.isInteger(keyLength) || keyLength < 5 || keyLength > 32) return unreadable(`a key of ${cipher.bits} bits`);
  if ((keyLength === 32) !== r >= 5) return unreadable(`revision ${r} with a ${keyLength * 8}-bit key`);

  const o = bytes(dict, 'O');
  const u = bytes(dict, 'U');
  const p = integer(dict, 'P');
  if (!o || !u || p === undefined) return unreadable('/O, /U or /P is missing');
  const metadata = dict.lookup(PDFName.of('EncryptMetadata'));
  const first = id instanceof PDFArray ? id.lookup(0) : undefined;
  const security: StandardSecurity = {
    v,
    r,
    keyLength,
    o,
    u,
    ue: bytes(dict, 'UE'),
    p,
    encryptMetadata: !(metadata instanceof PDFBool && !metadata.asBoolean()),
    streams: cipher.streams,
    id: first instanceof PDFString || first instanceof PDFHexString ? first.asBytes() : new Uint8Array(),
  };
  let fileKey: Buffer | undefined;
  try {
    fileKey = openWithEmptyPassword(security);
  } catch (error) {
    return unreadable(error instanceof Error ? error.message : String(error));
  }
  return fileKey ? { state: 'open', fileKey, streams: security.streams } : { state: 'locked', reason: 'password', detail: 'a user password is needed' };
}

/**
 * The cipher of V 4 and 5 streams: the crypt filter /StmF names in /CF (or /Identity, no
 * encryption). Its /Length is in bits, or, as many writers put it, in bytes.
 */
function cryptFilter(dict: PDFDict): { streams: StreamCipher; bits: number } | { unsupported: string } {
  const name = dict.lookup(PDFName.of('StmF')) ?? IDENTITY;
  if (name === IDENTITY) return { streams: 'identity', bits: 128 };
  const filters = dict.lookup(PDFName.of('CF'));
  const filter = name instanceof PDFName && filters instanceof PDFDict ? filters.lookup(name) : undefined;
  if (!(filter instanceof PDFDict)) return { unsupported: 'a stream crypt filter that is not defined' };
  const method = filter.lookup(PDFName.of('CFM')) ?? PDFName.of('None');
  const declared = integer(filter, 'Length') ?? 128;
  const bits = declared < 40 ? declared * 8 : declared;
  switch (method) {
    case PDFName.of('None'):
      return { streams: 'identity', bits };
    case PDFName.of('V2'):
      return { streams: 'rc4', bits };
    case PDFName.of('AESV2'):
      return { streams: 'aes-128', bits: 128 };
    case PDFName.of('AESV3'):
      return { streams: 'aes-256', bits: 256 };
    default:
      return { unsupported: `crypt filter method ${method instanceof PDFName ? method.decodeText() : 'unknown'}` };
  }
}

function unreadable(why: string): Security {
  return { state: 'locked', reason: 'unreadable', detail: `its encryption dictionary cannot be read: ${why}` };
}

function integer(dict: PDFDict, key: string): number | undefined {
  const value = dict.lookup(PDFName.of(key));
  return value instanceof PDFNumber && Number.isSafeInteger(value.asNumber()) ? value.asNumber() : undefined;
}

function bytes(dict: PDFDict, key: string): Uint8Array | undefined {
  const value = dict.lookup(PDFName.of(key));
  return value instanceof PDFString || value instanceof PDFHexString ? value.asBytes() : undefined;
}

/**
 * The trailer or cross-reference stream dictionary around offset `at`, found from the nearest
 * `trailer` keyword or object header before it; `undefined` when the nearest one holds something
 * else (such as a content stream that shows the text "/Encrypt").
 */
function dictionaryAround(pdf: Buffer, at: number): PDFDict | undefined {
  const trailer = pdf.lastIndexOf('trailer', at);
  const header = objectHeaderBefore(pdf, at);
  if (trailer < 0 && !header) return undefined;
  if (trailer > (header?.start ?? -1)) {
    const dict = parseAt(pdf, trailer + 'trailer'.length);
    return dict instanceof PDFDict && dict.has(ENCRYPT) ? dict : undefined;
  }
  const stream = parseAt(pdf, header!.end);
  return stream instanceof PDFRawStream && stream.dict.get(TYPE) === XREF && stream.dict.has(ENCRYPT) ? stream.dict : undefined;
}

/** The last object `ref` in the file, the one pdf-lib keeps too (a later definition replaces an earlier one). */
function objectAt(pdf: Buffer, ref: PDFRef): PDFObject | undefined {
  const header = `${ref.objectNumber} ${ref.generationNumber} obj`;
  for (let at = pdf.lastIndexOf(header); at >= 0; at = at > 0 ? pdf.lastIndexOf(header, at - 1) : -1) {
    if (at === 0 || !isDigit(pdf[at - 1]!)) return parseAt(pdf, at + header.length);
  }
  return undefined;
}

/** Headers (`12 0 obj`) looked at before giving up: a stream's data can contain the word "obj" any number of times. */
const MAX_HEADER_LOOKS = 1000;

function objectHeaderBefore(pdf: Buffer, at: number): { start: number; end: number } | undefined {
  for (let looks = 0, obj = pdf.lastIndexOf('obj', at); obj > 0 && looks < MAX_HEADER_LOOKS; obj = pdf.lastIndexOf('obj', obj - 1), looks++) {
    const before = pdf.toString('latin1', Math.max(0, obj - 24), obj);
    // The leftmost match starts at the object number's first digit.
    const match = /\d+[ \t\r\n\f\0]+\d+[ \t\r\n\f\0]*$/.exec(before);
    if (match) return { start: obj - before.length + match.index, end: obj + 3 };
  }
  return undefined;
}

function parseAt(pdf: Buffer, offset: number): PDFObject {
  return PDFObjectParser.forBytes(pdf.subarray(offset), PDFContext.create()).parseObject();
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}
