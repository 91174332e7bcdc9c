import { settingsWarnings } from '../domain/settings/tenant-settings';
import { json, type RouteHandler } from '../http/request';
import { getServices } from '../services';
import { settingsOf } from './tenant-settings';

export const getSettings: RouteHandler = async (request) => {
  const settings = await settingsOf(getServices(), request.principal.tenantId);
  return json(200, { ...settings, warnings: settingsWarnings(settings) }, { 'cache-control': 'no-store' });
};
