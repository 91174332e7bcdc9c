import { fileTypeFromBuffer } from 'file-type/core';
import { mimeTypeMatches, type FileType } from '../domain/files/file-types';

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const PDF_HEADER = Buffer.from('%PDF-', 'latin1');

/**
 * Control bytes no text file contains. TAB, LF, VT, FF, CR, SUB (a DOS end of file) and ESC
 * (terminal colours in logs) are allowed; NUL and the rest mean binary data.
 */
const isBinaryControl = (b: number) => b <= 0x08 || (b >= 0x0e && b <= 0x19) || (b >= 0x1c && b <= 0x1f);

/**
 * Valid UTF-8 without binary control bytes. A multi-byte character cut by the end of the sample
 * (the object goes on past it) is not an error; overlong forms, surrogates and code points past
 * U+10FFFF are.
 */
function isText(head: Uint8Array): boolean {
  for (let i = 0; i < head.length; ) {
    const b = head[i] as number;
    if (b < 0x80) {
      if (isBinaryControl(b)) return false;
      i++;
      continue;
    }
    // The lead byte decides the length and the range of the second byte (RFC 3629, section 4).
    let extra: number;
    let [low, high] = [0x80, 0xbf];
    if (b >= 0xc2 && b <= 0xdf) extra = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      extra = 2;
      if (b === 0xe0) low = 0xa0; // overlong
      if (b === 0xed) high = 0x9f; // UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      extra = 3;
      if (b === 0xf0) low = 0x90; // overlong
      if (b === 0xf4) high = 0x8f; // past U+10FFFF
    } else return false;
    for (let k = 1; k <= extra; k++) {
      if (i + k >= head.length) return true;
      const c = head[i + k] as number;
      if (k === 1 ? c < low || c > high : (c & 0xc0) !== 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

/**
 * What follows what may precede a markup document's first element: a BOM, white space, the XML
 * prolog and other processing instructions, comments, and a doctype other than HTML's (with its
 * internal subset).
 */
function firstElement(text: string): string {
  let rest = text.replace(/^\uFEFF/, '');
  for (;;) {
    const trimmed = rest.trimStart();
    const skip = /^(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!doctype(?!\s+html[\s>])[^[>]*(?:\[[\s\S]*?\]\s*)?>)/i.exec(trimmed);
    if (!skip) return trimmed;
    rest = trimmed.slice(skip[0].length);
  }
}

/** Elements that open an HTML document or fragment (WHATWG's sniffing list, and a few more). */
const HTML_START =
  /^<(?:!doctype\s+html|html|head|body|script|iframe|style|title|meta|link|base|noscript|template|div|span|p|a|b|i|u|em|strong|br|hr|img|table|font|center|pre|form|ul|ol|h[1-6]|section|article|header|footer|nav|main)[\s/>]/i;
const XML_ELEMENT = /^<[a-z_][\w.-]*(?::[\w.-]+)?[\s/>]/i;

/**
 * The MIME type the first bytes of some content show (the first 4 KiB are enough), whatever the
 * uploader claimed. Binary formats are file-type's (a maintained detector of some 200 formats);
 * what no detector does is done here: a PDF header after leading junk, and text, told apart as
 * SVG, HTML, XML, JSON or plain text. Text is looked at before file-type, whose two-byte
 * signatures would take a text starting with "BM" for a bitmap.
 */
export async function sniffType(head: Uint8Array): Promise<string> {
  const sample = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  // Readers accept a PDF header anywhere in the first kilobyte (after junk some generators emit).
  if (sample.subarray(0, 1024).includes(PDF_HEADER)) return 'application/pdf';
  // UTF-16 text (its byte order mark) is none of the binary formats, whose weakest signatures it
  // would match (FF FE is an MPEG audio frame's sync to file-type).
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return 'application/octet-stream';
  if (!isText(head)) return (await detectBinary(head)) ?? 'application/octet-stream';

  const text = sample.toString('utf8');
  const first = firstElement(text);
  if (/^<svg[\s/>]/i.test(first)) return 'image/svg+xml';
  if (/^<(?:!doctype\s+html|html)[\s>]/i.test(first)) return 'text/html'; // XHTML too
  // With an XML declaration, any other root element is XML (an Atom feed's <title>, a <table>).
  if (/^\uFEFF?\s*<\?xml[\s?]/i.test(text)) return 'application/xml';
  if (HTML_START.test(first)) return 'text/html';
  if (XML_ELEMENT.test(first)) return 'application/xml';
  if (/^[{[]/.test(text.replace(/^\uFEFF/, '').trimStart())) return 'application/json';
  return 'text/plain';
}

/** file-type's answer for binary content, or undefined when it knows no format of these bytes. */
async function detectBinary(head: Uint8Array): Promise<string | undefined> {
  try {
    return (await fileTypeFromBuffer(head))?.mime;
  } catch (error) {
    // A container format cut by the end of the sample can end its parser early: nothing detected.
    if (error instanceof Error && /end.?of.?stream|position/i.test(`${error.name} ${error.message}`)) return undefined;
    throw error;
  }
}

/** The part of a file type (lambdas/domain/files/file-types.ts) that decides what content it takes. */
export type ExpectedType = Pick<FileType, 'mimeTypes' | 'accepts' | 'signatures'>;

const signatureBytes = (hex: string) => [...Buffer.from(hex, 'hex')];

/**
 * Whether content whose first bytes are `head`, sniffed as `detected`, may be stored under `type`,
 * as the catalogue says: the detected MIME type is one of the type's (or one it `accepts`, where
 * `*\/*` takes anything), or the content starts with one of its signatures. So a DICOM type with
 * "DICM" at 128 takes DICOM whatever a detector calls it, and the zip-based office types take any
 * zip archive (what is inside is not checked); plain text takes any text, markup included (served
 * as text/plain or text/csv, and only as attachments, it is never rendered).
 */
export function contentMatches(detected: string, head: Uint8Array, type: ExpectedType): boolean {
  if ([...type.mimeTypes, ...type.accepts].some((pattern) => mimeTypeMatches(detected, pattern))) return true;
  return type.signatures.some((signature) => startsWith(head, signatureBytes(signature.hex), signature.offset));
}
