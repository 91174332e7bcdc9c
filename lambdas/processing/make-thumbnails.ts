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

/**
 * Both thumbnail sizes as WebP from one decode of the original: medium straight from it (JPEG
 * shrink-on-load keeps that cheap), small from medium. Auto-oriented by EXIF; sharp writes no
 * metadata unless asked, so EXIF and GPS data never reach a thumbnail.
 */
export async function makeThumbnails(input: Buffer, options: { maxInputPixels?: number } = {}): Promise<Thumbnail[]> {
  const limit = options.maxInputPixels ?? MAX_INPUT_PIXELS;
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(input, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The image cannot be read: ${message(error)}`);
  }
  if (!width || !height) throw new ProcessingFailure('CORRUPT_FILE', 'The image has no dimensions.');
  // Checked on the header, before anything is decoded: a bomb never gets its pixels allocated.
  if (width * height > limit) {
    throw new ProcessingFailure('IMAGE_TOO_LARGE', `The image has ${width}×${height} pixels; at most ${limit / 1e6} megapixels are processed.`);
  }
  try {
    const medium = await sharp(input, { limitInputPixels: limit, failOn: 'error' })
      .rotate()
      .resize(thumbnailSizes.medium, thumbnailSizes.medium, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    const small = await sharp(medium.data)
      .resize(thumbnailSizes.small, thumbnailSizes.small, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    return [
      { size: 'small', width: small.info.width, height: small.info.height, data: small.data },
      { size: 'medium', width: medium.info.width, height: medium.info.height, data: medium.data },
    ];
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The image cannot be decoded: ${message(error)}`);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
