import * as z from '../validation';
import { createThumbnailUrl as grant } from '../domain/downloads';
import { ValidationError } from '../errors';
import { json, pathParam, type RouteHandler } from '../http/request';
import { thumbnailSizes, type ThumbnailSize } from '../domain/thumbnail-sizes';
import { getServices } from '../services';
import { fileIdParam } from './file-id';

const size = z.enum(Object.keys(thumbnailSizes) as [ThumbnailSize, ...ThumbnailSize[]]);

export const createThumbnailUrl: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const parsed = size.safeParse(pathParam(request, 'size'));
  if (!parsed.success) throw new ValidationError(`Thumbnail size must be one of ${size.options.join(', ')}.`);
  const services = getServices();
  const thumbnail = await grant(services, request.principal, id, parsed.data, { expiresIn: services.config.downloadUrlTtlSeconds });
  return json(200, thumbnail, { 'cache-control': 'no-store' });
};
