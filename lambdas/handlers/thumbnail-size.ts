import * as z from '../validation';
import { thumbnailSizes, type ThumbnailSize } from '../inspect/thumbnail-sizes';
import { FileportError } from '../errors';
import { pathParam, type AnonymousRequest } from '../http/request';

export const thumbnailSize = z.enum(Object.keys(thumbnailSizes) as [ThumbnailSize, ...ThumbnailSize[]]);

/** The `{size}` of a thumbnail route. */
export function thumbnailSizeParam(request: AnonymousRequest): ThumbnailSize {
  const parsed = thumbnailSize.safeParse(pathParam(request, 'size'));
  if (!parsed.success) throw new FileportError('VALIDATION_ERROR', `Thumbnail size must be one of ${thumbnailSize.options.join(', ')}.`);
  return parsed.data;
}
