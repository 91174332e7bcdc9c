import sharp from 'sharp';
import { failureOf } from '../support/failure';
import { makeThumbnails } from '../../../lambdas/processing/make-thumbnails';
import { pngDeclaring } from '../../support/png-bomb';

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#4a7' } });


describe('makeThumbnails', () => {
  it('makes a small and a medium WebP that fit their boxes', async () => {
    const thumbs = await makeThumbnails(await solid(3000, 2000).jpeg().toBuffer());
    expect(thumbs.map(({ size, width, height }) => ({ size, width, height }))).toEqual([
      { size: 'small', width: 256, height: 171 },
      { size: 'medium', width: 1024, height: 683 },
    ]);
    for (const t of thumbs) expect(await sharp(t.data).metadata()).toMatchObject({ format: 'webp', width: t.width, height: t.height });
  });

  it('never enlarges a small image', async () => {
    const thumbs = await makeThumbnails(await solid(100, 50).png().toBuffer());
    expect(thumbs.map((t) => [t.width, t.height])).toEqual([[100, 50], [100, 50]]);
  });

  it('applies the EXIF orientation and drops EXIF and GPS data', async () => {
    const jpeg = await solid(400, 200)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({ IFD0: { Copyright: 'someone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 8/1 0/1' } })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();
    const [small] = await makeThumbnails(jpeg);
    expect([small?.width, small?.height]).toEqual([128, 256]);
    const meta = await sharp(small!.data).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
  });

  it.each(['gif', 'webp', 'tiff'] as const)('reads %s', async (format) => {
    const thumbs = await makeThumbnails(await solid(300, 300).toFormat(format).toBuffer());
    expect(thumbs[0]).toMatchObject({ width: 256, height: 256 });
  });

  it('rejects a decompression bomb from its header, before decoding', async () => {
    const bomb = pngDeclaring(60_000, 60_000);
    expect(bomb.length).toBeLessThan(2000);
    const started = Date.now();
    const failure = await failureOf(makeThumbnails(bomb));
    expect(failure.code).toBe('IMAGE_TOO_LARGE');
    expect(failure.message).toContain('60000×60000');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('honours a lower pixel limit', async () => {
    const failure = await failureOf(makeThumbnails(await solid(200, 200).png().toBuffer(), { maxInputPixels: 10_000 }));
    expect(failure.code).toBe('IMAGE_TOO_LARGE');
  });

  it('fails bytes that are no image, and a truncated image, as CORRUPT_FILE', async () => {
    expect((await failureOf(makeThumbnails(Buffer.from('definitely not an image')))).code).toBe('CORRUPT_FILE');
    const png = await solid(500, 500).png({ compressionLevel: 0 }).toBuffer();
    expect((await failureOf(makeThumbnails(png.subarray(0, png.length / 3)))).code).toBe('CORRUPT_FILE');
  });
});
