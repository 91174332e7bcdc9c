import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { WebhookEndpoint } from './model';

/** Standard Webhooks' secret format: `whsec_` and the base64 of the key (24 random bytes: 192 bits). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** The secrets that sign at `now`: the current one, and those rotated away whose grace has not ended. */
export function signingSecrets(endpoint: Pick<WebhookEndpoint, 'secret' | 'previousSecrets'>, now: Date): string[] {
  return [endpoint.secret, ...endpoint.previousSecrets.filter((p) => Date.parse(p.expiresAt) > now.getTime()).map((p) => p.secret)];
}

/**
 * The Standard Webhooks headers of one attempt: the event id (the same on every attempt and
 * redelivery), the attempt's time, and a `v1,` signature per secret, space-separated, which
 * `new Webhook(secret).verify(body, headers)` accepts when any of them is its secret's.
 */
export function signedHeaders(secrets: string[], eventId: string, at: Date, payload: string): Record<string, string> {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(eventId, at, payload)).join(' '),
  };
}
