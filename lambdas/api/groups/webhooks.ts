import { webhookServices } from '../../composition';
import type { RouteErrors } from '../../errors';
import {
  createWebhook,
  deleteWebhook,
  deliveriesQuery,
  deliveryId,
  getWebhook,
  listDeliveries,
  listWebhooks,
  newWebhook,
  redeliverDelivery,
  rotateSecret,
  rotation,
  testWebhook,
  updateWebhook,
  webhookChanges,
  webhookId,
} from '../../handlers/webhooks';
import { memberRoute, routeGroup, type Param } from '../route';

const id: Param = { schema: webhookId, description: 'The webhook id (`wh_…`); another tenant’s, or any other value, is a 404 WEBHOOK_NOT_FOUND.' };
const delivery: Param = { schema: deliveryId, description: 'The delivery id (`dlv_…`), from the deliveries list or a test’s answer.' };
const notFound = { 404: ['WEBHOOK_NOT_FOUND'] } as const satisfies RouteErrors;
const badUrl = { codes: ['INVALID_WEBHOOK_URL'], text: 'INVALID_WEBHOOK_URL naming why the URL is refused (https only; no private, loopback, link-local or metadata address; no internal name).' } as const;

/**
 * Tenant webhooks: an admin's. Deliveries follow Standard Webhooks; the delivery function
 * (lambdas/entrypoints/deliver-webhooks.ts) sends the bus's events, this group test events and
 * redeliveries, at once.
 */
export const webhooks = routeGroup(
  'webhooks',
  {
    description: 'Fileport API: tenant webhooks (endpoints, secrets, deliveries, test events and redeliveries)',
    services: webhookServices,
    // A test event or a redelivery waits for the receiver, 10 s at most.
    timeoutSeconds: 15,
    needs: {
      // Endpoints and the tenant's count of them (created and deleted in transactions: Put, Update,
      // Delete), their deliveries (Put, Get), each list a Query of one partition.
      table: { items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], query: ['table'] },
      // Only names the bucket (the configuration requires it); it touches no object.
      objects: [],
    },
  },
  {
    createWebhook: memberRoute({
      method: 'POST',
      path: '/v1/webhooks',
      scope: 'files:admin',
      handle: createWebhook,
      summary: 'Register a webhook endpoint',
      description:
        'Fileport posts each event of the types in `eventTypes` to `url`, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the `secret` of this answer, which no other answer shows. `url` must be https (locally, http to 127.0.0.1 too) and must not point at a private, loopback, link-local or metadata address; names are resolved and checked again at every attempt.',
      body: { schema: newWebhook, required: true },
      answers: { 201: { description: 'The endpoint, with its secret (shown once).', schema: 'webhookWithSecret', headers: ['Location', 'Cache-Control'] } },
      errors: { 400: badUrl, 409: ['WEBHOOK_LIMIT'] },
    }),
    listWebhooks: memberRoute({
      method: 'GET',
      path: '/v1/webhooks',
      scope: 'files:admin',
      handle: listWebhooks,
      summary: 'List the tenant’s webhook endpoints',
      answers: { 200: { description: 'Every endpoint, oldest first, without secrets.', schema: 'webhookList' } },
    }),
    getWebhook: memberRoute({
      method: 'GET',
      path: '/v1/webhooks/{id}',
      scope: 'files:admin',
      handle: getWebhook,
      summary: 'Get a webhook endpoint',
      params: { id },
      answers: { 200: { description: 'The endpoint, without its secret.', schema: 'webhook' } },
      errors: notFound,
    }),
    updateWebhook: memberRoute({
      method: 'PATCH',
      path: '/v1/webhooks/{id}',
      scope: 'files:admin',
      handle: updateWebhook,
      summary: 'Change a webhook endpoint',
      description: 'The fields given replace the endpoint’s. `enabled: true` turns on an endpoint Fileport turned off after failures (`disabledReason`), with a clean slate.',
      params: { id },
      body: { schema: webhookChanges, required: true },
      answers: { 200: { description: 'The changed endpoint.', schema: 'webhook' } },
      errors: { 400: badUrl, ...notFound },
    }),
    deleteWebhook: memberRoute({
      method: 'DELETE',
      path: '/v1/webhooks/{id}',
      scope: 'files:admin',
      handle: deleteWebhook,
      summary: 'Delete a webhook endpoint',
      description: 'No event is delivered to it from then on, retries included.',
      params: { id },
      answers: { 204: { description: 'Deleted.' } },
      errors: notFound,
    }),
    rotateWebhookSecret: memberRoute({
      method: 'POST',
      path: '/v1/webhooks/{id}/rotate-secret',
      scope: 'files:admin',
      handle: rotateSecret,
      summary: 'Give a webhook endpoint a new secret',
      description:
        'The old secret keeps signing beside the new one for `graceSeconds` (default 86400, a day; 0: not at all), so receivers can switch without refusing deliveries: each delivery meanwhile carries a signature per secret in `webhook-signature`.',
      params: { id },
      body: { schema: rotation, required: false },
      answers: { 200: { description: 'The endpoint, with its new secret (shown once).', schema: 'webhookWithSecret', headers: ['Cache-Control'] } },
      errors: notFound,
    }),
    testWebhook: memberRoute({
      method: 'POST',
      path: '/v1/webhooks/{id}/test',
      scope: 'files:admin',
      handle: testWebhook,
      summary: 'Send a test event to a webhook endpoint now',
      description: 'A `webhook.test` event, attempted once now (disabled endpoints too), recorded in the deliveries; the answer says how it went.',
      params: { id },
      answers: { 200: { description: 'The delivery, after its attempt.', schema: 'webhookDelivery' } },
      errors: notFound,
    }),
    listWebhookDeliveries: memberRoute({
      method: 'GET',
      path: '/v1/webhooks/{id}/deliveries',
      scope: 'files:admin',
      handle: listDeliveries,
      summary: 'A webhook endpoint’s deliveries, newest first',
      description: 'Deliveries are kept 30 days.',
      params: { id },
      query: deliveriesQuery,
      answers: { 200: { description: 'A page of deliveries; `nextCursor` continues it, null at the end.', schema: 'webhookDeliveryPage' } },
      errors: { 400: ['INVALID_CURSOR'], ...notFound },
    }),
    redeliverWebhookDelivery: memberRoute({
      method: 'POST',
      path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
      scope: 'files:admin',
      handle: redeliverDelivery,
      summary: 'Deliver an event again, now',
      description: 'One attempt now, with the same `webhook-id` and body as before (receivers deduplicate on it); automatic retries of the delivery stop.',
      params: { id, deliveryId: delivery },
      answers: { 200: { description: 'The delivery, after the attempt.', schema: 'webhookDelivery' } },
      errors: { 404: ['WEBHOOK_NOT_FOUND', 'WEBHOOK_DELIVERY_NOT_FOUND'] },
    }),
  },
);
