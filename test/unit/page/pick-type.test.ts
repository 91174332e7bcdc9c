import { formatProgress, formatSize } from '../../../local/page/format';
import { pickFileType, type PageFileType } from '../../../local/page/pick-type';

const type = (id: string, extension: string, mimeTypes: string[]): PageFileType => ({ id, name: id, extension, mimeTypes, thumbnails: false, preview: false });
const types = [type('jpeg', 'jpg', ['image/jpeg']), type('png', 'png', ['image/png']), type('tiff', 'tiff', ['image/tiff']), type('txt', 'txt', ['text/plain']), type('xml', 'xml', ['application/xml', 'text/xml'])];

describe('the upload page picks a file type', () => {
  it('by extension, case-insensitively, with the usual other spellings', () => {
    expect(pickFileType(types, { name: 'Photo.JPEG', type: '' })?.id).toBe('jpeg');
    expect(pickFileType(types, { name: 'scan.tif', type: '' })?.id).toBe('tiff');
    expect(pickFileType(types, { name: 'a.b.png', type: 'application/octet-stream' })?.id).toBe('png');
  });

  it('by the browser MIME type when the extension names no type', () => {
    expect(pickFileType(types, { name: 'README', type: 'text/plain' })?.id).toBe('txt');
    expect(pickFileType(types, { name: 'feed.rss', type: 'text/xml' })?.id).toBe('xml');
  });

  it('not at all when neither matches (a dot-file has no extension)', () => {
    expect(pickFileType(types, { name: 'setup.exe', type: 'application/x-msdownload' })).toBeUndefined();
    expect(pickFileType(types, { name: '.png', type: '' })).toBeUndefined();
  });
});

describe('the upload page formats', () => {
  it('sizes in binary units', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(50 * 1024 * 1024)).toBe('50.0 MB');
    expect(formatSize(null)).toBe('—');
  });

  it('progress, an empty file as done', () => {
    expect(formatProgress(512, 1024)).toBe('50% · 512 B of 1.0 KB');
    expect(formatProgress(0, 0)).toBe('100% · 0 B of 0 B');
  });
});
