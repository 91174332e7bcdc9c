import { randomBytes } from 'node:crypto';
import { fileportError } from '../../errors';
import type { EventType } from '../events/model';
import type { WebhookDelivery, WebhookEndpoint } from './model';
import type { WebhookRepository } from './ports';
import { newWebhookSecret } from './signing';
import { refusedUrl, type TargetPolicy } from './targets';

/** What the webhook routes work with. */
export interface WebhookDeps {
  webhooks: WebhookRepository;
  now: () => Date;
  policy: WebhookPolicy;
}

export interface WebhookPolicy {
  /** Endpoints a tenant may have (WEBHOOK_LIMIT beyond). */
  maxEndpoints: number;
  target: TargetPolicy;
}

/** How long a rotated-away secret keeps signing unless the rotation says otherwise: a day, time to roll the receivers. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

export interface NewWebhook {
  url: string;
  eventTypes: EventType[];
  description?: string | undefined;
  enabled?: boolean | undefined;
}

export interface WebhookChanges {
  url?: string | undefined;
  eventTypes?: EventType[] | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function checkUrl(url: string, policy: WebhookPolicy): void {
  const reason = refusedUrl(url, policy.target);
  if (reason) throw fileportError('INVALID_WEBHOOK_URL', { reason });
}

export async function createWebhook(deps: WebhookDeps, tenantId: string, userId: string, input: NewWebhook): Promise<WebhookEndpoint> {
  checkUrl(input.url, deps.policy);
  const at = deps.now().toISOString();
  const endpoint: WebhookEndpoint = {
    id: newId('wh'),
    tenantId,
    url: input.url,
    eventTypes: input.eventTypes,
    description: input.description ?? null,
    enabled: input.enabled ?? true,
    disabledReason: null,
    secret: newWebhookSecret(),
    previousSecrets: [],
    consecutiveFailures: 0,
    createdAt: at,
    createdBy: userId,
    updatedAt: at,
  };
  if (!(await deps.webhooks.create(endpoint, deps.policy.maxEndpoints))) throw fileportError('WEBHOOK_LIMIT', { max: deps.policy.maxEndpoints });
  return endpoint;
}

export async function getWebhook(deps: Pick<WebhookDeps, 'webhooks'>, tenantId: string, id: string): Promise<WebhookEndpoint> {
  const endpoint = await deps.webhooks.get(tenantId, id);
  if (!endpoint) throw fileportError('WEBHOOK_NOT_FOUND', { id });
  return endpoint;
}

export const listWebhooks = (deps: Pick<WebhookDeps, 'webhooks'>, tenantId: string): Promise<WebhookEndpoint[]> => deps.webhooks.list(tenantId);

export async function updateWebhook(deps: WebhookDeps, tenantId: string, id: string, changes: WebhookChanges): Promise<WebhookEndpoint> {
  const current = await getWebhook(deps, tenantId, id);
  if (changes.url !== undefined) checkUrl(changes.url, deps.policy);
  const reenabled = changes.enabled === true && !current.enabled;
  const next: WebhookEndpoint = {
    ...current,
    ...(changes.url !== undefined && { url: changes.url }),
    ...(changes.eventTypes !== undefined && { eventTypes: changes.eventTypes }),
    ...(changes.description !== undefined && { description: changes.description }),
    ...(changes.enabled !== undefined && { enabled: changes.enabled }),
    // Turned on again: the reason it was turned off, and the run of failures that did it, are history.
    ...(changes.enabled !== undefined && { disabledReason: null }),
    ...(reenabled && { consecutiveFailures: 0, failingSince: undefined }),
    updatedAt: deps.now().toISOString(),
  };
  if (!(await deps.webhooks.save(next))) throw fileportError('WEBHOOK_NOT_FOUND', { id });
  return next;
}

export async function deleteWebhook(deps: Pick<WebhookDeps, 'webhooks'>, tenantId: string, id: string): Promise<void> {
  if (!(await deps.webhooks.delete(tenantId, id))) throw fileportError('WEBHOOK_NOT_FOUND', { id });
}

/**
 * A new secret. The one it replaces keeps signing for `graceSeconds` (a day by default, 0 for none),
 * so receivers can move to the new one without refusing deliveries meanwhile: each delivery carries
 * a signature per live secret, which Standard Webhooks' verification accepts.
 */
export async function rotateWebhookSecret(deps: WebhookDeps, tenantId: string, id: string, graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS): Promise<WebhookEndpoint> {
  const current = await getWebhook(deps, tenantId, id);
  const now = deps.now();
  const live = current.previousSecrets.filter((p) => Date.parse(p.expiresAt) > now.getTime());
  const previousSecrets =
    graceSeconds > 0 ? [{ secret: current.secret, expiresAt: new Date(now.getTime() + graceSeconds * 1000).toISOString() }, ...live].slice(0, 3) : live;
  const next: WebhookEndpoint = { ...current, secret: newWebhookSecret(), previousSecrets, updatedAt: now.toISOString() };
  if (!(await deps.webhooks.save(next))) throw fileportError('WEBHOOK_NOT_FOUND', { id });
  return next;
}

export async function getDelivery(deps: Pick<WebhookDeps, 'webhooks'>, tenantId: string, webhookId: string, deliveryId: string): Promise<{ endpoint: WebhookEndpoint; delivery: WebhookDelivery }> {
  const endpoint = await getWebhook(deps, tenantId, webhookId);
  const delivery = await deps.webhooks.getDelivery(webhookId, deliveryId);
  if (!delivery || delivery.tenantId !== tenantId) throw fileportError('WEBHOOK_DELIVERY_NOT_FOUND', { id: deliveryId });
  return { endpoint, delivery };
}

/** An endpoint as answers show it: never its secrets, nor the counter behind the automatic disabling. */
export function toApiWebhook(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    description: endpoint.description,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    createdAt: endpoint.createdAt,
    createdBy: endpoint.createdBy,
    updatedAt: endpoint.updatedAt,
  };
}

/** The answer to a create or a rotation, the only ones with the secret. */
export const toApiWebhookWithSecret = (endpoint: WebhookEndpoint) => ({ ...toApiWebhook(endpoint), secret: endpoint.secret });

export function toApiDelivery(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    webhookId: delivery.webhookId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    lastResponseCode: delivery.lastResponseCode,
    lastError: delivery.lastError,
    nextAttemptAt: delivery.nextAttemptAt,
    lastAttemptAt: delivery.lastAttemptAt,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}
