import * as z from '../validation';
import { MAX_RENDITION_SIDE, RENDITION_FITS, RENDITION_FORMATS, type RenditionSpec } from '../domain/transfer/rendition-spec';

const side = z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_RENDITION_SIDE));

/**
 * A rendition: the box (both sides: the allowlist lists boxes), the fit (`inside` keeps the whole
 * image and its aspect ratio) and the format; whether the answer is the URL or a 302 to it.
 */
export const renditionQuery = z.object({
  width: side,
  height: side,
  fit: z._default(z.enum(RENDITION_FITS), 'inside'),
  format: z._default(z.enum(RENDITION_FORMATS), 'webp'),
  redirect: z._default(z.enum(['true', 'false']), 'false'),
});

/** The public route always redirects (an `<img src>` of a public page). */
export const publicRenditionQuery = z.object({ width: side, height: side, fit: renditionQuery.shape.fit, format: renditionQuery.shape.format });

export const specOf = (q: { width: number; height: number; fit: RenditionSpec['fit']; format: RenditionSpec['format'] }): RenditionSpec => ({ width: q.width, height: q.height, fit: q.fit, format: q.format });
