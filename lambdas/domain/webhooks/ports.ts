import type { RetryMessage, WebhookDelivery, WebhookEndpoint } from './model';

/** Tenants' webhook endpoints and their deliveries, as the domain stores them (lambdas/adapters/dynamo-webhook-repository.ts). */
export interface WebhookRepository {
  /** False, and nothing written, when the tenant has `maxPerTenant` endpoints already. */
  create(endpoint: WebhookEndpoint, maxPerTenant: number): Promise<boolean>;
  /** Strongly consistent; another tenant's endpoint reads as missing. */
  get(tenantId: string, id: string): Promise<WebhookEndpoint | undefined>;
  /** The tenant's endpoints, oldest first; strongly consistent. */
  list(tenantId: string): Promise<WebhookEndpoint[]>;
  /** Writes the whole endpoint if it still exists; false when it was deleted meanwhile. */
  save(endpoint: WebhookEndpoint): Promise<boolean>;
  /** False when there was none. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /**
   * Counts an automatic attempt's outcome, atomically: a success ends the run of failures, a
   * failure adds one to it, and a failure that makes the run `after` attempts long, failing since
   * `failingForSeconds` ago or longer, turns the endpoint off with `reason`. Returns the endpoint as
   * it is now (undefined when deleted).
   */
  recordOutcome(tenantId: string, id: string, succeeded: boolean, disable: DisablePolicy): Promise<WebhookEndpoint | undefined>;

  /** False when a delivery with its id exists already (a redelivered bus event). */
  createDelivery(delivery: WebhookDelivery): Promise<boolean>;
  getDelivery(webhookId: string, deliveryId: string): Promise<WebhookDelivery | undefined>;
  saveDelivery(delivery: WebhookDelivery): Promise<void>;
  /** Newest first, after the delivery `after` when given; `last`: the id to continue after, null at the end. */
  listDeliveries(webhookId: string, page: { limit: number; after: string | undefined }): Promise<{ items: WebhookDelivery[]; last: string | null }>;
}

export interface DisablePolicy {
  after: number;
  failingForSeconds: number;
  at: Date;
  reason: NonNullable<WebhookEndpoint['disabledReason']>;
}

/** What an attempt to deliver came to. */
export type SendOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** Sends one signed request to an endpoint (lambdas/adapters/webhook-sender.ts): SSRF-checked, bounded, no redirects. */
export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome>;
}

/** Where the delivery function schedules its own retries (its SQS queue, with a delay). */
export interface RetryQueue {
  schedule(message: RetryMessage, delaySeconds: number): Promise<void>;
}
