import { loadPublicFile, PUBLIC_URL_MAX_TTL_SECONDS } from '../domain/sharing/public-files';
import { grantRendition } from '../domain/transfer/renditions';
import type { RenditionServices } from '../composition';
import { parseQuery, pathParam, redirect, type AnonymousRouteHandler } from '../http/request';
import { publicRenditionQuery, specOf } from './rendition-query';
import { fileId } from './schemas';
import { publicSettingsOf } from './tenant-settings';

/** `/v1/public/{id}/{name}/renditions`: as the public file's stable link, a redirect; the id decides, the name is for people. */
export const redirectToPublicRendition: AnonymousRouteHandler<RenditionServices> = async (request) => {
  const id = pathParam(request, 'id');
  const q = parseQuery(request, publicRenditionQuery);
  const { services } = request;
  const file = await loadPublicFile(services, fileId.safeParse(id).success ? id : undefined);
  const settings = await publicSettingsOf(services, file.tenantId);
  const rendition = await grantRendition(services, file, specOf(q), {
    allowlist: settings.renditions,
    expiresIn: Math.min(settings.downloadUrlTtlSeconds, PUBLIC_URL_MAX_TTL_SECONDS),
    actor: { type: 'public' },
    action: 'public-rendition',
    scanHold: settings.scanHold,
  });
  return redirect(rendition.url);
};
