import sharp from 'sharp';
import type { RenditionSpec } from '../domain/transfer/rendition-spec';
import { ProcessingFailure } from './failure';
import { MAX_INPUT_PIXELS, WEBP } from './make-thumbnails';

/** The formats renditions are made of: those thumbnails are made of. */
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);

/**
 * AVIF's effort 2 (of 0–9; default 4) keeps a 1024 px encode well under a second on one core;
 * quality 50 is sharp's default, about JPEG 80 to the eye.
 */
const AVIF = { quality: 50, effort: 2 } as const;
const JPEG = { quality: 80, mozjpeg: true } as const;
/** What `contain` pads with: transparent where the format has alpha, white in a JPEG. */
const PADDING = { r: 255, g: 255, b: 255, alpha: 0 } as const;

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
  let format: string | undefined;
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ format, width, height } = await sharp(input, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The image cannot be read: ${message(error)}`);
  }
  if (!format || !FORMATS.has(format)) throw new ProcessingFailure('CONTENT_MISMATCH', `The content is ${format ?? 'an unknown'} image, which gets no renditions.`);
  if (!width || !height || width * height > limit) throw new ProcessingFailure('IMAGE_TOO_LARGE', `The image has ${width}×${height} pixels; renditions are made of images up to ${limit} pixels.`);
  try {
    const pipeline = sharp(input, { limitInputPixels: limit, failOn: 'error', autoOrient: true }).resize({ width: spec.width, height: spec.height, fit: spec.fit, background: PADDING });
    const encoded =
      spec.format === 'webp' ? pipeline.webp(WEBP) : spec.format === 'avif' ? pipeline.avif(AVIF) : pipeline.flatten({ background: '#ffffff' }).jpeg(JPEG);
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The image cannot be decoded: ${message(error)}`);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
