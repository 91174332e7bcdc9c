import type { FileType } from '../domain/file-types';

const startsWith = (head: Uint8Array, bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** Valid UTF-8 without NUL bytes; a sequence cut by the end of the sample is allowed. */
function isText(head: Uint8Array): boolean {
  for (let i = 0; i < head.length; ) {
    const b = head[i] as number;
    if (b === 0) return false;
    const extra = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (extra < 0) return false;
    for (let k = 1; k <= extra; k++) {
      if (i + k >= head.length) return true;
      if (((head[i + k] as number) & 0xc0) !== 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

/** Strips what may precede a document's first element: BOM, white space, prolog, comments, doctype. */
function firstElement(text: string): string {
  let rest = text.replace(/^\uFEFF/, '');
  for (;;) {
    const trimmed = rest.trimStart();
    const skip = /^(<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!doctype(?!\s+html)[^>]*>)/i.exec(trimmed);
    if (!skip) return trimmed;
    rest = trimmed.slice(skip[0].length);
  }
}

/**
 * The MIME type the first bytes of some content show (up to 4 KiB is enough), whatever the
 * uploader claimed.
 */
export function sniffType(head: Uint8Array): string {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'application/zip';
  // Readers accept a PDF header anywhere in the first kilobyte.
  if (Buffer.from(head.subarray(0, 1024)).includes('%PDF-')) return 'application/pdf';
  if (!isText(head)) return 'application/octet-stream';

  const text = Buffer.from(head).toString('utf8');
  const first = firstElement(text);
  if (/^<svg[\s>]/i.test(first)) return 'image/svg+xml';
  if (/^<(!doctype\s+html|html|head|body|script)[\s>]/i.test(first)) return 'text/html';
  if (/^\uFEFF?\s*<\?xml/i.test(text) || /^<[a-z_][\w.-]*(:[\w.-]+)?[\s>/]/i.test(first)) return 'application/xml';
  if (/^[{[]/.test(text.replace(/^\uFEFF/, '').trimStart())) return 'application/json';
  return 'text/plain';
}

const TEXT = new Set(['text/plain', 'application/json']);

/** Whether content of the `detected` type may be stored under `type`. */
export function contentMatches(detected: string, type: FileType): boolean {
  switch (type.id) {
    case 'docx':
    case 'xlsx':
    case 'pptx':
    case 'zip':
      return detected === 'application/zip';
    case 'txt':
    case 'csv':
    case 'json':
      // Plain text has no signature; what matters is that it is text and not active content.
      return TEXT.has(detected);
    case 'xml':
      return detected === 'application/xml';
    default:
      return type.mimeTypes.includes(detected);
  }
}
