import { actorOf } from '../domain/audit';
import { loadOwnFile } from '../domain/files/files';
import { grantRendition } from '../domain/transfer/renditions';
import type { RenditionServices } from '../composition';
import { json, parseQuery, redirect, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { renditionQuery, specOf } from './rendition-query';
import { settingsOf } from './tenant-settings';

export const createRenditionUrl: RouteHandler<RenditionServices> = async (request) => {
  const id = fileIdParam(request);
  const q = parseQuery(request, renditionQuery);
  const { services, principal } = request;
  const [file, settings] = await Promise.all([loadOwnFile(services, principal, id), settingsOf(services, principal.tenantId)]);
  const rendition = await grantRendition(services, file, specOf(q), {
    allowlist: settings.renditions,
    expiresIn: settings.downloadUrlTtlSeconds,
    actor: actorOf(principal),
    scanHold: settings.scanHold,
  });
  return q.redirect === 'true' ? redirect(rendition.url) : json(200, rendition, { 'cache-control': 'no-store' });
};
