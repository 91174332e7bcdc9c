import type { FileportEvent } from '../../../../lambdas/domain/events/model';
import { deliverEvent, retryDelivery, type DeliveryFunctionDeps } from '../../../../lambdas/domain/webhooks/delivery';
import type { RetryMessage, WebhookDelivery, WebhookEndpoint } from '../../../../lambdas/domain/webhooks/model';
import type { DisablePolicy, SendOutcome, WebhookRepository } from '../../../../lambdas/domain/webhooks/ports';

/** The repository's contract in memory: what the delivery logic relies on, without DynamoDB. */
class MemoryWebhooks implements WebhookRepository {
  endpoints = new Map<string, WebhookEndpoint>();
  deliveries = new Map<string, WebhookDelivery>();
  create(endpoint: WebhookEndpoint) {
    this.endpoints.set(endpoint.id, endpoint);
    return Promise.resolve(true);
  }
  get(tenantId: string, id: string) {
    const e = this.endpoints.get(id);
    return Promise.resolve(e?.tenantId === tenantId ? { ...e } : undefined);
  }
  list(tenantId: string) {
    return Promise.resolve([...this.endpoints.values()].filter((e) => e.tenantId === tenantId));
  }
  save(endpoint: WebhookEndpoint) {
    this.endpoints.set(endpoint.id, endpoint);
    return Promise.resolve(true);
  }
  delete(_tenantId: string, id: string) {
    return Promise.resolve(this.endpoints.delete(id));
  }
  recordOutcome(_tenantId: string, id: string, succeeded: boolean, disable: DisablePolicy) {
    const e = this.endpoints.get(id)!;
    e.consecutiveFailures = succeeded ? 0 : e.consecutiveFailures + 1;
    e.failingSince = succeeded ? undefined : (e.failingSince ?? disable.at.toISOString());
    const failingLongEnough = Date.parse(e.failingSince ?? disable.at.toISOString()) <= disable.at.getTime() - disable.failingForSeconds * 1000;
    if (!succeeded && e.enabled && e.consecutiveFailures >= disable.after && failingLongEnough) Object.assign(e, { enabled: false, disabledReason: disable.reason });
    return Promise.resolve({ ...e });
  }
  createDelivery(d: WebhookDelivery) {
    if (this.deliveries.has(d.id)) return Promise.resolve(false);
    this.deliveries.set(d.id, d);
    return Promise.resolve(true);
  }
  getDelivery(_webhookId: string, id: string) {
    return Promise.resolve(this.deliveries.get(id));
  }
  saveDelivery(d: WebhookDelivery) {
    this.deliveries.set(d.id, d);
    return Promise.resolve();
  }
  listDeliveries() {
    return Promise.resolve({ items: [...this.deliveries.values()], last: null });
  }
}

const T0 = new Date('2026-03-01T12:00:00Z');

function setup(answers: SendOutcome[], policy = { retrySchedule: [5, 3600], disableAfterFailures: 3, disableAfterSeconds: 0 }) {
  const webhooks = new MemoryWebhooks();
  let now = T0;
  const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
  const scheduled: { message: RetryMessage; delaySeconds: number }[] = [];
  const deps: DeliveryFunctionDeps = {
    webhooks,
    now: () => now,
    delivery: policy,
    sender: {
      send: (url, headers, body) => {
        sent.push({ url, headers, body });
        return Promise.resolve(answers.shift() ?? { ok: true, status: 200 });
      },
    },
    retries: {
      schedule: (message, delaySeconds) => {
        scheduled.push({ message, delaySeconds });
        return Promise.resolve();
      },
    },
  };
  const endpoint: WebhookEndpoint = {
    id: 'wh_000000000000000000000001',
    tenantId: 't1',
    url: 'https://hooks.example.com/',
    eventTypes: ['file.ready'],
    description: null,
    enabled: true,
    disabledReason: null,
    secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
    previousSecrets: [],
    consecutiveFailures: 0,
    createdAt: T0.toISOString(),
    createdBy: 'u',
    updatedAt: T0.toISOString(),
  };
  webhooks.endpoints.set(endpoint.id, endpoint);
  return { deps, webhooks, sent, scheduled, endpoint, at: (seconds: number) => (now = new Date(T0.getTime() + seconds * 1000)) };
}

const event = (type: FileportEvent['type'] = 'file.ready', tenantId = 't1'): FileportEvent =>
  ({ id: `evt_${type}`, type, schemaVersion: 1, tenantId, fileId: 'f1', contentVersion: 1, occurredAt: T0.toISOString(), data: {} }) as FileportEvent;

const failed = (status = 500): SendOutcome => ({ ok: false, status, error: `HTTP ${status}.` });

