import { Crc64Nvme } from '@aws-sdk/checksums/crc';
import { downloadGrant } from '../../../client/src/downloads';
import { crc64nvmeOfBlob, crc64nvmeStream } from '../../../client/src/hashing';
import type { Transport } from '../../../client/src/transport';

/** S3's CRC-64/NVME of the bytes, by the AWS SDK's own implementation. */
async function awsCrc(bytes: Uint8Array): Promise<string> {
  const crc = new Crc64Nvme();
  crc.update(bytes);
  return Buffer.from(await crc.digest()).toString('base64');
}

const patterned = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 131 + 7) & 0xff);

describe("the SDK's CRC-64/NVME", () => {
  it('is the one the AWS SDK (and S3) computes, whatever the sizes and the chunking', async () => {
    for (const size of [0, 1, 7, 8, 9, 1000, 65_537]) {
      const bytes = patterned(size);
      const expected = await awsCrc(bytes);
      for (const cut of [0, 1, 3, Math.floor(size / 2)]) {
        const crc = crc64nvmeStream();
        crc.update(bytes.subarray(0, Math.min(cut, size)));
        crc.update(bytes.subarray(Math.min(cut, size)));
        expect({ size, cut, crc: await crc.digestBase64() }).toEqual({ size, cut, crc: expected });
      }
    }
    // The check value of CRC-64/NVME ("123456789" → 0xae8b14860a799888).
    const check = crc64nvmeStream();
    check.update(new TextEncoder().encode('123456789'));
    expect(Buffer.from(await check.digestBase64(), 'base64').toString('hex')).toBe('ae8b14860a799888');
    expect(await crc64nvmeOfBlob(new Blob([patterned(9 * 1024 * 1024 + 5)]))).toBe(await awsCrc(patterned(9 * 1024 * 1024 + 5)));
  });
});

describe('downloads of content S3 verified by its CRC-64/NVME (a multipart upload without a SHA-256)', () => {
  const bytes = patterned(10_000);
  const transport = (body: Uint8Array) => ({ fetch: async () => new Response(new Uint8Array(body)) }) as unknown as Transport;

  it('are verified against it, bytes and streams alike', async () => {
    const grant = { url: 'https://s3/x', expiresAt: '', version: 1, checksumSha256: null, checksumCrc64nvme: await awsCrc(bytes) };
    expect(await downloadGrant(transport(bytes), grant)).toMatchObject({ verified: true, checksumCrc64nvme: grant.checksumCrc64nvme });
    const stream = (await downloadGrant(transport(bytes), grant, { as: 'stream' })).stream;
    expect(new Uint8Array(await new Response(stream).arrayBuffer())).toEqual(bytes);
  });

  it('fail with CHECKSUM_MISMATCH naming the algorithm when a byte changed on the way', async () => {
    const grant = { url: 'https://s3/x', expiresAt: '', version: 1, checksumSha256: null, checksumCrc64nvme: await awsCrc(bytes) };
    const altered = Uint8Array.from(bytes);
    altered[5000] = (altered[5000] as number) ^ 1;
    await expect(downloadGrant(transport(altered), grant)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', details: { expected: grant.checksumCrc64nvme, algorithm: 'CRC-64/NVME' } });
    const stream = (await downloadGrant(transport(altered), grant, { as: 'stream' })).stream;
    await expect(new Response(stream).arrayBuffer()).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
  });
});
