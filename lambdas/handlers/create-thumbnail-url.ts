import * as z from '../validation';
import { actorOf } from '../domain/audit';
import { grantThumbnail } from '../domain/downloads';
import { loadOwnFile } from '../domain/files';
import { ValidationError } from '../errors';
import { json, pathParam, type RouteHandler } from '../http/request';
import { thumbnailSizes, type ThumbnailSize } from '../domain/thumbnail-sizes';
import { getServices } from '../services';
import { fileIdParam } from './file-id';
import { settingsOf } from './tenant-settings';

const size = z.enum(Object.keys(thumbnailSizes) as [ThumbnailSize, ...ThumbnailSize[]]);

export const createThumbnailUrl: RouteHandler = async (request) => {
  const id = fileIdParam(request);
  const parsed = size.safeParse(pathParam(request, 'size'));
  if (!parsed.success) throw new ValidationError(`Thumbnail size must be one of ${size.options.join(', ')}.`);
  const services = getServices();
  const { principal } = request;
  const [file, settings] = await Promise.all([loadOwnFile(services, principal, id), settingsOf(services, principal.tenantId)]);
  const thumbnail = await grantThumbnail(services, file, parsed.data, { expiresIn: settings.downloadUrlTtlSeconds, actor: actorOf(principal) });
  return json(200, thumbnail, { 'cache-control': 'no-store' });
};
