import { grantMetadata, readGrantMetadata } from '../../../../lambdas/domain/transfer/content-metadata';

describe('grant metadata', () => {
  it('round-trips the uploader, the overwrite right and the declared checksums as ASCII header values', () => {
    const grant = { uploadedBy: 'auth0|Jürgen Ø', overwrite: true, checksumSha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=', checksumCrc64nvme: 'bkb3tJwJs3k=', maxSize: 5 * 1024 ** 3 };
    const metadata = grantMetadata(grant);
    expect(Object.values(metadata).every((value) => /^[\x20-\x7e]*$/.test(value))).toBe(true);
    expect(readGrantMetadata(metadata)).toEqual(grant);
  });

  it('gives an object uploaded without a Fileport grant no uploader and no right to overwrite', () => {
    expect(readGrantMetadata({})).toEqual({ uploadedBy: null, overwrite: false, checksumSha256: null, checksumCrc64nvme: null, maxSize: null });
    expect(readGrantMetadata({ 'uploaded-by': '%E0%A4%A', overwrite: 'yes', 'max-size': '1e9' })).toEqual({ uploadedBy: null, overwrite: false, checksumSha256: null, checksumCrc64nvme: null, maxSize: null });
  });
});
