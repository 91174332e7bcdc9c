import { settingsDefaults, tenantSettings, type TenantSettings } from '../domain/settings';
import type { Services } from '../services';

/** The caller's tenant's settings over the deployment's defaults: one GetItem, once per request. */
export function settingsOf(services: Services, tenantId: string): Promise<TenantSettings> {
  return tenantSettings(services, tenantId, settingsDefaults(services.config, tenantId));
}
