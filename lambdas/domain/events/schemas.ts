/**
 * The JSON schema of each event type (schema version `EVENT_SCHEMA_VERSION`), written once as zod
 * and turned into JSON Schema 2020-12 for the OpenAPI document's `webhooks` (scripts/openapi.ts)
 * and for receivers (`eventJsonSchemas`). Objects accept fields they do not name: a new field is
 * not a new schema version (lambdas/domain/events/model.ts). Not imported by any Lambda: the
 * publisher emits what the types allow, and test/unit/domain/events checks it against these.
 */
import * as z from '../../validation';
import { EVENT_SCHEMA_VERSION, eventTypes, type EventType, type FileportEvent } from './model';

/** Shared by every event type; the OpenAPI document names them as components. */
export const timestamp = z.string().check(z.iso.datetime({ offset: true }));
const fileStatus = z.enum(['pending', 'processing', 'ready', 'failed']);
const version = z.number().check(z.int(), z.minimum(1));

export const eventFile = z.looseObject({
  id: z.string(),
  name: z.string(),
  fileTypeId: z.string(),
  status: fileStatus,
  size: z.nullable(z.number().check(z.int(), z.minimum(0))),
  checksumSha256: z.nullable(z.string()),
  tags: z.array(z.string()),
  links: z.array(z.looseObject({ type: z.string(), id: z.string() })),
  externalId: z.nullable(z.string()),
  accessControl: z.enum(['private', 'public']),
  updatedAt: timestamp,
});

const error = z.looseObject({ code: z.string().check(z.regex(/^[A-Z][A-Z0-9_]*$/)), message: z.string() });

const data = {
  'file.created': z.looseObject({ file: eventFile, createdBy: z.string() }),
  'file.uploaded': z.looseObject({ file: eventFile, version, uploadedBy: z.nullable(z.string()), uploadedAt: timestamp }),
  'file.ready': z.looseObject({ file: eventFile, version }),
  'file.failed': z.looseObject({ file: eventFile, version: z.nullable(version), error }),
  'file.updated': z.looseObject({ file: eventFile, changed: z.array(z.enum(['name', 'tags', 'links', 'externalId', 'accessControl', 'expiresAt'])).check(z.minLength(1)) }),
  'file.deleted': z.looseObject({ fileId: z.string() }),
  'version.added': z.looseObject({ file: eventFile, version }),
  'scan.completed': z.looseObject({ file: eventFile, version, scan: z.looseObject({ status: z.enum(['clean', 'infected', 'failed', 'skipped']) }) }),
  'share-token.created': z.looseObject({ tokenId: z.string(), accessLevel: z.enum(['read', 'full', 'upload']), expiresAt: z.nullable(timestamp), createdBy: z.string() }),
  'share-token.deleted': z.looseObject({ tokenId: z.string() }),
} satisfies Record<EventType, z.ZodMiniType>;

/** What each type is, for the schema's description (the README lists the same). */
export const eventDescriptions: Record<EventType, string> = {
  'file.created': 'A file was created (it waits for its content, or was copied with it).',
  'file.uploaded': 'Content arrived for a file: a new version began processing. Emitted for every upload, the first included.',
  'file.ready': 'A version was processed and is the file’s current content.',
  'file.failed': 'A version (or, with `version` null, the file) failed: `error.code` says why (e.g. CHECKSUM_MISMATCH, FILE_TOO_LARGE, MALWARE_FOUND).',
  'file.updated': 'The file’s metadata changed: `changed` names the fields (name, tags, links, externalId, accessControl, expiresAt).',
  'file.deleted': 'The file is gone: deleted, or expired before any content arrived.',
  'version.added': 'A version beyond the first arrived (version ≥ 2): the file got new content beside or instead of what it had. Follows that version’s `file.uploaded`.',
  'scan.completed': 'The malware scan of a version ended: clean, infected (the version then fails with MALWARE_FOUND) or failed.',
  'share-token.created': 'A share token (or upload link) was created; `fileId` is null for a drop box.',
  'share-token.deleted': 'A share token was deleted, expired, or went with its file.',
};

/** The zod schema of a whole event of a type: the envelope with that type's data. */
export const eventSchemas = Object.fromEntries(
  eventTypes.map((type) => [
    type,
    z.looseObject({
      id: z.string().check(z.regex(/^evt_[0-9a-f]{32}$/)),
      type: z.literal(type),
      schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
      tenantId: z.string().check(z.minLength(1)),
      fileId: type.startsWith('share-token.') ? z.nullable(z.string()) : z.string(),
      contentVersion: z.nullable(version),
      occurredAt: timestamp,
      data: data[type],
    }),
  ]),
) as unknown as Record<EventType, z.ZodMiniType<FileportEvent>>;

/** Each type's JSON Schema (2020-12), with `$id` `fileport:event:<type>:v<version>`. */
export function eventJsonSchemas(): Record<EventType, Record<string, unknown>> {
  return Object.fromEntries(
    eventTypes.map((type) => {
      const { $schema: _s, ...schema } = z.toJSONSchema(eventSchemas[type], { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
      return [type, { $id: `fileport:event:${type}:v${EVENT_SCHEMA_VERSION}`, title: type, description: eventDescriptions[type], ...schema }];
    }),
  ) as unknown as Record<EventType, Record<string, unknown>>;
}
