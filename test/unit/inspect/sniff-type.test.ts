import sharp, { type TiffOptions } from 'sharp';
import { PDFDocument } from 'pdf-lib';
import { defaultFileTypes } from '../support/file-types';
import { contentMatches, sniffType } from '../../../lambdas/inspect/sniff-type';
import type { FileType } from '../../../lambdas/domain/files/file-types';
import { parseFileTypeCatalogue } from '../../../lambdas/file-type-catalogue';

const image = (format: 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff', options: TiffOptions = {}) =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).toFormat(format, options).toBuffer();
const text = (s: string) => Buffer.from(s, 'utf8');
const bytes = (...values: number[]) => Buffer.from(values);

async function onePagePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage();
  return doc.save();
}

/** A zip archive with one stored (uncompressed) file, as a zip tool writes it. */
function zipWithOneFile(name: string, content: string): Buffer {
  const [n, c] = [Buffer.from(name), Buffer.from(content)];
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(c.length, 18);
  local.writeUInt32LE(c.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt32LE(c.length, 20);
  central.writeUInt32LE(c.length, 24);
  central.writeUInt16LE(n.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(30 + n.length + c.length, 16);
  return Buffer.concat([local, n, c, central, n, end]);
}

describe('sniffType', () => {
  it.each([
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['gif', 'image/gif'],
    ['webp', 'image/webp'],
    ['tiff', 'image/tiff'],
  ] as const)('recognises %s made by sharp', async (format, mime) => {
    expect(await sniffType(await image(format))).toBe(mime);
  });

  it('recognises big-endian TIFF and BigTIFF', async () => {
    // The header, and the first directory it points at (file-type reads into it).
    const bigEndian = Buffer.concat([bytes(0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8), Buffer.alloc(56)]);
    expect(await sniffType(bigEndian)).toBe('image/tiff');
    // The tiff type's signatures (config/file-types.json) take the header alone, whatever a detector makes of it.
    expect(contentMatches('application/octet-stream', bytes(0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8), defaultFileTypes.find('tiff')!)).toBe(true);
    const bigtiff = await image('tiff', { bigtiff: true });
    expect(bigtiff.subarray(0, 4)).toEqual(bytes(0x49, 0x49, 0x2b, 0x00));
    expect(await sniffType(bigtiff)).toBe('image/tiff');
  });

  it('looks only at the bytes of the view it is given', async () => {
    const png = await image('png');
    expect(await sniffType(Buffer.concat([text('{"a": 1}'), png]).subarray(8))).toBe('image/png');
    expect(await sniffType(Buffer.concat([bytes(0, 0, 0), text('{"a": 1}')]).subarray(3))).toBe('application/json');
    expect(await sniffType(new Uint8Array(Buffer.concat([bytes(0xff, 0xd8, 0xff), text('%PDF-1.7')])).subarray(3))).toBe('application/pdf');
  });

  it('recognises a PDF, also behind junk within the first kilobyte, but not further in', async () => {
    const pdf = await onePagePdf();
    expect(await sniffType(pdf)).toBe('application/pdf');
    expect(await sniffType(Buffer.concat([text('\r\n\r\n'), pdf]))).toBe('application/pdf');
    expect(await sniffType(Buffer.concat([bytes(0xef, 0xbb, 0xbf), Buffer.alloc(1000, 0x20), pdf]))).toBe('application/pdf');
    expect(await sniffType(Buffer.concat([Buffer.alloc(1020, 0x01), pdf]))).toBe('application/octet-stream');
  });

  it('recognises zip archives, empty ones too', async () => {
    expect(await sniffType(zipWithOneFile('[Content_Types].xml', '<Types/>'))).toBe('application/zip');
    expect(await sniffType(Buffer.concat([bytes(0x50, 0x4b, 0x05, 0x06), Buffer.alloc(18)]))).toBe('application/zip');
    expect(await sniffType(text('PK and some text'))).toBe('text/plain');
  });

  it.each([
    ['<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/svg+xml'],
    ['\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/svg+xml'],
    ['<?xml version="1.0" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg>', 'image/svg+xml'],
    ['<!DOCTYPE svg [\n  <!ENTITY name "value">\n]>\n<svg>&name;</svg>', 'image/svg+xml'],
    ['  \n<SVG viewBox="0 0 1 1">', 'image/svg+xml'],
    ['<!doctype html><title>x</title>', 'text/html'],
    ['  <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN">\n<html>', 'text/html'],
    ['<HTML><body>x', 'text/html'],
    ['<head><meta charset="utf-8">', 'text/html'],
    ['<body onload="x()">', 'text/html'],
    ['<script>alert(1)</script>', 'text/html'],
    ['<!-- a fragment -->\n<div class="card"><p>Hi</p></div>', 'text/html'],
    ['<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x">\n<html xmlns="http://www.w3.org/1999/xhtml">', 'text/html'],
    ['<?xml version="1.0"?><invoice><total>3</total></invoice>', 'application/xml'],
    ['<?xml version="1.0"?>\n<table><row/></table>', 'application/xml'],
    ['<rss version="2.0"><channel/></rss>', 'application/xml'],
    ['<x:doc xmlns:x="urn:x"/>', 'application/xml'],
    ['{"a": [1, 2]}', 'application/json'],
    ['\n  [1, 2, 3]', 'application/json'],
    ['\uFEFF{"bom": true}', 'application/json'],
    ['name,amount\nMüller,3\n', 'text/plain'],
    ['# Notes\n\n- 3 < 4\n- <3 hearts\n\tand a tab\r\n', 'text/plain'],
    ['"quoted","csv"\n1,2\n', 'text/plain'],
    ['\x1b[32mgreen log line\x1b[0m\n\f', 'text/plain'],
    ['日本語のテキスト 🎉', 'text/plain'],
  ])('sniffs %j as %s', async (content, mime) => {
    expect(await sniffType(text(content))).toBe(mime);
  });

  it.each([
    ['a NUL byte', bytes(0x41, 0x00, 0x42)],
    ['a control byte', bytes(0x41, 0x01, 0x42)],
    ['a lone continuation byte', bytes(0x41, 0x80, 0x42)],
    ['a lead byte without its continuation', bytes(0x41, 0xc3, 0x28)],
    ['an overlong encoding of "/"', bytes(0x41, 0xc0, 0xaf)],
    ['an overlong three-byte form', bytes(0x41, 0xe0, 0x80, 0xaf)],
    ['a UTF-16 surrogate', bytes(0x41, 0xed, 0xa0, 0x80)],
    ['a code point past U+10FFFF', bytes(0x41, 0xf4, 0x90, 0x80, 0x80)],
    ['Latin-1 text', Buffer.from('Müller,3', 'latin1')],
    ['UTF-16 text', Buffer.from('\uFEFFhello', 'utf16le')],
  ])('treats %s as binary', async (_what, content) => {
    expect(await sniffType(content)).toBe('application/octet-stream');
  });

  it('treats random bytes as binary', async () => {
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    expect(await sniffType(random)).toBe('application/octet-stream');
  });

  it('accepts a character cut by the 4096-byte boundary, but not a broken one before it', async () => {
    const long = text('x'.repeat(4094) + '€ and more'); // "€" is three bytes, at 4094..4096
    const head = long.subarray(0, 4096);
    expect(head.subarray(4094)).toEqual(bytes(0xe2, 0x82));
    expect(await sniffType(head)).toBe('text/plain');
    expect(await sniffType(text(`{"name":"${'é'.repeat(3000)}`).subarray(0, 4096))).toBe('application/json');
    const broken = Buffer.from(head);
    broken[4095] = 0x41; // 0xE2 followed by a non-continuation byte
    expect(await sniffType(broken)).toBe('application/octet-stream');
  });
});

describe('contentMatches', () => {
  const type = (id: string) => {
    const found = defaultFileTypes.find(id);
    if (!found) throw new Error(`no file type ${id}`);
    return found;
  };
  it.each([
    ['application/pdf', 'pdf', true],
    ['image/png', 'pdf', false],
    ['application/octet-stream', 'pdf', false],
    ['image/jpeg', 'jpeg', true],
    ['image/jpeg', 'png', false],
    ['image/png', 'png', true],
    ['image/gif', 'webp', false],
    ['image/webp', 'webp', true],
    ['image/gif', 'gif', true],
    ['image/tiff', 'tiff', true],
    ['image/svg+xml', 'png', false],
    ['application/zip', 'docx', true],
    ['application/zip', 'xlsx', true],
    ['application/zip', 'pptx', true],
    ['application/zip', 'zip', true],
    ['application/octet-stream', 'docx', false],
    ['application/zip', 'txt', false],
    ['application/octet-stream', 'txt', false],
    ['image/png', 'txt', false],
    ['text/plain', 'txt', true],
    ['application/json', 'txt', true],
    ['text/html', 'txt', true],
    ['application/xml', 'txt', true],
    ['text/plain', 'csv', true],
    ['application/octet-stream', 'csv', false],
    ['application/json', 'json', true],
    ['text/plain', 'json', false],
    ['image/svg+xml', 'svg', true],
    ['application/xml', 'svg', false],
    ['text/html', 'svg', false],
    ['application/xml', 'xml', true],
    ['image/svg+xml', 'xml', true],
    ['text/plain', 'xml', false],
    ['text/html', 'html', true],
    ['text/plain', 'html', false],
    ['application/pdf', 'html', false],
  ])('%s content for a %s file → %s', (detected, id, expected) => {
    expect(contentMatches(detected, new Uint8Array(), type(id))).toBe(expected);
  });

  it('accepts what sniffType finds in a real file of each image type and in a PDF', async () => {
    for (const format of ['jpeg', 'png', 'gif', 'webp', 'tiff'] as const) {
      expect(contentMatches(await sniffType(await image(format)), await image(format), type(format))).toBe(true);
    }
    expect(contentMatches(await sniffType(await onePagePdf()), await onePagePdf(), type('pdf'))).toBe(true);
  });

  it('accepts binary content for no text type', async () => {
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    const textual = defaultFileTypes.types.filter((t) => ['txt', 'csv', 'json', 'xml', 'html', 'svg'].includes(t.id));
    expect(textual).toHaveLength(6);
    for (const t of textual) expect(contentMatches(await sniffType(random), random, t)).toBe(false);
  });
});

describe('file-type, for the binary formats it knows', () => {
  /** An MP4's first box: size, "ftyp", the brand "isom". */
  const mp4 = Buffer.concat([bytes(0, 0, 0, 0x18), text('ftypisom'), bytes(0, 0, 2, 0), text('isomiso2'), Buffer.alloc(40, 0x11)]);
  /** DICOM Part 10: a 128-byte preamble, then "DICM". */
  const dicom = Buffer.concat([Buffer.alloc(128), text('DICM'), bytes(2, 0, 0, 0, 0x55, 0x4c, 4, 0), Buffer.alloc(64, 0x22)]);
  const operatorTypes = parseFileTypeCatalogue(
    {
      fileTypes: [
        { id: 'mp4', name: 'MP4 video', mimeTypes: ['video/mp4'], extensions: ['mp4'], processing: [], activeContent: false },
        { id: 'dicom', name: 'DICOM image', mimeTypes: ['application/dicom'], extensions: ['dcm'], signatures: [{ offset: 128, hex: '4449434d' }], processing: [], activeContent: false },
      ],
    },
    'test',
  );
  const [mp4Type, dicomType] = operatorTypes as [FileType, FileType];

  it('names formats no check of ours knows', async () => {
    expect(await sniffType(mp4)).toBe('video/mp4');
    expect(await sniffType(dicom)).toBe('application/dicom');
  });

  it('lets an operator-added type take its content by MIME type or by its signature, and nothing else', async () => {
    expect(contentMatches(await sniffType(mp4), mp4, mp4Type)).toBe(true);
    expect(contentMatches(await sniffType(dicom), dicom, dicomType)).toBe(true);
    // The signature decides even when no detector knows the bytes.
    expect(contentMatches('application/octet-stream', dicom, dicomType)).toBe(true);
    const png = await image('png');
    expect(contentMatches(await sniffType(png), png, mp4Type)).toBe(false);
    expect(contentMatches(await sniffType(mp4), mp4, dicomType)).toBe(false);
  });

  it('does not take text for a binary format whose signature it happens to start with', async () => {
    // "BM" is a bitmap's two-byte signature to file-type: text is told apart first.
    expect(await sniffType(text('BMW sales, 2026\n'))).toBe('text/plain');
    expect(await sniffType(text('ID3 tags explained\n'))).toBe('text/plain');
  });

  it('lets binary take any content, unchecked', async () => {
    const binary = defaultFileTypes.find('binary')!;
    for (const content of [mp4, dicom, await image('png'), text('<script>alert(1)</script>'), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 31) % 256))]) {
      expect(contentMatches(await sniffType(content), content, binary)).toBe(true);
    }
  });
});
