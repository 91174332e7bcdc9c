import { imageSize } from 'image-size';
import sharp from 'sharp';
import { thumbnailSizes, type ThumbnailSize } from './thumbnail-sizes';
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
 * The largest image read for thumbnails: it is held whole in memory while it is decoded. 256 MiB,
 * plus the costliest decode within the pixel limit (a progressive JPEG keeps every DCT coefficient:
 * 2 bytes × 3 components × 100 megapixels = 600 MB) and the runtime, stays well inside the thumbnail
 * Lambda's 1,536 MB, and still takes an uncompressed 16-bit RGB A4 page scanned at 600 dpi (209 MB).
 * Measured: a 16×16 PNG padded to 256 MiB peaks at 389 MB, an uncompressed 81-megapixel TIFF
 * (243 MB) at 419 MB. Without a bound, a small image padded to 1.4 GB crashed the Lambda on every
 * delivery.
 */
export const MAX_IMAGE_BYTES = 256 * 1024 ** 2;

/**
 * How much of an image is read first, to check its size and header before reading the rest. A
 * JPEG's frame header comes after its EXIF, ICC and XMP segments, which can take hundreds of KB; and
 * most images on the web fit whole, needing no second read.
 */
export const IMAGE_HEAD_BYTES = 1024 ** 2;

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
  await checkHeader(input, limit, 'thumbnails');
  try {
    // failOn 'error' still refuses data that stops short or cannot be decoded. sharp's default,
    // 'warning', would also refuse photos every viewer shows, such as those of Samsung phones with
    // "Invalid SOS parameters for sequential JPEG" (lovell/sharp#3488). The price: a JPEG whose data
    // ends early but properly (with its end marker) gets thumbnails, grey where data is missing.
    const { data, info } = await sharp(input, { limitInputPixels: limit, failOn: 'error', autoOrient: true })
      .resize(box('medium'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    return await encodeThumbnails(data, { width: info.width, height: info.height, channels: info.channels });
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The image cannot be decoded: ${message(error)}`);
  }
}

/** The box a thumbnail size fits in, never enlarging what is smaller. */
const box = (size: ThumbnailSize) => ({ width: thumbnailSizes[size], height: thumbnailSizes[size], fit: 'inside', withoutEnlargement: true }) as const;

/**
 * Both thumbnail sizes as WebP from decoded pixels already fitted to medium size: medium is those
 * pixels encoded, small is resized from them, so nothing is decoded or compressed twice; the two
 * encodes run at once on libuv's threads. Images (makeThumbnails) and rendered PDF pages
 * (pdf-preview.ts) come out the same; an alpha channel that is opaque throughout (a
 * rendered page's) is not written (libwebp leaves it out).
 */
export async function encodeThumbnails(pixels: Buffer, raw: { width: number; height: number; channels: 1 | 2 | 3 | 4 }): Promise<Thumbnail[]> {
  const [medium, small] = await Promise.all([
    sharp(pixels, { raw }).webp(WEBP).toBuffer({ resolveWithObject: true }),
    sharp(pixels, { raw }).resize(box('small')).webp(WEBP).toBuffer({ resolveWithObject: true }),
  ]);
  return [
    { size: 'small', width: small.info.width, height: small.info.height, data: small.data },
    { size: 'medium', width: medium.info.width, height: medium.info.height, data: medium.data },
  ];
}

/**
 * What an image's size and first bytes tell before it is read whole: refused when it is larger than
 * the bytes processing holds, or its header declares more pixels than are processed. A header that
 * is not in the head (a TIFF's image directory is often at the end) is checked by makeThumbnails,
 * once the image is read.
 */
export function checkImageHead(head: Uint8Array, size: number, options: { maxInputPixels?: number; maxBytes?: number } = {}): void {
  const maxBytes = options.maxBytes ?? MAX_IMAGE_BYTES;
  if (size > maxBytes) {
    throw new ProcessingFailure('FILE_TOO_LARGE', `The image is ${size} bytes; images are processed up to ${maxBytes / 1024 ** 2} MiB.`);
  }
  const declared = declaredSize(head);
  if (declared) checkPixels(declared.width, declared.height, options.maxInputPixels ?? MAX_INPUT_PIXELS);
}

/**
 * The formats whose header image-size reads as sharp does (image-size's names). Not GIF: image-size
 * reads its logical screen, which libvips ignores for the size of the frames it decodes, so a GIF
 * declaring a 65535×65535 screen around a 16×16 frame would be refused here and thumbnailed by sharp.
 */
const HEADER_TYPES = new Set(['jpg', 'png', 'webp', 'tiff']);

/** The width and height an image's header declares, if the head holds that header. */
function declaredSize(head: Uint8Array): { width: number; height: number } | undefined {
  try {
    // A copy of its own: image-size reads through DataViews of the whole underlying ArrayBuffer,
    // so a short head (a Buffer from Node's shared pool) would be read with bytes not its own.
    const { type, width, height } = imageSize(new Uint8Array(head));
    return type && HEADER_TYPES.has(type) && width && height ? { width, height } : undefined;
  } catch {
    // Not in the head, or not readable by image-size: sharp reads the header of the whole image.
    return undefined;
  }
}

/**
 * The whole image's header, read by sharp before anything is decoded (so a bomb never gets its
 * pixels allocated): one of the formats images are made of, with dimensions within `limit` pixels.
 * `what` is what the image would get (thumbnails, renditions), for the failure's message.
 */
export async function checkHeader(input: Buffer, limit: number, what: string): Promise<void> {
  let format: string | undefined;
  let width: number | undefined;
  let height: number | undefined;
  try {
    // Only the header is read here: no pixel is decoded, so no limit is needed yet.
    ({ format, width, height } = await sharp(input, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new ProcessingFailure('CORRUPT_FILE', `The image cannot be read: ${message(error)}`);
  }
  if (!format || !FORMATS.has(format)) throw new ProcessingFailure('CONTENT_MISMATCH', `The content is ${format ?? 'an unknown'} image, which gets no ${what}.`);
  if (!width || !height) throw new ProcessingFailure('CORRUPT_FILE', 'The image has no dimensions.');
  checkPixels(width, height, limit);
}

function checkPixels(width: number, height: number, limit: number): void {
  if (width * height > limit) {
    throw new ProcessingFailure('IMAGE_TOO_LARGE', `The image has ${width}×${height} pixels; at most ${limit / 1e6} megapixels are processed.`);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
