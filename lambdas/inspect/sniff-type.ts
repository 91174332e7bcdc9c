
const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const TIFF = [
  [0x49, 0x49, 0x2a, 0x00], // II*\0: little-endian
  [0x4d, 0x4d, 0x00, 0x2a], // MM\0*: big-endian
  [0x49, 0x49, 0x2b, 0x00], // BigTIFF, which sharp reads too
  [0x4d, 0x4d, 0x00, 0x2b],
];
const ZIP = [
  [0x50, 0x4b, 0x03, 0x04], // a local file header: any archive with content, and OOXML documents
  [0x50, 0x4b, 0x05, 0x06], // the end of central directory record alone: an empty archive
];
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
 * uploader claimed.
 */
export function sniffType(head: Uint8Array): string {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, PNG)) return 'image/png';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  if (TIFF.some((signature) => startsWith(head, signature))) return 'image/tiff';
  if (ZIP.some((signature) => startsWith(head, signature))) return 'application/zip';
  const sample = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  // Readers accept a PDF header anywhere in the first kilobyte (after junk some generators emit).
  if (sample.subarray(0, 1024).includes(PDF_HEADER)) return 'application/pdf';
  if (!isText(head)) return 'application/octet-stream';

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

const TEXT = new Set(['text/plain', 'application/json', 'application/xml', 'text/html', 'image/svg+xml']);

/** The part of a file type (lambdas/domain/files/file-types.ts) that decides what content it takes. */
export interface ExpectedType {
  id: string;
  mimeTypes: readonly string[];
}

/** Whether content of the `detected` type may be stored under `type`. */
export function contentMatches(detected: string, type: ExpectedType): boolean {
  switch (type.id) {
    case 'docx':
    case 'xlsx':
    case 'pptx':
    case 'zip':
      // OOXML documents are zip archives; what is inside is not checked.
      return detected === 'application/zip';
    case 'txt':
    case 'csv':
      // Plain text has no signature: any text will do, markup included. These types are served as
      // text/plain or text/csv and only ever as attachments, so markup in them is never rendered.
      return TEXT.has(detected);
    case 'xml':
      // SVG is XML, and an xml file is always an attachment served as application/xml, so a browser
      // never renders it as an image: the script check the svg type gets is not needed here.
      return detected === 'application/xml' || detected === 'image/svg+xml';
    default:
      // Images, PDF, JSON (leading white space and a BOM are sniffed through), SVG and HTML: exactly.
      return type.mimeTypes.includes(detected);
  }
}
