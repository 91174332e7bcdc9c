import sharp from 'sharp';
import { failureOf } from '../support/failure';
import { checkImageHead, IMAGE_HEAD_BYTES, makeThumbnails, MAX_IMAGE_BYTES, MAX_INPUT_PIXELS, thumbnailSizes } from '../../../lambdas/inspect/make-thumbnails';
import { pngDeclaring } from '../../support/png-bomb';

const solid = (width: number, height: number, background = '#4a7') => sharp({ create: { width, height, channels: 3, background } });

/** Left half red, right half blue. */
const halves = (width: number, height: number) =>
  solid(width, height, '#f00').composite([{ input: { create: { width: width / 2, height, channels: 3, background: '#00f' } }, left: width / 2, top: 0 }]);

/** The colour of one pixel, as 'red', 'blue' or 'other'. */
async function colourAt(image: Buffer, x: number, y: number): Promise<string> {
  const { data } = await sharp(image).extract({ left: x, top: y, width: 1, height: 1 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [r, g, b] = data;
  if (r! > 200 && g! < 60 && b! < 60) return 'red';
  if (b! > 200 && r! < 60 && g! < 60) return 'blue';
  return `other(${r},${g},${b})`;
}

/** `frames` images of `width`×`height` stacked as the pages of one animated/multi-page image. */
function pages(width: number, height: number, colours: [number, number, number][]) {
  const raw = Buffer.concat(colours.map((c) => Buffer.alloc(width * height * 3).fill(Buffer.from(c))));
  return sharp(raw, { raw: { width, height: height * colours.length, channels: 3, pageHeight: height } });
}

/** Rewrites the width and height in a JPEG's start-of-frame header, leaving the tiny data as it is. */
function jpegDeclaring(jpeg: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(jpeg);
  const sof = patched.indexOf(Buffer.from([0xff, 0xc0]));
  patched.writeUInt16BE(height, sof + 5);
  patched.writeUInt16BE(width, sof + 7);
  return patched;
}

/** Rewrites a GIF's logical screen size (little-endian, bytes 6–9). */
function gifDeclaring(gif: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(gif);
  patched.writeUInt16LE(width, 6);
  patched.writeUInt16LE(height, 8);
  return patched;
}

/** Rewrites the 14-bit width and height in a lossy WebP's VP8 frame header. */
function webpDeclaring(webp: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(webp);
  expect(patched.toString('latin1', 12, 16)).toBe('VP8 ');
  patched.writeUInt16LE(width, 26);
  patched.writeUInt16LE(height, 28);
  return patched;
}

describe('makeThumbnails', () => {
  it('makes a small and a medium WebP that fit their boxes', async () => {
    const thumbs = await makeThumbnails(await solid(3000, 2000).jpeg().toBuffer());
    expect(thumbs.map(({ size, width, height }) => ({ size, width, height }))).toEqual([
      { size: 'small', width: 256, height: 171 },
      { size: 'medium', width: 1024, height: 683 },
    ]);
    for (const t of thumbs) expect(await sharp(t.data).metadata()).toMatchObject({ format: 'webp', width: t.width, height: t.height });
    expect(thumbnailSizes).toEqual({ small: 256, medium: 1024 });
  });

  it('fits a portrait image by its height, and never enlarges a small image', async () => {
    const portrait = await makeThumbnails(await solid(900, 3000).png().toBuffer());
    expect(portrait.map((t) => [t.width, t.height])).toEqual([[77, 256], [307, 1024]]);
    const tiny = await makeThumbnails(await solid(100, 50).png().toBuffer());
    expect(tiny.map((t) => [t.width, t.height])).toEqual([[100, 50], [100, 50]]);
  });

  it('turns an image by its EXIF orientation (6: 90° clockwise)', async () => {
    const jpeg = await halves(400, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await sharp(jpeg).metadata()).toMatchObject({ width: 400, height: 200, orientation: 6 });
    const [small, medium] = await makeThumbnails(jpeg);
    expect([small!.width, small!.height, medium!.width, medium!.height]).toEqual([128, 256, 200, 400]);
    // The stored left (red) half is on top once turned clockwise; turned the other way, it would be at the bottom.
    expect(await colourAt(medium!.data, 100, 20)).toBe('red');
    expect(await colourAt(medium!.data, 100, 380)).toBe('blue');
  });

  it('writes no EXIF, GPS, XMP or ICC data into thumbnails', async () => {
    const jpeg = await solid(400, 200)
      .jpeg()
      .withExif({ IFD0: { Copyright: 'someone', Make: 'Camera' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 8/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '11/1 34/1 0/1' } })
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')
      .withIccProfile('p3')
      .toBuffer();
    const original = await sharp(jpeg).metadata();
    expect(original.exif?.includes('Camera')).toBe(true);
    expect(original.xmp).toBeDefined();
    expect(original.icc).toBeDefined();
    for (const thumb of await makeThumbnails(jpeg)) {
      const meta = await sharp(thumb.data).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(thumb.data.includes('Camera')).toBe(false);
    }
  });

  it.each(['png', 'gif', 'webp', 'tiff'] as const)('reads %s', async (format) => {
    const thumbs = await makeThumbnails(await solid(300, 200).toFormat(format).toBuffer());
    expect(thumbs.map((t) => [t.width, t.height])).toEqual([[256, 171], [300, 200]]);
  });

  it.each(['gif', 'tiff'] as const)('reads only the first frame of a multi-page %s', async (format) => {
    const image = await pages(120, 80, [[255, 0, 0], [0, 0, 255], [0, 255, 0]]).toFormat(format).toBuffer();
    expect((await sharp(image).metadata()).pages).toBe(3);
    for (const thumb of await makeThumbnails(image)) {
      expect([thumb.width, thumb.height]).toEqual([120, 80]);
      expect((await sharp(thumb.data).metadata()).pages ?? 1).toBe(1);
      expect(await colourAt(thumb.data, 60, 40)).toBe('red');
    }
  });

  it('rejects a PNG declaring 60000×60000 pixels from its header, before decoding', async () => {
    const bomb = pngDeclaring(60_000, 60_000);
    expect(bomb.length).toBeLessThan(2000);
    const failure = await failureOf(makeThumbnails(bomb));
    expect(failure.code).toBe('IMAGE_TOO_LARGE');
    expect(failure.message).toContain('60000×60000');
  });

  it('rejects a JPEG declaring 20000×20000 pixels, and keeps the default limit at 100 megapixels', async () => {
    const bomb = jpegDeclaring(await solid(16, 16).jpeg().toBuffer(), 20_000, 20_000);
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({ width: 20_000, height: 20_000 });
    expect((await failureOf(makeThumbnails(bomb))).code).toBe('IMAGE_TOO_LARGE');
    expect(MAX_INPUT_PIXELS).toBe(100_000_000);
    // At the limit the header passes; libjpeg fills the pixels the data lacks with grey (failOn 'error').
    const at = jpegDeclaring(await solid(16, 16).jpeg().toBuffer(), 10_000, 10_000);
    expect((await makeThumbnails(at)).map((t) => [t.width, t.height])).toEqual([[256, 256], [1024, 1024]]);
  });

  it('honours a lower pixel limit', async () => {
    const png = await solid(200, 200).png().toBuffer();
    expect((await failureOf(makeThumbnails(png, { maxInputPixels: 39_999 }))).code).toBe('IMAGE_TOO_LARGE');
    expect(await makeThumbnails(png, { maxInputPixels: 40_000 })).toHaveLength(2);
  });

  it('fails bytes that are no image, and truncated images, as CORRUPT_FILE', async () => {
    expect((await failureOf(makeThumbnails(Buffer.from('definitely not an image')))).code).toBe('CORRUPT_FILE');
    const random = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7919 + 13) % 251));
    expect((await failureOf(makeThumbnails(random))).code).toBe('CORRUPT_FILE');
    const png = await solid(500, 500).png({ compressionLevel: 0 }).toBuffer();
    expect((await failureOf(makeThumbnails(png.subarray(0, png.length / 3)))).code).toBe('CORRUPT_FILE');
    const jpeg = await halves(800, 600).jpeg().toBuffer();
    expect((await failureOf(makeThumbnails(jpeg.subarray(0, jpeg.length / 2)))).code).toBe('CORRUPT_FILE');
  });

  it('makes no thumbnails of formats outside the five image types (an SVG, say)', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="300" height="200" fill="red"/></svg>');
    expect((await sharp(svg).metadata()).format).toBe('svg');
    expect((await failureOf(makeThumbnails(svg))).code).toBe('CONTENT_MISMATCH');
  });
});

