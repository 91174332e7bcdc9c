import sharp from 'sharp';
import type { RenditionSpec } from '../domain/transfer/rendition-spec';
import { ProcessingFailure } from './failure';
import { checkHeader, MAX_INPUT_PIXELS, WEBP } from './make-thumbnails';

/** The largest original a rendition is made of: as for thumbnails. */
export { MAX_IMAGE_BYTES } from './make-thumbnails';

/**
 * AVIF's effort 2 (of 0–9; default 4) keeps a 1024 px encode well under a second on one core;
 * quality 50 is sharp's default, about JPEG 80 to the eye.
 */
const AVIF = { quality: 50, effort: 2 } as const;
const JPEG = { quality: 80, mozjpeg: true } as const;
/**
 * What `contain` pads with: transparent where the format has alpha, white in a JPEG. Given to the
 * resize itself: sharp flattens before it resizes, whatever the order of the calls, so padding
 * added transparent would reach a JPEG black.
 */
const PADDING = { r: 255, g: 255, b: 255, alpha: 0 } as const;
const JPEG_PADDING = { r: 255, g: 255, b: 255, alpha: 1 } as const;

export interface Rendition {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * One rendition of an image that passed processing (its header was checked then; checked again
 * here, as makeThumbnails does): the first frame or page, auto-oriented by EXIF, resized to the
 * box as `fit` says (enlarged too: the box is what was asked for), encoded. sharp writes no
 * metadata unless asked, so EXIF, GPS, XMP and ICC data never reach a rendition.
 */
export async function makeRendition(input: Buffer, spec: RenditionSpec, options: { maxInputPixels?: number } = {}): Promise<Rendition> {
  const limit = options.maxInputPixels ?? MAX_INPUT_PIXELS;
  await checkHeader(input, limit, 'renditions');
  try {
    const pipeline = sharp(input, { limitInputPixels: limit, failOn: 'error', autoOrient: true }).resize({ width: spec.width, height: spec.height, fit: spec.fit, background: spec.format === 'jpeg' ? JPEG_PADDING : PADDING });
    // A JPEG has no alpha: what is transparent in the original is flattened onto white.
    const encoded =
      spec.format === 'webp' ? pipeline.webp(WEBP) : spec.format === 'avif' ? pipeline.avif(AVIF) : pipeline.flatten({ background: '#ffffff' }).jpeg(JPEG);
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The image cannot be decoded: ${message(error)}`);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
