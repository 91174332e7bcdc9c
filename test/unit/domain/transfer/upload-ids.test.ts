import { createHmac, randomBytes } from 'node:crypto';
import { signUploadId, verifyUploadId, type UploadToken } from '../../../../lambdas/domain/transfer/upload-ids';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const key = randomBytes(32);
const binding = { tenantId: 't1', fileId: '0b7e6c4e-3f1a-4c1e-9a59-2b7c1d3e4f50' };
const token: UploadToken = {
  object: 'a'.repeat(32),
  s3UploadId: 'VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA',
  size: 13 * MiB + 1,
  partSize: 5 * MiB,
  partChecksums: false,
  maxSize: GiB,
};

const payloadOf = (uploadId: string): unknown[] => JSON.parse(Buffer.from(uploadId.split('.')[0] as string, 'base64url').toString('utf8'));
const encode = (payload: unknown[]) => Buffer.from(JSON.stringify(payload)).toString('base64url');
const signatureOf = (uploadId: string) => uploadId.split('.')[1] as string;

describe('upload ids', () => {
  it('read back what was signed, for the file and tenant they were signed for', () => {
    const uploadId = signUploadId(key, token, binding);
    expect(uploadId).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUploadId(key, uploadId, binding)).toEqual(token);
    expect(verifyUploadId(key, signUploadId(key, { ...token, partChecksums: true }, binding), binding)).toEqual({ ...token, partChecksums: true });
  });

  it('are refused with any signed fact altered, whether the old signature is kept or not', () => {
    const uploadId = signUploadId(key, token, binding);
    const payload = payloadOf(uploadId);
    const altered: [string, unknown[]][] = [
      ['object', ['b'.repeat(32), ...payload.slice(1)]],
      ['s3UploadId', [payload[0], 'another', ...payload.slice(2)]],
      ['size', [...payload.slice(0, 2), Number.MAX_SAFE_INTEGER, ...payload.slice(3)]],
      ['size', [...payload.slice(0, 2), 1, ...payload.slice(3)]],
      ['partSize', [...payload.slice(0, 3), 5 * GiB, ...payload.slice(4)]],
      ['partChecksums', [...payload.slice(0, 4), 1, ...payload.slice(5)]],
      ['maxSize', [...payload.slice(0, 5), 5 * 1024 ** 4]],
    ];
    for (const [field, forged] of altered) {
      for (const candidate of [encode(forged), `${encode(forged)}.${signatureOf(uploadId)}`]) {
        expect({ field, candidate, read: verifyUploadId(key, candidate, binding) }).toEqual({ field, candidate, read: undefined });
      }
    }
  });

  it('are refused for another file or another tenant, with a truncated or altered signature, or under another key', () => {
    const uploadId = signUploadId(key, token, binding);
    expect(verifyUploadId(key, uploadId, { ...binding, fileId: '0b7e6c4e-3f1a-4c1e-9a59-2b7c1d3e4f51' })).toBeUndefined();
    expect(verifyUploadId(key, uploadId, { ...binding, tenantId: 't2' })).toBeUndefined();
    // The binding is not a concatenation that another split of the same characters could match.
    expect(verifyUploadId(key, signUploadId(key, token, { tenantId: 'a', fileId: 'bc' }), { tenantId: 'ab', fileId: 'c' })).toBeUndefined();
    expect(verifyUploadId(key, uploadId.slice(0, -1), binding)).toBeUndefined();
    expect(verifyUploadId(key, `${uploadId.split('.')[0]}.`, binding)).toBeUndefined();
    expect(verifyUploadId(key, uploadId.split('.')[0] as string, binding)).toBeUndefined();
    const flipped = `${uploadId.slice(0, -2)}${uploadId.at(-2) === 'A' ? 'B' : 'A'}${uploadId.at(-1)}`;
    expect(verifyUploadId(key, flipped, binding)).toBeUndefined();
    expect(verifyUploadId(randomBytes(32), uploadId, binding)).toBeUndefined();
    for (const junk of ['', '.', 'x', 'x.y', `${uploadId}.${signatureOf(uploadId)}`, Buffer.from('[1,2,3]').toString('base64url')]) {
      expect({ junk, read: verifyUploadId(key, junk, binding) }).toEqual({ junk, read: undefined });
    }
  });

  it('are refused when what they carry is outside S3\'s bounds, even when signed with the key', () => {
    // What only a leaked key or a bug could sign: it must still never reach S3 or size an answer.
    const signedRaw = (payload: unknown[]) => {
      const encoded = encode(payload);
      const message = JSON.stringify(['fileport-upload-id-v1', binding.tenantId, binding.fileId, encoded]);
      return `${encoded}.${createHmac('sha256', key).update(message).digest('base64url')}`;
    };
    const fine = [token.object, token.s3UploadId, token.size, token.partSize, 0, token.maxSize];
    expect(verifyUploadId(key, signedRaw(fine), binding)).toEqual(token);
    const outside: [string, unknown[]][] = [
      ['more than 10,000 parts', [token.object, token.s3UploadId, 10_001 * 5 * MiB, 5 * MiB, 0, 5 * 1024 ** 4]],
      ['a part over 5 GiB', [token.object, token.s3UploadId, 6 * GiB, 5 * GiB + 1, 0, 5 * 1024 ** 4]],
      ['a part under 5 MiB', [token.object, token.s3UploadId, 6 * MiB, 5 * MiB - 1, 0, 5 * 1024 ** 4]],
      ['more than 5 TiB', [token.object, token.s3UploadId, 5 * 1024 ** 4 + 1, 5 * GiB, 0, 5 * 1024 ** 4]],
      ['a size over its own limit', [token.object, token.s3UploadId, 2 * GiB, 8 * MiB, 0, GiB]],
      ['no bytes', [token.object, token.s3UploadId, 0, 8 * MiB, 0, GiB]],
      ['a fraction', [token.object, token.s3UploadId, 1.5, 8 * MiB, 0, GiB]],
      ['an object that is not the key\'s random part', ['../../x', token.s3UploadId, 1, 8 * MiB, 0, GiB]],
      ['an empty S3 upload id', [token.object, '', 1, 8 * MiB, 0, GiB]],
      ['a missing field', [token.object, token.s3UploadId, 1, 8 * MiB, 0]],
    ];
    for (const [what, payload] of outside) {
      expect({ what, read: verifyUploadId(key, signedRaw(payload), binding) }).toEqual({ what, read: undefined });
    }
  });
});
