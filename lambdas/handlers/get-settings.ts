import { settingsWarnings } from '../domain/settings/tenant-settings';
import type { ApiServices } from '../composition';
import { json, type RouteHandler } from '../http/request';
import { settingsOf } from './tenant-settings';

export const getSettings: RouteHandler<ApiServices> = async (request) => {
  const settings = await settingsOf(request.services, request.principal.tenantId);
  return json(200, { ...settings, warnings: settingsWarnings(settings, request.services.fileTypes) }, { 'cache-control': 'no-store' });
};
