import { createHash, randomBytes } from 'node:crypto';
import { EVENT_SCHEMA_VERSION, type FileportEvent } from '../events/model';
import { TEST_EVENT_TYPE, type RetryMessage, type WebhookDelivery, type WebhookEndpoint } from './model';
import type { RetryQueue, SendOutcome, WebhookRepository, WebhookSender } from './ports';
import { queueDelaySeconds, retryDelaySeconds } from './schedule';
import { signedHeaders, signingSecrets } from './signing';

/**
 * Delivering events to webhooks, at least once: each event a tenant's endpoint subscribes to
 * becomes a delivery (recorded before its first attempt), attempted at once and, while it fails,
 * again on the retry schedule; a 2xx answer is a success, anything else (another status, a refused
 * address, a timeout) a failure. Automatic attempts count towards turning an endpoint off; manual
 * redeliveries and test events do not.
 */
export interface DeliveryDeps {
  webhooks: WebhookRepository;
  sender: WebhookSender;
  now: () => Date;
  delivery: DeliveryPolicy;
}

/** The delivery function's: it schedules retries on its own queue. */
export interface DeliveryFunctionDeps extends DeliveryDeps {
  retries: RetryQueue;
}

export interface DeliveryPolicy {
  /** Waits before the 2nd, 3rd, … attempt (seconds); the delivery fails once they are spent. */
  retrySchedule: readonly number[];
  /**
   * An endpoint is turned off when its automatic attempts have failed this many times in a row,
   * for at least `disableAfterSeconds` (a receiver down for an hour is not turned off, one down
   * for days is).
   */
  disableAfterFailures: number;
  disableAfterSeconds: number;
}

/** An event a webhook receives: a file event, or the test event. */
export type WebhookEvent = FileportEvent | TestEvent;
export interface TestEvent extends Omit<FileportEvent, 'type' | 'data'> {
  type: typeof TEST_EVENT_TYPE;
  data: { webhookId: string };
}

type Mode = 'automatic' | 'manual' | 'test';

/**
 * A delivery's id: sorted by the event's time, and the same for the same event and endpoint, so a
 * bus event delivered twice by SQS makes one delivery, not two.
 */
export function deliveryIdOf(eventId: string, webhookId: string, at: Date): string {
  const time = at.getTime().toString(36).padStart(9, '0');
  return `dlv_${time}${createHash('sha256').update(`${webhookId}\n${eventId}`).digest('hex').slice(0, 20)}`;
}

/** The event to every enabled endpoint of its tenant subscribed to its type, one after the other. */
export async function deliverEvent(deps: DeliveryFunctionDeps, event: FileportEvent): Promise<WebhookDelivery[]> {
  const endpoints = (await deps.webhooks.list(event.tenantId)).filter((e) => e.enabled && e.eventTypes.includes(event.type));
  const deliveries: WebhookDelivery[] = [];
  let failure: unknown;
  for (const endpoint of endpoints) {
    // One endpoint's storage failure must not keep the others from their deliveries; the message
    // is retried all the same, and what was done already is not done again (deliveryIdOf).
    try {
      deliveries.push(await deliverNew(deps, endpoint, event, 'automatic'));
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure) throw failure;
  return deliveries;
}

async function deliverNew(deps: DeliveryDeps & Partial<Pick<DeliveryFunctionDeps, 'retries'>>, endpoint: WebhookEndpoint, event: WebhookEvent, mode: Mode): Promise<WebhookDelivery> {
  const at = mode === 'automatic' ? new Date(event.occurredAt) : deps.now();
  const now = deps.now().toISOString();
  const delivery: WebhookDelivery = {
    id: deliveryIdOf(event.id, endpoint.id, Number.isNaN(at.getTime()) ? deps.now() : at),
    webhookId: endpoint.id,
    tenantId: endpoint.tenantId,
    eventId: event.id,
    eventType: event.type,
    payload: JSON.stringify(event),
    status: 'pending',
    attempts: 0,
    lastResponseCode: null,
    lastError: null,
    nextAttemptAt: now,
    lastAttemptAt: null,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await deps.webhooks.createDelivery(delivery))) {
    const existing = await deps.webhooks.getDelivery(endpoint.id, delivery.id);
    // Recorded, then the function stopped before its first attempt: attempt it now.
    if (existing && existing.status === 'pending' && existing.attempts === 0) return attempt(deps, endpoint, existing, mode);
    return existing ?? delivery;
  }
  return attempt(deps, endpoint, delivery, mode);
}

