import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTypeCatalogue, mayBeInline, removedFileType } from '../../../../lambdas/domain/files/file-types';
import { catalogueJson, parseFileTypeCatalogue, readFileTypeCatalogue } from '../../../../lambdas/file-type-catalogue';
import { downloadName } from '../../../../lambdas/domain/transfer/downloads';
import { defaultFileTypes } from '../../support/file-types';

const DEFAULT_IDS = ['pdf', 'jpeg', 'png', 'webp', 'gif', 'tiff', 'svg', 'txt', 'csv', 'json', 'html', 'xml', 'docx', 'xlsx', 'pptx', 'zip'];

const mp4 = { id: 'mp4', name: 'MP4 video', mimeTypes: ['video/mp4'], extensions: ['mp4', 'm4v'], signatures: [{ offset: 4, hex: '66747970' }], processing: [], activeContent: false };
const catalogue = (...fileTypes: unknown[]) => ({ fileTypes });
const problems = (input: unknown) => {
  try {
    parseFileTypeCatalogue(input, 'test.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the catalogue was accepted');
};

describe('the default catalogue (config/file-types.json)', () => {
  it('holds the 16 types Fileport always had, with their old answers, and binary', () => {
    expect(defaultFileTypes.types.map((t) => t.id)).toEqual([...DEFAULT_IDS, 'binary']);
    expect(defaultFileTypes.find('pdf')).toMatchObject({ mimeTypes: ['application/pdf'], extension: 'pdf', pageCount: true, thumbnails: false });
    expect(defaultFileTypes.find('jpeg')).toMatchObject({ extension: 'jpg', extensions: ['jpg', 'jpeg'], thumbnails: true });
    expect(defaultFileTypes.types.filter((t) => t.activeContent).map((t) => t.id)).toEqual(['svg', 'html', 'xml']);
    expect(defaultFileTypes.find('binary')).toMatchObject({ mimeTypes: ['application/octet-stream'], extension: '', extensions: [], accepts: ['*/*'], thumbnails: false, pageCount: false, preview: false });
  });

  it('survives the round trip into an asset unchanged', () => {
    expect(parseFileTypeCatalogue(JSON.parse(catalogueJson(defaultFileTypes.types)), 'asset')).toEqual(defaultFileTypes.types);
  });
});

describe('checking a catalogue', () => {
  it('accepts an operator-added type', () => {
    const { processing: _flags, ...entry } = mp4;
    expect(parseFileTypeCatalogue(catalogue(mp4), 'x')).toEqual([{ ...entry, extension: 'mp4', accepts: [], thumbnails: false, pageCount: false, preview: false }]);
  });

  it.each([
    ['a duplicate id', catalogue(mp4, { ...mp4, mimeTypes: ['video/x-m4v'] }), /id "mp4" is claimed by both mp4 and mp4/],
    ['a MIME type claimed by two types', catalogue(mp4, { ...mp4, id: 'video', extensions: [] }), /MIME type "video\/mp4" is claimed by both mp4 and video/],
    ['an unknown processing flag', catalogue({ ...mp4, processing: ['transcode'] }), /fileTypes\[0\] \(id "mp4"\)\.processing\[0\]: unknown processing flag "transcode": the flags are pageCount, thumbnails, preview/],
    ['a missing field', catalogue(mp4, { ...mp4, id: 'second', mimeTypes: ['video/x'], activeContent: undefined }), /fileTypes\[1\] \(id "second"\)\.activeContent/],
    ['an unknown field', catalogue({ ...mp4, thumbnail: true }), /fileTypes\[0\] \(id "mp4"\).*thumbnail/],
    ['a bad id', catalogue({ ...mp4, id: 'MP4 video' }), /fileTypes\[0\] \(id "MP4 video"\)\.id: must be a lowercase slug/],
    ['no MIME type', catalogue({ ...mp4, mimeTypes: [] }), /fileTypes\[0\] \(id "mp4"\)\.mimeTypes: must list at least one MIME type/],
    ['a malformed MIME type', catalogue({ ...mp4, mimeTypes: ['Video/MP4'] }), /\.mimeTypes\[0\]: must be a lowercase MIME type/],
    ['an extension with its dot', catalogue({ ...mp4, extensions: ['.mp4'] }), /\.extensions\[0\]: must be a lowercase extension without the dot/],
    ['a signature that is not hex', catalogue({ ...mp4, signatures: [{ offset: 4, hex: 'ftyp' }] }), /\.signatures\[0\]\.hex: must be 2 to 32 bytes in lowercase hex/],
    ['a signature past the sniffed bytes', catalogue({ ...mp4, signatures: [{ offset: 4095, hex: '6674' }] }), /file type mp4: a signature must end within the first 4096 bytes/],
    ['thumbnails of a video', catalogue({ ...mp4, processing: ['thumbnails'] }), /file type mp4: processing "thumbnails" needs an image type/],
    ['page counts of a video', catalogue({ ...mp4, processing: ['pageCount'] }), /file type mp4: processing "pageCount" is only done for application\/pdf/],
    ['SVG not marked active', catalogue({ ...mp4, id: 'vector', mimeTypes: ['image/svg+xml'] }), /file type vector: serves image\/svg\+xml, which browsers run scripts in: activeContent must be true/],
    ['no types at all', catalogue(), /fileTypes: must list at least one file type/],
    ['something else', [mp4], /Invalid file-type catalogue test\.json/],
  ])('refuses %s, naming the type and the field', (_what, input, message) => {
    expect(problems(input)).toMatch(message);
  });

  it('lets two types share an extension: a name ending in it is ambiguous', () => {
    const types = parseFileTypeCatalogue(catalogue({ ...mp4, extensions: ['dat'] }, { ...mp4, id: 'ecg', mimeTypes: ['application/x-ecg'], extensions: ['ecg', 'dat'] }), 'x');
    expect(types.map((t) => t.extensions)).toEqual([['dat'], ['ecg', 'dat']]);
  });

  it('reads a file, naming it when it is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fileport-catalogue-'));
    try {
      writeFileSync(join(dir, 'good.json'), JSON.stringify(catalogue(mp4)));
      writeFileSync(join(dir, 'bad.json'), '{"fileTypes": [');
      expect(readFileTypeCatalogue('good.json', dir).map((t) => t.id)).toEqual(['mp4']);
      expect(() => readFileTypeCatalogue('bad.json', dir)).toThrow(`The file-type catalogue ${join(dir, 'bad.json')} is not JSON`);
      expect(() => readFileTypeCatalogue(join(dir, 'none.json'))).toThrow(`Cannot read the file-type catalogue ${join(dir, 'none.json')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resolving the type of a new file', () => {
  const withMp4 = new FileTypeCatalogue([...defaultFileTypes.types, ...parseFileTypeCatalogue(catalogue(mp4), 'x')]);
  const error = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as { code: string; status: number; message: string };
    }
    throw new Error('resolved');
  };

  it('by fileTypeId, else by mimeType, else by the extension of the name', () => {
    expect(withMp4.resolve({ fileTypeId: 'pdf', mimeType: 'video/mp4', name: 'a.png' }).id).toBe('pdf');
    expect(withMp4.resolve({ mimeType: 'video/mp4', name: 'a.png' }).id).toBe('mp4');
    expect(withMp4.resolve({ name: 'Holiday.M4V' }).id).toBe('mp4');
    expect(withMp4.resolve({ name: 'photo.jpeg' }).id).toBe('jpeg');
    expect(withMp4.resolve({ mimeType: 'Text/CSV; charset=utf-8' }).id).toBe('csv');
    expect(withMp4.resolve({ mimeType: 'application/x-zip-compressed' }).id).toBe('zip');
    expect(withMp4.resolve({ mimeType: 'application/octet-stream', name: 'scan.dcm' }).id).toBe('binary');
  });

  it.each([
    [{ fileTypeId: 'exe', name: 'a.exe' }, 'UNKNOWN_FILE_TYPE', 'No file type of this deployment matches fileTypeId "exe"'],
    [{ mimeType: 'video/quicktime', name: 'a.mp4' }, 'UNKNOWN_FILE_TYPE', 'No file type of this deployment matches mimeType "video/quicktime"'],
    [{ name: 'scan.dcm' }, 'UNKNOWN_FILE_TYPE', 'No file type of this deployment matches the extension ".dcm" of name "scan.dcm"'],
    [{ name: 'README' }, 'UNKNOWN_FILE_TYPE', 'name "README", which has no extension; give fileTypeId or mimeType'],
    [{ name: '.bashrc' }, 'UNKNOWN_FILE_TYPE', 'name ".bashrc", which has no extension'],
    [{}, 'UNKNOWN_FILE_TYPE', 'nothing: give fileTypeId, mimeType or a name with an extension'],
  ])('refuses %j with %s naming what was tried', (hint, code, message) => {
    expect(error(() => withMp4.resolve(hint))).toMatchObject({ code, status: 400, message: expect.stringContaining(message) });
  });

  it('refuses an extension two types share, naming both', () => {
    const shared = new FileTypeCatalogue(parseFileTypeCatalogue(catalogue({ ...mp4, extensions: ['dat'] }, { ...mp4, id: 'ecg', mimeTypes: ['application/x-ecg'], extensions: ['ecg', 'dat'] }), 'x'));
    expect(error(() => shared.resolve({ name: 'run-7.DAT' }))).toMatchObject({
      code: 'AMBIGUOUS_FILE_TYPE',
      status: 400,
      message: 'the extension ".dat" of name "run-7.DAT" matches several file types (mp4, ecg); name one with fileTypeId.',
    });
    expect(shared.resolve({ name: 'run-7.ecg' }).id).toBe('ecg');
  });
});

describe('a file whose type was removed from the catalogue', () => {
  const withoutPdf = new FileTypeCatalogue(defaultFileTypes.types.filter((t) => t.id !== 'pdf'));

  it('is served as bytes nobody vouches for: application/octet-stream, never inline, under its own name', () => {
    const type = withoutPdf.typeOf({ fileTypeId: 'pdf' });
    expect(type).toEqual(removedFileType('pdf'));
    expect(type.mimeTypes).toEqual(['application/octet-stream']);
    expect(mayBeInline(type, ['*/*'])).toBe(false);
    expect(downloadName('report.pdf', type)).toBe('report.pdf');
  });

  it('takes no new content', () => {
    expect(() => withoutPdf.forUpload({ fileTypeId: 'pdf' })).toThrow(expect.objectContaining({ code: 'UNKNOWN_FILE_TYPE', message: expect.stringContaining('fileTypeId "pdf"') }));
    expect(withoutPdf.forUpload({ fileTypeId: 'png' }).id).toBe('png');
  });
});

describe('the binary type', () => {
  const binary = defaultFileTypes.find('binary')!;
  it('is never inline, whatever the tenant lists, and keeps the names its files were given', () => {
    expect(mayBeInline(binary, ['*/*', 'application/*', 'application/octet-stream'])).toBe(false);
    expect(downloadName('ecg-2026-01-04.dat', binary)).toBe('ecg-2026-01-04.dat');
    // Checked types still end in their extension.
    expect(downloadName('scan', defaultFileTypes.find('png')!)).toBe('scan.png');
    expect(downloadName('photo.JPEG', defaultFileTypes.find('jpeg')!)).toBe('photo.JPEG');
  });
});
