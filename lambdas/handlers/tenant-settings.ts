import { settingsDefaults, tenantSettings, type TenantSettings } from '../domain/settings';
import type { SizeLimits } from '../domain/size-limits';
import type { Services } from '../services';

/** The caller's tenant's settings over the deployment's defaults: one GetItem, once per request. */
export function settingsOf(services: Services, tenantId: string): Promise<TenantSettings> {
  return tenantSettings(services, tenantId, settingsDefaults(services.config, tenantId));
}

/**
 * What the tenant's uploads are granted under now: the URL lifetime, and the operator's size limits
 * lowered by the tenant's own cap. Every upload route reads them afresh, so a change of settings
 * applies to uploads already under way.
 */
export async function uploadTermsOf(services: Services, tenantId: string): Promise<{ expiresIn: number; sizeLimits: SizeLimits; maxFileSize: number }> {
  const settings = await settingsOf(services, tenantId);
  return { expiresIn: settings.uploadUrlTtlSeconds, sizeLimits: services.config.sizeLimits, maxFileSize: settings.maxFileSize };
}
