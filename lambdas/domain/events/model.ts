/**
 * Fileport's events: what happened to a tenant's files, told to the world (issue 15).
 *
 * This module is the contract between the three parts that meet here:
 * - the publisher, which derives events from durable changes of the table (DynamoDB Streams) and
 *   puts them on the deployment's EventBridge bus (locally: the local bus);
 * - tenant webhooks, which receive them from the bus (a rule → SQS → the delivery function) and
 *   deliver them signed per Standard Webhooks;
 * - malware scanning, whose results change a version's `scan` and so emit `scan.completed`.
 *
 * An event is emitted only for a change that is durable (it is read from the table's stream), and
 * never lost for one that is: the stream keeps it until the publisher has put it on the bus.
 */

/** Every event type, in the order a file's life meets them. */
export const eventTypes = [
  'file.created',
  'file.uploaded',
  'file.ready',
  'file.failed',
  'file.updated',
  'file.deleted',
  'version.added',
  'scan.completed',
  'share-token.created',
  'share-token.deleted',
] as const;
export type EventType = (typeof eventTypes)[number];

/** The version of each event's schema: bumped when a field changes meaning or goes away (new fields do not bump it). */
export const EVENT_SCHEMA_VERSION = 1;

/** The EventBridge `source` of every Fileport event; its `detail-type` is the event's `type`. */
export const EVENT_SOURCE = 'fileport';

/** What a version's malware scan found; `skipped` when the deployment scans nothing. */
export type ScanStatus = 'pending' | 'clean' | 'infected' | 'failed' | 'skipped';

/**
 * One event, exactly as the bus carries it in `detail` and as a webhook's body carries it. Fields are
 * never renamed within a schema version.
 */
export interface FileportEvent<T extends EventType = EventType> {
  /**
   * `evt_…`, stable across redeliveries and re-publishes of the same change (derived from the
   * stream record and the type), so receivers can deduplicate on it (it is the `webhook-id`).
   */
  id: string;
  type: T;
  /** `EVENT_SCHEMA_VERSION` when it was emitted. */
  schemaVersion: number;
  tenantId: string;
  /** Null only for the share-token events of a drop box (an upload link bound to no file). */
  fileId: string | null;
  /** The file's content version the event is about (`versions[].version`); null when the file has no content yet. */
  contentVersion: number | null;
  /** When the change was written (ISO-8601), not when it was published. */
  occurredAt: string;
  data: EventData[T];
}

/** The file as events show it: the public fields that matter to a receiver, never keys or internals. */
export interface EventFile {
  id: string;
  name: string;
  fileTypeId: string;
  status: 'pending' | 'processing' | 'ready' | 'failed';
  size: number | null;
  checksumSha256: string | null;
  tags: string[];
  links: { type: string; id: string }[];
  externalId: string | null;
  accessControl: 'private' | 'public';
  updatedAt: string;
}

export interface EventData {
  'file.created': { file: EventFile; createdBy: string };
  /** Content arrived in S3 (a new version begins processing). */
  'file.uploaded': { file: EventFile; version: number; uploadedBy: string | null; uploadedAt: string };
  'file.ready': { file: EventFile; version: number };
  'file.failed': { file: EventFile; version: number | null; error: { code: string; message: string } };
  /** Metadata changed (name, tags, links, external id, access control, expiry): the fields that changed. */
  'file.updated': { file: EventFile; changed: string[] };
  'file.deleted': { fileId: string };
  'version.added': { file: EventFile; version: number };
  'scan.completed': { file: EventFile; version: number; scan: { status: Exclude<ScanStatus, 'pending'> } };
  'share-token.created': { tokenId: string; accessLevel: 'read' | 'full' | 'upload'; expiresAt: string | null; createdBy: string };
  'share-token.deleted': { tokenId: string };
}

/** Where the publisher puts events: EventBridge deployed, the local bus locally (same adapter, another endpoint). */
export interface EventBus {
  /** All or nothing from the caller's view: throws when any event was not accepted, so the stream retries the batch. */
  publish(events: FileportEvent[]): Promise<void>;
}