describe('webhook delivery', () => {
  it('delivers only to endpoints of the event’s tenant subscribed to its type, and only once per event', async () => {
    const { deps, sent } = setup([]);
    await deliverEvent(deps, event('file.deleted'));
    await deliverEvent(deps, event('file.ready', 't2'));
    expect(sent).toHaveLength(0);
    const [first] = await deliverEvent(deps, event());
    expect(first).toMatchObject({ status: 'succeeded', attempts: 1, lastResponseCode: 200 });
    // SQS delivers the same bus event again: the delivery exists, nothing is sent again.
    await deliverEvent(deps, event());
    expect(sent).toHaveLength(1);
  });

  it('schedules a failed attempt again by the schedule, deferring waits longer than SQS holds a message', async () => {
    const { deps, scheduled, at, webhooks } = setup([failed(), failed()]);
    const [delivery] = await deliverEvent(deps, event());
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastResponseCode: 500, nextAttemptAt: '2026-03-01T12:00:05.000Z' });
    expect(scheduled).toEqual([{ message: expect.objectContaining({ attempt: 2, notBefore: '2026-03-01T12:00:05.000Z' }), delaySeconds: 5 }]);

    at(5);
    await retryDelivery(deps, scheduled[0]!.message);
    // Second failure: the next wait is an hour, SQS holds 15 minutes at most.
    expect(scheduled[1]).toEqual({ message: expect.objectContaining({ attempt: 3, notBefore: '2026-03-01T13:00:05.000Z' }), delaySeconds: 900 });
    at(5 + 900);
    expect(await retryDelivery(deps, scheduled[1]!.message)).toBeUndefined();
    expect(scheduled[2]).toEqual({ message: scheduled[1]!.message, delaySeconds: 900 });
    expect(webhooks.deliveries.get(delivery!.id)!.attempts).toBe(2);
    at(3605);
    const done = await retryDelivery(deps, scheduled[1]!.message);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 3, lastResponseCode: 200, nextAttemptAt: null });
  });

  it('drops a duplicate retry message, and one for a delivery that moved on', async () => {
    const { deps, scheduled, sent, at } = setup([failed()]);
    await deliverEvent(deps, event());
    at(5);
    await retryDelivery(deps, scheduled[0]!.message);
    await retryDelivery(deps, scheduled[0]!.message);
    expect(sent).toHaveLength(2);
  });

  it('fails a delivery once the schedule is spent, with the last answer', async () => {
    const { deps, scheduled, at } = setup([failed(502), failed(503), failed(504)], { retrySchedule: [5, 3600], disableAfterFailures: 10, disableAfterSeconds: 0 });
    await deliverEvent(deps, event());
    at(5);
    await retryDelivery(deps, scheduled[0]!.message);
    at(3605);
    const last = await retryDelivery(deps, scheduled[1]!.message);
    expect(last).toMatchObject({ status: 'failed', attempts: 3, lastResponseCode: 504, lastError: 'HTTP 504.', nextAttemptAt: null });
    expect(scheduled).toHaveLength(2);
  });

  it('turns an endpoint off after the configured run of failures, then stops its pending deliveries', async () => {
    const { deps, webhooks, endpoint, scheduled, sent, at } = setup([failed(), failed(), failed()], { retrySchedule: [5, 5, 5], disableAfterFailures: 3, disableAfterSeconds: 0 });
    await deliverEvent(deps, event('file.ready'));
    at(5);
    await retryDelivery(deps, scheduled[0]!.message);
    expect(webhooks.endpoints.get(endpoint.id)!.enabled).toBe(true);
    at(10);
    await retryDelivery(deps, scheduled[1]!.message);
    expect(webhooks.endpoints.get(endpoint.id)).toMatchObject({ enabled: false, disabledReason: { code: 'CONSECUTIVE_FAILURES' } });
    at(15);
    const stopped = await retryDelivery(deps, scheduled[2]!.message);
    expect(stopped).toMatchObject({ status: 'failed', attempts: 3, nextAttemptAt: null, lastError: expect.stringMatching(/disabled/) });
    expect(sent).toHaveLength(3);
  });

  it('does not turn off an endpoint whose failures began less than disableAfterSeconds ago', async () => {
    const { deps, webhooks, endpoint, scheduled, at } = setup([failed(), failed(), failed()], { retrySchedule: [5, 5, 5], disableAfterFailures: 2, disableAfterSeconds: 3600 });
    await deliverEvent(deps, event());
    at(5);
    await retryDelivery(deps, scheduled[0]!.message);
    expect(webhooks.endpoints.get(endpoint.id)!.enabled).toBe(true);
  });

  it('signs every attempt with the event id, so receivers deduplicate on webhook-id', async () => {
    const { deps, sent, scheduled, at } = setup([failed()]);
    await deliverEvent(deps, event());
    at(5);
    await retryDelivery(deps, scheduled[0]!.message);
    expect(sent.map((s) => s.headers['webhook-id'])).toEqual(['evt_file.ready', 'evt_file.ready']);
    expect(sent[0]!.body).toBe(sent[1]!.body);
    expect(sent[0]!.headers['webhook-timestamp']).not.toBe(sent[1]!.headers['webhook-timestamp']);
  });
});