describe('checkImageHead', () => {
  it('refuses an image over the byte cap from its size alone, as FILE_TOO_LARGE', async () => {
    const head = await solid(16, 16).png().toBuffer();
    const failure = await failureOf(Promise.resolve().then(() => checkImageHead(head, MAX_IMAGE_BYTES + 1)));
    expect(failure.code).toBe('FILE_TOO_LARGE');
    expect(failure.message).toContain(String(MAX_IMAGE_BYTES + 1));
    expect(() => checkImageHead(head, MAX_IMAGE_BYTES)).not.toThrow();
    expect(MAX_IMAGE_BYTES).toBe(256 * 1024 ** 2);
  });

  it.each([
    ['PNG', async () => pngDeclaring(100_000, 100_000), '100000×100000'],
    ['JPEG', async () => jpegDeclaring(await solid(16, 16).jpeg().toBuffer(), 20_000, 20_000), '20000×20000'],
    ['WebP', async () => webpDeclaring(await solid(16, 16).webp().toBuffer(), 16_383, 16_383), '16383×16383'],
  ])('refuses a %s whose header declares too many pixels from its first KB, as the whole image is refused', async (_format, make, dimensions) => {
    const bomb = await make();
    const fromHead = await failureOf(Promise.resolve().then(() => checkImageHead(bomb.subarray(0, 1024), 200 * 1024 ** 2)));
    expect([fromHead.code, fromHead.message]).toEqual(['IMAGE_TOO_LARGE', expect.stringContaining(dimensions)]);
    // The same verdict as sharp's, once the image is read whole.
    const whole = await failureOf(makeThumbnails(bomb));
    expect([whole.code, whole.message]).toEqual(['IMAGE_TOO_LARGE', expect.stringContaining(dimensions)]);
  });

  it('passes images within the limits, and leaves a header beyond the head to makeThumbnails', async () => {
    const jpeg = await solid(3000, 2000).jpeg().withExif({ IFD0: { Copyright: 'x'.repeat(60_000) } }).toBuffer();
    expect(() => checkImageHead(jpeg.subarray(0, IMAGE_HEAD_BYTES), jpeg.length)).not.toThrow();
    expect(() => checkImageHead(pngDeclaring(10_000, 10_000), 2000)).not.toThrow();
    // libvips writes a TIFF's image directory after the pixels: its head says nothing yet.
    const tiff = await solid(400, 300).tiff({ compression: 'none' }).toBuffer();
    expect(tiff.length).toBeGreaterThan(300_000);
    expect(() => checkImageHead(tiff.subarray(0, 4096), tiff.length)).not.toThrow();
    expect(() => checkImageHead(tiff.subarray(0, 4096), tiff.length, { maxInputPixels: 100 })).not.toThrow();
    expect((await failureOf(makeThumbnails(tiff, { maxInputPixels: 100 }))).code).toBe('IMAGE_TOO_LARGE');
  });

  it("leaves a GIF to sharp, which sizes it by its frames, not by the logical screen its header declares", async () => {
    const gif = gifDeclaring(await solid(16, 16).gif().toBuffer(), 65_535, 65_535);
    expect(() => checkImageHead(gif, gif.length)).not.toThrow();
    expect((await makeThumbnails(gif)).map((t) => [t.width, t.height])).toEqual([[16, 16], [16, 16]]);
  });

  it('reads a head shorter than its header as unknown, never with the bytes after it in the same memory', async () => {
    const webp = await solid(16, 16).webp().toBuffer();
    // A head of 16 bytes, as a Buffer from Node's pool is: memory beyond its end holds other bytes.
    const memory = Buffer.alloc(64, 0xff);
    webp.copy(memory, 0, 0, 16);
    expect(() => checkImageHead(memory.subarray(0, 16), 16)).not.toThrow();
  });
});
