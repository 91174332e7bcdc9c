import { planParts } from '../../../lambdas/domain/transfer/multipart';
import { uppyPartSize } from '../../../client/src/uppy';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('uppyPartSize (the part size both Uppy majors use by default)', () => {
  it.each([100 * MiB + 1, GiB, 48 * GiB, 49 * GiB, 60 * GiB + 7, 1024 ** 4, 5 * 1024 ** 4])('is a part size Fileport accepts for %i bytes, in at most 10,000 parts', (size) => {
    const partSize = uppyPartSize(size);
    // Uppy's own chunking (S3Uploader / MultipartUploader): max(5 MiB, ceil(size / 10,000)).
    expect(partSize).toBe(Math.max(5 * MiB, Math.ceil(size / 10_000)));
    expect(planParts(size, partSize)).toEqual({ partSize, partCount: Math.ceil(size / partSize) });
  });
});
