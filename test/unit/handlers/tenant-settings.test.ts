import { PUBLIC_SETTINGS_MAX_AGE_MS, publicSettingsOf, settingsOf } from '../../../lambdas/handlers/tenant-settings';
import type { TenantSettings } from '../../../lambdas/domain/ports';
import type { ApiServices as Services } from '../../../lambdas/composition';

/** Services whose settings repository counts its reads and answers what the test stored last. */
function services() {
  const stored = new Map<string, Partial<TenantSettings>>();
  const reads: string[] = [];
  const fake = {
    config: { uploadUrlTtlSeconds: 900, downloadUrlTtlSeconds: 300, sizeLimits: undefined },
    settings: {
      get: async (tenantId: string) => {
        reads.push(tenantId);
        return stored.get(tenantId);
      },
    },
  } as unknown as Services;
  return { fake, stored, reads };
}

describe('settings for grants', () => {
  it('are read afresh for every member and share-token grant', async () => {
    const { fake, stored, reads } = services();
    expect((await settingsOf(fake, 'a')).downloadUrlTtlSeconds).toBe(300);
    stored.set('a', { downloadUrlTtlSeconds: 42 });
    expect((await settingsOf(fake, 'a')).downloadUrlTtlSeconds).toBe(42);
    expect(reads).toEqual(['a', 'a']);
  });

  it('are kept up to 10 s per tenant for public links, then read again', async () => {
    const { fake, stored, reads } = services();
    const t0 = 1_000_000;
    stored.set('pub-a', { downloadUrlTtlSeconds: 60 });
    expect((await publicSettingsOf(fake, 'pub-a', t0)).downloadUrlTtlSeconds).toBe(60);
    stored.set('pub-a', { downloadUrlTtlSeconds: 30 });
    // Within the 10 s, the settings read before; another tenant is read on its own.
    expect((await publicSettingsOf(fake, 'pub-a', t0 + PUBLIC_SETTINGS_MAX_AGE_MS - 1)).downloadUrlTtlSeconds).toBe(60);
    expect((await publicSettingsOf(fake, 'pub-b', t0 + 1)).downloadUrlTtlSeconds).toBe(300);
    // From 10 s on, the change.
    expect((await publicSettingsOf(fake, 'pub-a', t0 + PUBLIC_SETTINGS_MAX_AGE_MS)).downloadUrlTtlSeconds).toBe(30);
    expect(reads).toEqual(['pub-a', 'pub-b', 'pub-a']);
  });
});
