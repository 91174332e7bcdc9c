import * as z from '../validation';
import { eventTypes } from '../domain/events/model';
import { redeliver, sendTestEvent } from '../domain/webhooks/delivery';
import {
  createWebhook as create,
  deleteWebhook as remove,
  getDelivery,
  getWebhook as get,
  listWebhooks as list,
  MAX_ROTATION_GRACE_SECONDS,
  rotateWebhookSecret,
  toApiDelivery,
  toApiWebhook,
  toApiWebhookWithSecret,
  updateWebhook as update,
} from '../domain/webhooks/webhooks';
import { MAX_WEBHOOK_URL_LENGTH } from '../domain/webhooks/targets';
import type { WebhookServices } from '../composition';
import { FileportError } from '../errors';
import { json, noContent, parseBody, parseQuery, pathParam, type RouteHandler } from '../http/request';

/** `wh_` and 24 hex digits; any other value is a 404, as an id of another tenant is. */
export const webhookId = z.string().check(z.regex(/^wh_[0-9a-f]{24}$/, 'must be a webhook id (wh_…)'));
export const deliveryId = z.string().check(z.regex(/^dlv_[0-9a-z]{9}[0-9a-f]{20}$/, 'must be a delivery id (dlv_…)'));

const subscribed = z.array(z.enum(eventTypes)).check(
  z.minLength(1),
  z.refine((types) => new Set(types).size === types.length, 'must not name an event type twice'),
);
// Length first, so a huge value is refused before it is parsed as a URL.
const url = z.string().check(z.minLength(1), z.maxLength(MAX_WEBHOOK_URL_LENGTH));
const description = z.string().check(z.maxLength(500));

export const newWebhook = z.strictObject({
  url,
  eventTypes: subscribed,
  description: z.optional(description),
  enabled: z.optional(z.boolean()),
});

export const webhookChanges = z.strictObject({
  url: z.optional(url),
  eventTypes: z.optional(subscribed),
  description: z.optional(z.nullable(description)),
  enabled: z.optional(z.boolean()),
});

export const rotation = z.strictObject({
  /** How long the secret replaced keeps signing beside the new one; 0: not at all. */
  graceSeconds: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_ROTATION_GRACE_SECONDS))),
});

export const deliveriesQuery = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

/** A path id that cannot be one is a 404, not a 400: the same answer as another tenant's webhook. */
function idOf(request: Parameters<RouteHandler>[0]): string {
  const id = pathParam(request, 'id');
  if (!webhookId.safeParse(id).success) throw new FileportError('WEBHOOK_NOT_FOUND', `Webhook ${id} was not found.`);
  return id;
}

function deliveryIdOf(request: Parameters<RouteHandler>[0]): string {
  const id = pathParam(request, 'deliveryId');
  if (!deliveryId.safeParse(id).success) throw new FileportError('WEBHOOK_DELIVERY_NOT_FOUND', `Delivery ${id} of this webhook was not found.`);
  return id;
}

const noStore = { 'cache-control': 'no-store' };

export const createWebhook: RouteHandler<WebhookServices> = async (request) => {
  const input = parseBody(request, newWebhook);
  const endpoint = await create(request.services, request.principal.tenantId, request.principal.userId, input);
  return json(201, toApiWebhookWithSecret(endpoint), { ...noStore, location: `/v1/webhooks/${endpoint.id}` });
};

export const listWebhooks: RouteHandler<WebhookServices> = async (request) => {
  const items = await list(request.services, request.principal.tenantId);
  return json(200, { items: items.map(toApiWebhook) });
};

export const getWebhook: RouteHandler<WebhookServices> = async (request) =>
  json(200, toApiWebhook(await get(request.services, request.principal.tenantId, idOf(request))));

export const updateWebhook: RouteHandler<WebhookServices> = async (request) => {
  const id = idOf(request);
  const changes = parseBody(request, webhookChanges);
  return json(200, toApiWebhook(await update(request.services, request.principal.tenantId, id, changes)));
};

export const deleteWebhook: RouteHandler<WebhookServices> = async (request) => {
  await remove(request.services, request.principal.tenantId, idOf(request));
  return noContent();
};

export const rotateSecret: RouteHandler<WebhookServices> = async (request) => {
  const id = idOf(request);
  const { graceSeconds } = parseBody(request, rotation, { optional: true });
  const endpoint = await rotateWebhookSecret(request.services, request.principal.tenantId, id, graceSeconds);
  return json(200, toApiWebhookWithSecret(endpoint), noStore);
};

export const testWebhook: RouteHandler<WebhookServices> = async (request) => {
  const endpoint = await get(request.services, request.principal.tenantId, idOf(request));
  return json(200, toApiDelivery(await sendTestEvent(request.services, endpoint)));
};

export const listDeliveries: RouteHandler<WebhookServices> = async (request) => {
  const id = idOf(request);
  const query = parseQuery(request, deliveriesQuery);
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!deliveryId.safeParse(after).success) throw new FileportError('INVALID_CURSOR', 'query.cursor: not a cursor this list issued.');
  }
  await get(request.services, request.principal.tenantId, id);
  const page = await request.services.webhooks.listDeliveries(id, { limit: query.limit, after });
  return json(200, { items: page.items.map(toApiDelivery), nextCursor: page.last === null ? null : Buffer.from(page.last).toString('base64url') });
};

export const redeliverDelivery: RouteHandler<WebhookServices> = async (request) => {
  const { endpoint, delivery } = await getDelivery(request.services, request.principal.tenantId, idOf(request), deliveryIdOf(request));
  return json(200, toApiDelivery(await redeliver(request.services, endpoint, delivery)));
};
