import { contentDisposition, downloadName } from '../../../../lambdas/domain/transfer/downloads';
import { defaultFileTypes } from '../../support/file-types';
import { fileIdOfContentKey, newContentKey } from '../../../../lambdas/domain/files/files';

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
  const pdf = defaultFileTypes.find('pdf')!;
  it('appends the extension unless the name already ends with it', () => {
    expect(downloadName('contract', pdf)).toBe('contract.pdf');
    expect(downloadName('contract.PDF', pdf)).toBe('contract.PDF');
    expect(downloadName('contract.pdf.exe', pdf)).toBe('contract.pdf.exe.pdf');
  });
});

describe('content keys', () => {
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e';

  it('are fresh for every upload, under the file id, and lead back to it', () => {
    const keys = [newContentKey({ id }), newContentKey({ id })];
    for (const key of keys) {
      expect(key).toMatch(/^content\/0f8fad5bd9cb469fa16570867728950e\/[0-9a-f]{32}$/);
      expect(fileIdOfContentKey(key)).toBe(id);
    }
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('rejects keys Fileport does not hand out', () => {
    for (const key of [
      'thumbnails/0f8fad5bd9cb469fa16570867728950e/0123456789abcdef0123456789abcdef',
      'content/0f8fad5bd9cb469fa16570867728950e',
      'content/0f8fad5bd9cb469fa16570867728950e/0123456789ABCDEF0123456789ABCDEF',
      'content/0f8fad5bd9cb469fa16570867728950e/0123456789abcdef0123456789abcdef/x',
      'content/../x',
    ]) {
      expect(fileIdOfContentKey(key)).toBeUndefined();
    }
  });
});