/** One attempt of a delivery, recorded; an automatic one that fails is scheduled again while the schedule lasts. */
async function attempt(deps: DeliveryDeps & Partial<Pick<DeliveryFunctionDeps, 'retries'>>, endpoint: WebhookEndpoint, delivery: WebhookDelivery, mode: Mode): Promise<WebhookDelivery> {
  const now = deps.now();
  if (mode === 'automatic' && !endpoint.enabled) {
    const stopped: WebhookDelivery = { ...delivery, status: 'failed', nextAttemptAt: null, lastError: 'The endpoint is disabled: no more automatic attempts.', updatedAt: now.toISOString() };
    await deps.webhooks.saveDelivery(stopped);
    return stopped;
  }
  const headers = {
    ...signedHeaders(signingSecrets(endpoint, now), delivery.eventId, now, delivery.payload),
    'content-type': 'application/json',
    'user-agent': 'Fileport-Webhooks/1',
  };
  const outcome: SendOutcome = await deps.sender.send(endpoint.url, headers, delivery.payload);
  const attempts = delivery.attempts + 1;
  const result = {
    attempts,
    lastResponseCode: outcome.status,
    lastError: outcome.ok ? null : outcome.error,
    lastAttemptAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  let next: WebhookDelivery;
  const wait = mode === 'automatic' && !outcome.ok ? retryDelaySeconds(deps.delivery.retrySchedule, attempts) : undefined;
  if (outcome.ok) next = { ...delivery, ...result, status: 'succeeded', nextAttemptAt: null };
  else if (wait === undefined) next = { ...delivery, ...result, status: 'failed', nextAttemptAt: null };
  else {
    const due = new Date(now.getTime() + wait * 1000);
    next = { ...delivery, ...result, status: 'pending', nextAttemptAt: due.toISOString() };
    if (!deps.retries) throw new Error('Automatic attempts need the retry queue');
    // Scheduled before the delivery is saved: a failure between the two repeats an attempt (at
    // least once), never loses the retry.
    const message: RetryMessage = { kind: 'webhook.retry', tenantId: endpoint.tenantId, webhookId: endpoint.id, deliveryId: delivery.id, attempt: attempts + 1, notBefore: due.toISOString() };
    await deps.retries.schedule(message, queueDelaySeconds(due, now));
  }
  await deps.webhooks.saveDelivery(next);
  if (mode === 'automatic') {
    const { disableAfterFailures: after, disableAfterSeconds: failingForSeconds } = deps.delivery;
    const reason = { code: 'CONSECUTIVE_FAILURES' as const, message: `Turned off after ${after} or more consecutive failed attempts; the last: ${result.lastError ?? ''}`, at: now.toISOString() };
    await deps.webhooks.recordOutcome(endpoint.tenantId, endpoint.id, outcome.ok, { after, failingForSeconds, at: now, reason });
  }
  return next;
}

/** A retry message of the delivery function's own queue: deferred again while not due, dropped when its delivery moved on. */
export async function retryDelivery(deps: DeliveryFunctionDeps, message: RetryMessage): Promise<WebhookDelivery | undefined> {
  const now = deps.now();
  const due = new Date(message.notBefore);
  // SQS delays at most 15 minutes: a longer wait comes back early and is deferred again.
  if (due.getTime() - now.getTime() > 1000) {
    await deps.retries.schedule(message, queueDelaySeconds(due, now));
    return undefined;
  }
  const endpoint = await deps.webhooks.get(message.tenantId, message.webhookId);
  if (!endpoint) return undefined;
  const delivery = await deps.webhooks.getDelivery(message.webhookId, message.deliveryId);
  // A duplicate of the message, or the delivery was redelivered by hand meanwhile.
  if (!delivery || delivery.status !== 'pending' || delivery.attempts !== message.attempt - 1) return undefined;
  return attempt(deps, endpoint, delivery, 'automatic');
}

/** `POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver`: one attempt now, with the same `webhook-id` and body. */
export const redeliver = (deps: DeliveryDeps, endpoint: WebhookEndpoint, delivery: WebhookDelivery): Promise<WebhookDelivery> => attempt(deps, endpoint, delivery, 'manual');

/** `POST /v1/webhooks/{id}/test`: a `webhook.test` event, one attempt now, recorded in the endpoint's deliveries. */
export function sendTestEvent(deps: DeliveryDeps, endpoint: WebhookEndpoint): Promise<WebhookDelivery> {
  const event: TestEvent = {
    id: `evt_${randomBytes(16).toString('hex')}`,
    type: TEST_EVENT_TYPE,
    schemaVersion: EVENT_SCHEMA_VERSION,
    tenantId: endpoint.tenantId,
    fileId: null,
    contentVersion: null,
    occurredAt: deps.now().toISOString(),
    data: { webhookId: endpoint.id },
  };
  return deliverNew(deps, endpoint, event, 'test');
}
