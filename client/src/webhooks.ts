import { segment, type Transport } from './transport';
import type { Page } from './types';

/** The event types a webhook may subscribe to (the API's `eventTypes`). */
export type WebhookEventType =
  | 'file.created'
  | 'file.uploaded'
  | 'file.ready'
  | 'file.failed'
  | 'file.updated'
  | 'file.deleted'
  | 'version.added'
  | 'scan.completed'
  | 'share-token.created'
  | 'share-token.deleted';

export interface Webhook {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string | null;
  enabled: boolean;
  /** Why Fileport turned it off (a run of failed deliveries); `update(id, { enabled: true })` turns it on again. */
  disabledReason: { code: 'CONSECUTIVE_FAILURES'; message: string; at: string } | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

/** As created or rotated: the signing secret (`whsec_…`) is in this answer only. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  /** Every attempt's `webhook-id`. */
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  lastResponseCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewWebhook {
  /** https (locally, http to 127.0.0.1 too); no private, loopback, link-local or metadata address. */
  url: string;
  eventTypes: WebhookEventType[];
  description?: string;
  enabled?: boolean;
}

/** Tenant webhooks (an admin's, `files:admin`). Verify deliveries with the `standardwebhooks` package and the secret. */
export function webhooksResource(transport: Transport) {
  const path = (id: string) => `/v1/webhooks/${segment(id)}`;
  return {
    create: (input: NewWebhook) => transport.request<WebhookWithSecret>('POST', '/v1/webhooks', { body: input }),
    list: () => transport.request<{ items: Webhook[] }>('GET', '/v1/webhooks').then((a) => a.items),
    get: (id: string) => transport.request<Webhook>('GET', path(id)),
    update: (id: string, changes: Partial<Omit<NewWebhook, 'description'>> & { description?: string | null }) => transport.request<Webhook>('PATCH', path(id), { body: changes }),
    delete: (id: string) => transport.request<void>('DELETE', path(id)),
    /** A new secret; the old one keeps signing beside it for `graceSeconds` (default a day, 0: not at all). */
    rotateSecret: (id: string, options: { graceSeconds?: number } = {}) => transport.request<WebhookWithSecret>('POST', `${path(id)}/rotate-secret`, { body: options }),
    /** Sends a `webhook.test` event now; answers the delivery after its attempt. */
    test: (id: string) => transport.request<WebhookDelivery>('POST', `${path(id)}/test`),
    /** Newest first. */
    deliveries: (id: string, query: { limit?: number; cursor?: string } = {}) => transport.request<Page<WebhookDelivery>>('GET', `${path(id)}/deliveries`, { query }),
    /** One attempt now, with the same `webhook-id` and body. */
    redeliver: (id: string, deliveryId: string) => transport.request<WebhookDelivery>('POST', `${path(id)}/deliveries/${segment(deliveryId)}/redeliver`),
  };
}
