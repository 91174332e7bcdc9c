import { actorOf } from '../domain/audit';
import { grantThumbnail } from '../domain/transfer/downloads';
import { loadOwnFile } from '../domain/files/files';
import type { ApiServices } from '../composition';
import { json, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { settingsOf } from './tenant-settings';
import { thumbnailSizeParam } from './thumbnail-size';

export const createThumbnailUrl: RouteHandler<ApiServices> = async (request) => {
  const id = fileIdParam(request);
  const size = thumbnailSizeParam(request);
  const { services } = request;
  const { principal } = request;
  const [file, settings] = await Promise.all([loadOwnFile(services, principal, id), settingsOf(services, principal.tenantId)]);
  const thumbnail = await grantThumbnail(services, file, size, { expiresIn: settings.downloadUrlTtlSeconds, actor: actorOf(principal), scanHold: settings.scanHold });
  return json(200, thumbnail, { 'cache-control': 'no-store' });
};
