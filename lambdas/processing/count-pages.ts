import { EncryptedPDFError, ParseSpeeds, PDFDocument } from 'pdf-lib';
import { ProcessingFailure } from './failure';

/**
 * Pages of a PDF, counted by walking the page tree rather than trusting its `/Count`.
 * pdf-lib keeps the input buffer (no copy), so memory stays near the file size.
 */
export async function countPages(pdf: Uint8Array): Promise<number> {
  let doc: PDFDocument;
  // pdf-lib reports recoverable parse problems on the console; a truncated file is not recoverable
  // for us, so those reports are collected and judged instead of printed.
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
  try {
    doc = await PDFDocument.load(pdf, { parseSpeed: ParseSpeeds.Fastest, updateMetadata: false, throwOnInvalidObject: true });
  } catch (error) {
    if (error instanceof EncryptedPDFError) throw new ProcessingFailure('ENCRYPTED_FILE', 'The PDF is encrypted.');
    throw new ProcessingFailure('CORRUPT_FILE', `The PDF cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    console.warn = warn;
  }
  let pages: number;
  try {
    pages = doc.getPageCount();
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The PDF page tree is broken: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (pages === 0) throw new ProcessingFailure('CORRUPT_FILE', 'The PDF has no pages.');
  if (warnings.length > 0 && !hasEndMarker(pdf)) throw new ProcessingFailure('CORRUPT_FILE', 'The PDF is truncated.');
  return pages;
}

/** A complete PDF ends with `%%EOF` (some writers add a few bytes of padding after it). */
function hasEndMarker(pdf: Uint8Array): boolean {
  return Buffer.from(pdf.subarray(Math.max(0, pdf.length - 1024))).includes('%%EOF');
}
