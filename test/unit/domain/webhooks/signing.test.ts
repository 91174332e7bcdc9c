import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signedHeaders, signingSecrets } from '../../../../lambdas/domain/webhooks/signing';

const verifies = (secret: string, body: string, headers: Record<string, string>) => {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
};

describe('webhook signing (Standard Webhooks)', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'file.ready' });

  it('makes secrets of 24 random bytes in the whsec_ format', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs what the standard library verifies, with the event id and the attempt’s time', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders([secret], 'evt_1', new Date(), body);
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(verifies(secret, body, headers)).toBe(true);
    expect(verifies(newWebhookSecret(), body, headers)).toBe(false);
    expect(verifies(secret, `${body} `, headers)).toBe(false);
    expect(verifies(secret, body, { ...headers, 'webhook-id': 'evt_2' })).toBe(false);
  });

  it('carries a signature per secret: each verifies on its own', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signedHeaders([a, b], 'evt_1', new Date(), body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifies(a, body, headers)).toBe(true);
    expect(verifies(b, body, headers)).toBe(true);
  });

  it('signs with a rotated-away secret only until its grace ends', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const endpoint = { secret: 'whsec_new', previousSecrets: [{ secret: 'whsec_old', expiresAt: '2026-01-01T00:00:01Z' }, { secret: 'whsec_older', expiresAt: '2026-01-01T00:00:00Z' }] };
    expect(signingSecrets(endpoint, now)).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(endpoint, new Date('2026-01-01T00:00:01Z'))).toEqual(['whsec_new']);
  });
});
