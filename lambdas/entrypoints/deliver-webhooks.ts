import type { SQSRecord } from 'aws-lambda';
import { webhookDeliveryServices } from '../composition';
import { EVENT_SOURCE, eventTypes, type FileportEvent } from '../domain/events/model';
import { deliverEvent, retryDelivery, type DeliveryFunctionDeps } from '../domain/webhooks/delivery';
import type { RetryMessage } from '../domain/webhooks/model';
import { log, withLogContext } from '../log';
import { sqsBatch } from './sqs-batch';

/**
 * What the delivery queue carries: the events the bus's rule sends (an EventBridge event, the
 * FileportEvent in `detail`), and this function's own retries.
 */
export function messageOf(body: string): { event: FileportEvent } | { retry: RetryMessage } {
  const value = JSON.parse(body) as Record<string, unknown>;
  if (value.kind === 'webhook.retry') return { retry: value as unknown as RetryMessage };
  const detail = value.detail as Partial<FileportEvent> | undefined;
  if (value.source !== EVENT_SOURCE || typeof detail !== 'object' || detail === null) throw new Error('Not a Fileport event nor a webhook retry');
  if (typeof detail.id !== 'string' || typeof detail.tenantId !== 'string' || !eventTypes.includes(detail.type as never)) throw new Error('A Fileport event without id, tenant or known type');
  return { event: detail as FileportEvent };
}

/**
 * The webhook delivery function: fans each event out to its tenant's subscribed endpoints and
 * attempts each delivery; retries come back through its own queue. A message that fails (storage,
 * not a receiver: a receiver's failure is a scheduled retry) is retried by SQS, then dead-lettered.
 */
export function createDeliveryHandler(deps: () => DeliveryFunctionDeps) {
  return sqsBatch('Webhook delivery', async (record: SQSRecord) => {
    const message = messageOf(record.body);
    if ('retry' in message) {
      const { webhookId, deliveryId, attempt } = message.retry;
      await withLogContext({ webhookId, deliveryId, attempt }, async () => {
        const delivery = await retryDelivery(deps(), message.retry);
        log('info', delivery ? 'Webhook delivery retried' : 'Webhook retry deferred or no longer due', delivery && { status: delivery.status, lastResponseCode: delivery.lastResponseCode });
      });
      return;
    }
    const { id: eventId, type, tenantId } = message.event;
    await withLogContext({ eventId, eventType: type, tenantId }, async () => {
      const deliveries = await deliverEvent(deps(), message.event);
      log('info', 'Webhook event delivered', { deliveries: deliveries.map((d) => ({ id: d.id, webhookId: d.webhookId, status: d.status })) });
    });
  });
}

export const handler = createDeliveryHandler(webhookDeliveryServices);
