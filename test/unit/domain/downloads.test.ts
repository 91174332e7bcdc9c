import { contentDisposition, downloadName } from '../../../lambdas/domain/downloads';
import { findFileType } from '../../../lambdas/domain/file-types';
import { contentKeyOf, fileIdOfContentKey } from '../../../lambdas/domain/files';

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact name per RFC 6266 / 5987', () => {
    expect(contentDisposition('attachment', 'Bericht für Q1 (final)!.pdf')).toBe(
      `attachment; filename="Bericht f_r Q1 (final)!.pdf"; filename*=UTF-8''Bericht%20f%C3%BCr%20Q1%20%28final%29%21.pdf`,
    );
  });

  it('cannot be broken out of by quotes, backslashes or percent signs', () => {
    expect(contentDisposition('inline', 'a"; filename=evil.html\\%41.png')).toBe(
      `inline; filename="a_; filename=evil.html__41.png"; filename*=UTF-8''a%22%3B%20filename%3Devil.html%5C%2541.png`,
    );
  });
});

describe('downloadName', () => {
  const pdf = findFileType('pdf')!;
  it('appends the extension unless the name already ends with it', () => {
    expect(downloadName('contract', pdf)).toBe('contract.pdf');
    expect(downloadName('contract.PDF', pdf)).toBe('contract.PDF');
    expect(downloadName('contract.pdf.exe', pdf)).toBe('contract.pdf.exe.pdf');
  });
});

describe('content keys', () => {
  it('round-trips a file id and rejects other keys', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(contentKeyOf(id)).toBe('content/0f8fad5bd9cb469fa16570867728950e');
    expect(fileIdOfContentKey(contentKeyOf(id))).toBe(id);
    expect(fileIdOfContentKey('thumbnails/0f8fad5bd9cb469fa16570867728950e')).toBeUndefined();
    expect(fileIdOfContentKey('content/../x')).toBeUndefined();
  });
});
