import type { EventType } from '../events/model';

/**
 * Tenant webhooks (issue 15 §2): endpoints a tenant admin registers, and the deliveries of events
 * to them, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
 */

/** The event a `POST /v1/webhooks/{id}/test` sends: not a file event, never on the bus. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Why an endpoint was turned off by the service (an admin turns it on again with PATCH `enabled: true`). */
export interface DisabledReason {
  code: 'CONSECUTIVE_FAILURES';
  message: string;
  at: string;
}

/** A secret that still signs after a rotation, until `expiresAt`. */
export interface PreviousSecret {
  secret: string;
  expiresAt: string;
}

export interface WebhookEndpoint {
  /** `wh_…` */
  id: string;
  tenantId: string;
  url: string;
  eventTypes: EventType[];
  description: string | null;
  enabled: boolean;
  disabledReason: DisabledReason | null;
  /** `whsec_` + base64 of 24 random bytes: shown when created and when rotated, never in another answer or a log. */
  secret: string;
  /** Secrets rotated away that still sign (each delivery carries a signature per live secret) until they expire. */
  previousSecrets: PreviousSecret[];
  /** Failed attempts since the last successful one (the automatic disabling counts these). */
  consecutiveFailures: number;
  /** When the run of failures began; absent when the last attempt succeeded. */
  failingSince?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDelivery {
  /** `dlv_<time>…`: sorts by when the delivery was created. */
  id: string;
  webhookId: string;
  tenantId: string;
  /** The event's id: the `webhook-id` of every attempt, so receivers deduplicate on it. */
  eventId: string;
  eventType: string;
  /** The exact body every attempt sends (the event's JSON), so redeliveries carry the same bytes. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  lastResponseCode: number | null;
  lastError: string | null;
  /** When the next automatic attempt is due; null when none is scheduled. */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What the delivery function is told to do again later (an SQS message of its own queue). */
export interface RetryMessage {
  kind: 'webhook.retry';
  tenantId: string;
  webhookId: string;
  deliveryId: string;
  /** The attempt this message is for (2 for the first retry). */
  attempt: number;
  /** Not before this time (ISO-8601): SQS delays at most 15 minutes, longer waits are deferred again. */
  notBefore: string;
}
