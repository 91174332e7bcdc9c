import { ParseSpeeds, PDFDocument } from 'pdf-lib';
import { ProcessingFailure } from './failure';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Pages of a PDF, counted by walking the page tree rather than trusting its `/Count`.
 * pdf-lib keeps the input buffer (no copy), so memory stays near the file size.
 */
export async function countPages(pdf: Uint8Array): Promise<number> {
  // pdf-lib recovers what it can from a truncated file and may count the pages that survived:
  // a file without its end marker is refused before that can happen.
  if (!hasEndMarker(pdf)) throw new ProcessingFailure('CORRUPT_FILE', 'The PDF is truncated: it has no %%EOF end marker.');
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { parseSpeed: ParseSpeeds.Fastest, updateMetadata: false, throwOnInvalidObject: true });
  } catch (error) {
    // pdf-lib's errors are ES5 classes, so `instanceof EncryptedPDFError` does not hold.
    if (/is encrypted/.test(message(error))) throw new ProcessingFailure('ENCRYPTED_FILE', 'The PDF is encrypted and cannot be read without its password.');
    throw new ProcessingFailure('CORRUPT_FILE', `The PDF cannot be read: ${message(error)}`);
  }
  let pages: number;
  try {
    pages = doc.getPageCount();
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The PDF page tree is broken: ${message(error)}`);
  }
  if (pages === 0) throw new ProcessingFailure('CORRUPT_FILE', 'The PDF has no pages.');
  return pages;
}

/** A complete PDF ends with `%%EOF` (some writers add padding after it). */
function hasEndMarker(pdf: Uint8Array): boolean {
  return Buffer.from(pdf.buffer, pdf.byteOffset + Math.max(0, pdf.length - 1024), Math.min(1024, pdf.length)).includes('%%EOF');
}
