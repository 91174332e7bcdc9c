import sharp from 'sharp';
import { makeRendition } from '../../../lambdas/inspect/make-rendition';
import { failureOf } from '../support/failure';

/** A 600×300 PNG: left half red, right half blue. */
const wide = () =>
  sharp({ create: { width: 600, height: 300, channels: 3, background: '#ff0000' } })
    .composite([{ input: { create: { width: 300, height: 300, channels: 3, background: '#0000ff' } }, left: 300, top: 0 }])
    .png()
    .toBuffer();

describe('makeRendition', () => {
  it('fits the box as asked: inside keeps the shape, cover fills and crops, contain pads (white in a JPEG)', async () => {
    const input = await wide();
    const inside = await makeRendition(input, { width: 200, height: 200, fit: 'inside', format: 'webp' });
    expect([inside.width, inside.height]).toEqual([200, 100]);
    const cover = await makeRendition(input, { width: 200, height: 200, fit: 'cover', format: 'avif' });
    expect([cover.width, cover.height, (await sharp(cover.data).metadata()).compression]).toEqual([200, 200, 'av1']);
    const contain = await makeRendition(input, { width: 200, height: 200, fit: 'contain', format: 'jpeg' });
    expect([contain.width, contain.height]).toEqual([200, 200]);
    // The padding above the image is white in a JPEG, which has no transparency.
    const { data } = await sharp(contain.data).extract({ left: 90, top: 5, width: 20, height: 20 }).raw().toBuffer({ resolveWithObject: true });
    expect(Math.min(...data)).toBeGreaterThan(240);
    // In a format with alpha, the padding is transparent.
    const webp = await makeRendition(input, { width: 200, height: 200, fit: 'contain', format: 'webp' });
    const padded = await sharp(webp.data).extract({ left: 90, top: 5, width: 20, height: 20 }).extractChannel('alpha').raw().toBuffer();
    expect(Math.max(...padded)).toBe(0);
  });

  it('makes what is transparent in the original white in a JPEG', async () => {
    const transparent = await sharp({ create: { width: 100, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const made = await makeRendition(transparent, { width: 50, height: 50, fit: 'inside', format: 'jpeg' });
    const { data } = await sharp(made.data).raw().toBuffer({ resolveWithObject: true });
    expect(Math.min(...data)).toBeGreaterThan(240);
  });

  it('enlarges to the box (the size asked for), and writes no metadata', async () => {
    const small = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#888' } })
      .jpeg()
      .withMetadata({ exif: { IFD0: { Copyright: 'camera' } } })
      .toBuffer();
    const made = await makeRendition(small, { width: 400, height: 400, fit: 'inside', format: 'jpeg' });
    const meta = await sharp(made.data).metadata();
    expect({ width: meta.width, height: meta.height, exif: meta.exif, icc: meta.icc }).toEqual({ width: 400, height: 200, exif: undefined, icc: undefined });
  });

  it('refuses an image over the pixel limit before decoding it, another format, and bytes that are no image', async () => {
    const input = await wide();
    const tooLarge = await failureOf(makeRendition(input, { width: 100, height: 100, fit: 'inside', format: 'webp' }, { maxInputPixels: 600 * 300 - 1 }));
    expect([tooLarge.code, tooLarge.message]).toEqual(['IMAGE_TOO_LARGE', expect.stringContaining('600×300')]);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    const mismatch = await failureOf(makeRendition(svg, { width: 100, height: 100, fit: 'inside', format: 'webp' }));
    expect([mismatch.code, mismatch.message]).toEqual(['CONTENT_MISMATCH', 'The content is svg image, which gets no renditions.']);
    expect((await failureOf(makeRendition(Buffer.from('not an image'), { width: 100, height: 100, fit: 'inside', format: 'webp' }))).code).toBe('CORRUPT_FILE');
  });
});
