import * as z from '../validation';
import { grantDownload } from '../domain/transfer/downloads';
import { loadPublicFile, PUBLIC_URL_MAX_TTL_SECONDS } from '../domain/sharing/public-files';
import type { ApiServices } from '../composition';
import { parseQuery, pathParam, redirect, type AnonymousRouteHandler } from '../http/request';
import { fileId } from './schemas';
import { publicSettingsOf } from './tenant-settings';

export const publicFileQuery = z.object({ disposition: z._default(z.enum(['attachment', 'inline']), 'attachment') });

/** `/v1/public/{id}/{name}`: the name is for people and may be stale (the file was renamed); the id decides. */
export const redirectToPublicFile: AnonymousRouteHandler<ApiServices> = async (request) => {
  const id = pathParam(request, 'id');
  const q = parseQuery(request, publicFileQuery);
  const { services } = request;
  const file = await loadPublicFile(services, fileId.safeParse(id).success ? id : undefined);
  const settings = await publicSettingsOf(services, file.tenantId);
  const download = await grantDownload(services, file, {
    disposition: q.disposition,
    expiresIn: Math.min(settings.downloadUrlTtlSeconds, PUBLIC_URL_MAX_TTL_SECONDS),
    inlineMimeTypes: settings.disableForceDownloadForMimeTypes,
    actor: { type: 'public' },
    action: 'public-download',
    scanHold: settings.scanHold,
  });
  return redirect(download.url);
};
