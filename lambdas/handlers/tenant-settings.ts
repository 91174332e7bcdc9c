import { settingsDefaults, tenantSettings, type TenantSettings } from '../domain/settings/tenant-settings';
import type { SizeLimits } from '../domain/transfer/size-limits';
import type { StorageServices } from '../composition';

/** The caller's tenant's settings over the deployment's defaults: one GetItem, once per request. */
export function settingsOf(services: StorageServices, tenantId: string): Promise<TenantSettings> {
  return tenantSettings(services, tenantId, settingsDefaults(services.config, tenantId));
}

/**
 * What the tenant's uploads are granted under now: the URL lifetime, and the operator's size limits
 * lowered by the tenant's own cap. Every upload route reads them afresh, so a change of settings
 * applies to uploads already under way.
 */
export async function uploadTermsOf(services: StorageServices, tenantId: string): Promise<{ expiresIn: number; sizeLimits: SizeLimits; maxFileSize: number }> {
  const settings = await settingsOf(services, tenantId);
  return { expiresIn: settings.uploadUrlTtlSeconds, sizeLimits: services.config.sizeLimits, maxFileSize: settings.maxFileSize };
}

/** How long a public link may follow a tenant's settings from before a change. */
export const PUBLIC_SETTINGS_MAX_AGE_MS = 10_000;
const PUBLIC_SETTINGS_CACHE_SIZE = 1000;
const publicSettings = new Map<string, { settings: TenantSettings; readAt: number }>();

/**
 * A tenant's settings for its public links, kept up to 10 s by this container. A public link names
 * only the file, so its tenant's settings could not be read beside it: the cache spares anonymous
 * traffic the second round trip. Members and share tokens read settings afresh on every grant.
 */
export async function publicSettingsOf(services: StorageServices, tenantId: string, now = Date.now()): Promise<TenantSettings> {
  const cached = publicSettings.get(tenantId);
  if (cached && now - cached.readAt < PUBLIC_SETTINGS_MAX_AGE_MS) return cached.settings;
  const settings = await settingsOf(services, tenantId);
  publicSettings.delete(tenantId);
  // A Map iterates in insertion order: the first key is the longest unread.
  if (publicSettings.size >= PUBLIC_SETTINGS_CACHE_SIZE) publicSettings.delete(publicSettings.keys().next().value as string);
  publicSettings.set(tenantId, { settings, readAt: now });
  return settings;
}
