import * as z from '../validation';
import { settingsDefaults, settingsWarnings, updateTenantSettings } from '../domain/settings/tenant-settings';
import type { ApiServices } from '../composition';
import { json, parseBody, type RouteHandler } from '../http/request';

/**
 * The whole settings object, every field: a PUT replaces it. Only the shape is checked here; the
 * bounds (some depend on the tenant's operator limits) are the domain's (lambdas/domain/settings/tenant-settings.ts).
 */
export const settingsBody = z.strictObject({
  disableForceDownloadForMimeTypes: z.array(z.string().check(z.maxLength(255))).check(z.maxLength(1000)),
  maxFileSize: z.number(),
  downloadUrlTtlSeconds: z.number(),
  uploadUrlTtlSeconds: z.number(),
  // Absent: every file type of the catalogue.
  allowedFileTypeIds: z.optional(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(500))),
});

export const updateSettings: RouteHandler<ApiServices> = async (request) => {
  const input = parseBody(request, settingsBody);
  const { services } = request;
  const { tenantId, userId } = request.principal;
  const settings = await updateTenantSettings(services, tenantId, input, { defaults: settingsDefaults(services.config, tenantId), updatedBy: userId });
  return json(200, { ...settings, warnings: settingsWarnings(settings, services.fileTypes) }, { 'cache-control': 'no-store' });
};
