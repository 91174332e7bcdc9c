import sharp from 'sharp';
import { PDFDocument } from 'pdf-lib';
import { findFileType } from '../../../lambdas/domain/file-types';
import { contentMatches, sniffType } from '../../../lambdas/processing/sniff-type';

const image = (format: 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff') =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).toFormat(format).toBuffer();
const text = (s: string) => Buffer.from(s, 'utf8');

describe('sniffType', () => {
  it.each([
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['gif', 'image/gif'],
    ['webp', 'image/webp'],
    ['tiff', 'image/tiff'],
  ] as const)('recognises %s made by sharp', async (format, mime) => {
    expect(sniffType(await image(format))).toBe(mime);
  });

  it('recognises a PDF, also behind a few bytes of junk', async () => {
    const doc = await PDFDocument.create();
    doc.addPage();
    const pdf = await doc.save();
    expect(sniffType(pdf)).toBe('application/pdf');
    expect(sniffType(Buffer.concat([Buffer.from('\r\n\r\n'), pdf]))).toBe('application/pdf');
  });

  it('tells text formats apart', () => {
    expect(sniffType(text('PK\u0003\u0004rest'))).toBe('application/zip');
    expect(sniffType(text('\uFEFF<?xml version="1.0"?>\n<!-- c -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('image/svg+xml');
    expect(sniffType(text('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg>'))).toBe('image/svg+xml');
    expect(sniffType(text('  <!doctype html><html><body>x'))).toBe('text/html');
    expect(sniffType(text('<script>alert(1)</script>'))).toBe('text/html');
    expect(sniffType(text('<?xml version="1.0"?><invoice/>'))).toBe('application/xml');
    expect(sniffType(text('\n  {"a": [1, 2]}'))).toBe('application/json');
    expect(sniffType(text('name,amount\nMüller,3\n'))).toBe('text/plain');
  });

  it('treats NUL bytes and broken UTF-8 as binary, but not a character cut at the end of the sample', () => {
    expect(sniffType(Buffer.from([0x41, 0x00, 0x42]))).toBe('application/octet-stream');
    expect(sniffType(Buffer.from([0x41, 0xc3, 0x28]))).toBe('application/octet-stream');
    const cut = Buffer.from('abc€', 'utf8').subarray(0, 5); // "€" is three bytes; two remain
    expect(sniffType(cut)).toBe('text/plain');
  });
});

describe('contentMatches', () => {
  const type = (id: string) => findFileType(id)!;
  it.each([
    ['application/pdf', 'pdf', true],
    ['image/png', 'pdf', false],
    ['image/jpeg', 'png', false],
    ['image/png', 'png', true],
    ['application/zip', 'docx', true],
    ['application/zip', 'xlsx', true],
    ['application/zip', 'txt', false],
    ['application/octet-stream', 'txt', false],
    ['text/html', 'txt', false],
    ['text/plain', 'csv', true],
    ['application/json', 'json', true],
    ['image/svg+xml', 'svg', true],
    ['text/html', 'svg', false],
    ['image/svg+xml', 'xml', false],
    ['application/xml', 'xml', true],
    ['text/html', 'html', true],
  ])('%s content for a %s file → %s', (detected, id, expected) => {
    expect(contentMatches(detected, type(id))).toBe(expected);
  });
});
