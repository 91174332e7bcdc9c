import sharp from 'sharp';
import { thumbnailSizes, type ThumbnailSize } from '../domain/thumbnail-sizes';
import { ProcessingFailure } from './failure';

export { thumbnailSizes, type ThumbnailSize };

export interface Thumbnail {
  size: ThumbnailSize;
  width: number;
  height: number;
  data: Buffer;
}

/** Far below sharp's default (268 Mpx): a 256 Mpx image still costs seconds and 300 MB. */
export const MAX_INPUT_PIXELS = 100_000_000;

/** The formats Fileport makes thumbnails of; sharp reads more (SVG, HEIF, ...), which is more to attack. */
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);

/**
 * effort 1 (of 0–6; default 4): the encode is 50–60% faster at the same quality (within 0.1 dB
 * PSNR), for medium thumbnails 4–8% larger. effort 2 made small ones 46% larger.
 */
export const WEBP = { quality: 80, effort: 1 } as const;

/**
 * Both thumbnail sizes as WebP from one decode of the original: its pixels at medium size (JPEG and
 * WebP shrink-on-load keep that cheap), each size encoded from them, so small is neither decoded
 * again nor compressed twice. Only the first frame or page of an animated GIF or a multi-page TIFF
 * is read. Auto-oriented by EXIF; sharp writes no metadata unless asked, so EXIF, GPS, XMP and ICC
 * data never reach a thumbnail.
 */
export async function makeThumbnails(input: Buffer, options: { maxInputPixels?: number } = {}): Promise<Thumbnail[]> {
  const limit = options.maxInputPixels ?? MAX_INPUT_PIXELS;
  let format: string | undefined;
  let width: number | undefined;
  let height: number | undefined;
  try {
    // Only the header is read here: no pixel is decoded, so no limit is needed yet.
    ({ format, width, height } = await sharp(input, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The image cannot be read: ${message(error)}`);
  }
  if (!format || !FORMATS.has(format)) throw new ProcessingFailure('CONTENT_MISMATCH', `The content is ${format ?? 'an unknown'} image, which gets no thumbnails.`);
  if (!width || !height) throw new ProcessingFailure('CORRUPT_FILE', 'The image has no dimensions.');
  // Checked on the header, before anything is decoded: a bomb never gets its pixels allocated.
  if (width * height > limit) {
    throw new ProcessingFailure('IMAGE_TOO_LARGE', `The image has ${width}×${height} pixels; at most ${limit / 1e6} megapixels are processed.`);
  }
  const box = (size: ThumbnailSize) => ({ width: thumbnailSizes[size], height: thumbnailSizes[size], fit: 'inside', withoutEnlargement: true }) as const;
  try {
    // failOn 'error' still refuses data that stops short or cannot be decoded. sharp's default,
    // 'warning', would also refuse photos every viewer shows, such as those of Samsung phones with
    // "Invalid SOS parameters for sequential JPEG" (lovell/sharp#3488). The price: a JPEG whose data
    // ends early but properly (with its end marker) gets thumbnails, grey where data is missing.
    const { data, info } = await sharp(input, { limitInputPixels: limit, failOn: 'error', autoOrient: true })
      .resize(box('medium'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixels = { raw: { width: info.width, height: info.height, channels: info.channels } };
    const medium = await sharp(data, pixels).webp(WEBP).toBuffer({ resolveWithObject: true });
    const small = await sharp(data, pixels).resize(box('small')).webp(WEBP).toBuffer({ resolveWithObject: true });
    return [
      { size: 'small', width: small.info.width, height: small.info.height, data: small.data },
      { size: 'medium', width: medium.info.width, height: medium.info.height, data: medium.data },
    ];
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The image cannot be decoded: ${message(error)}`);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
