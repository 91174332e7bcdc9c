import { createHash } from 'node:crypto';
import { currentVersion, type FileRecord, type FileVersion, type ShareToken } from '../model';
import { EVENT_SCHEMA_VERSION, type EventData, type EventFile, type EventType, type FileportEvent } from './model';

/**
 * One durable change of an item events are told of, as the table's stream reports it: the item
 * before and after the write (a creation has no `before`, a removal no `after`). Items of no
 * interest (index items, counters, settings, webhooks) never become a change
 * (lambdas/adapters/stream-records.ts).
 */
export type Change = ({ kind: 'file' } & Images<FileRecord>) | ({ kind: 'share-token' } & Images<ShareToken>);

interface Images<T> {
  /** The stream record's `eventID`: unique per change, the same when the record is delivered again. */
  id: string;
  /** When the change was written, as the stream says (ApproximateCreationDateTime): the time of a removal. */
  at: string;
  before: T | undefined;
  after: T | undefined;
}

/** The fields a `file.updated` names: what a member changes through the API (and a temporary file's expiry). */
export const updatableFields = ['name', 'tags', 'links', 'externalId', 'accessControl', 'expiresAt'] as const satisfies readonly (keyof FileRecord)[];

/** Scan results a receiver is told of: the scan ran to an end. `skipped` is no scan, `pending` none yet. */
const SCAN_RESULTS = new Set(['clean', 'infected', 'failed']);

/**
 * The events one change means, in a fixed order (receivers see them in this order, after those of
 * every earlier change of the same item):
 *
 * file created:  `file.created`, then what the file's versions say (a copy is created with content);
 * file changed:  per version, oldest first, that is new or changed:
 *                  `file.uploaded`   a version appeared: content arrived (every upload, the first included);
 *                  `version.added`   …and it is not the file's first version (its number is 2 or more):
 *                                    the file got content beside or instead of what it had;
 *                  `scan.completed`  its scan went from pending (or none) to clean, infected or failed;
 *                  `file.ready`      it became ready and is the current version;
 *                  `file.failed`     it failed (with its error's code and message);
 *                then `file.failed` with no version for a file that turned failed without a failed
 *                version, then `file.updated` naming the metadata fields that changed (an expiry that
 *                ends because content arrived is told by `file.uploaded`, not as an update);
 * file removed:  `file.deleted` (deleted by a member, or expired while it waited for content);
 * share token:   `share-token.created` when its item is written, `share-token.deleted` when it goes
 *                (deleted, expired, or gone with its file); changes of its use counters are none.
 */
export function eventsOfChange(change: Change): FileportEvent[] {
  const drafts = change.kind === 'file' ? fileEvents(change) : tokenEvents(change);
  return drafts.map((draft, index) => ({
    id: eventId(change.id, draft.type, index),
    type: draft.type,
    schemaVersion: EVENT_SCHEMA_VERSION,
    tenantId: draft.tenantId,
    fileId: draft.fileId,
    contentVersion: draft.contentVersion,
    occurredAt: draft.occurredAt,
    data: draft.data,
  }));
}

/** `evt_` and 32 hex digits of a hash of the stream record, type and position: a re-publish of the same record gives the same ids. */
export const eventId = (recordId: string, type: EventType, index: number): string =>
  `evt_${createHash('sha256').update(`${recordId}\n${type}\n${index}`).digest('hex').slice(0, 32)}`;

type Draft = { [T in EventType]: { type: T; data: EventData[T]; tenantId: string; fileId: string | null; contentVersion: number | null; occurredAt: string } }[EventType];

/** The file as an event shows it (lambdas/domain/events/model.ts EventFile). */
export const eventFile = (file: FileRecord): EventFile => ({
  id: file.id,
  name: file.name,
  fileTypeId: file.fileTypeId,
  status: file.status,
  size: file.size,
  checksumSha256: file.checksumSha256,
  tags: file.tags,
  links: file.links,
  externalId: file.externalId,
  accessControl: file.accessControl,
  updatedAt: file.updatedAt,
});

/**
 * When an item was removed: the stream's time, which is rounded down (to the second by DynamoDB, to
 * the minute by DynamoDB Local), so never before the item's last write: a removal comes after it.
 */
const removedAt = (streamTime: string, lastWrite: string): string => (Date.parse(streamTime) >= Date.parse(lastWrite) ? streamTime : lastWrite);

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function fileEvents(change: Extract<Change, { kind: 'file' }>): Draft[] {
  const { before, after } = change;
  if (!after) {
    if (!before) return [];
    return [{ type: 'file.deleted', data: { fileId: before.id }, tenantId: before.tenantId, fileId: before.id, contentVersion: currentVersion(before)?.version ?? null, occurredAt: removedAt(change.at, before.updatedAt) }];
  }
  const file = eventFile(after);
  const base = { tenantId: after.tenantId, fileId: after.id, occurredAt: after.updatedAt };
  const current = currentVersion(after)?.version ?? null;
  const drafts: Draft[] = [];
  if (!before) drafts.push({ type: 'file.created', data: { file, createdBy: after.createdBy }, ...base, contentVersion: current });

  const previous = new Map((before?.versions ?? []).map((v) => [v.version, v]));
  let versionFailed = false;
  let versionAdded = false;
  for (const version of [...after.versions].sort((a, b) => a.version - b.version)) {
    const old: FileVersion | undefined = previous.get(version.version);
    const at = { ...base, contentVersion: version.version };
    if (!old) {
      versionAdded = true;
      drafts.push({ type: 'file.uploaded', data: { file, version: version.version, uploadedBy: version.uploadedBy, uploadedAt: version.uploadedAt }, ...at });
      if (version.version > 1) drafts.push({ type: 'version.added', data: { file, version: version.version }, ...at });
    }
    const scan = version.scan?.status;
    if (scan !== undefined && SCAN_RESULTS.has(scan) && (old?.scan === undefined || old.scan.status === 'pending')) {
      drafts.push({ type: 'scan.completed', data: { file, version: version.version, scan: { status: scan as 'clean' | 'infected' | 'failed' } }, ...at });
    }
    if (version.status !== old?.status) {
      if (version.status === 'ready' && version.version === current) drafts.push({ type: 'file.ready', data: { file, version: version.version }, ...at });
      if (version.status === 'failed') {
        versionFailed = true;
        const error = version.error ?? { code: 'PROCESSING_FAILED', message: 'Processing failed.' };
        drafts.push({ type: 'file.failed', data: { file, version: version.version, error: { code: error.code, message: error.message } }, ...at });
      }
    }
  }
  if (after.status === 'failed' && before?.status !== 'failed' && !versionFailed) {
    const error = after.error ?? { code: 'PROCESSING_FAILED', message: 'Processing failed.' };
    drafts.push({ type: 'file.failed', data: { file, version: null, error: { code: error.code, message: error.message } }, ...base, contentVersion: current });
  }
  if (before) {
    const changed = updatableFields.filter((field) => !same(before[field], after[field]) && !(field === 'expiresAt' && versionAdded && after.expiresAt === null));
    if (changed.length > 0) drafts.push({ type: 'file.updated', data: { file, changed }, ...base, contentVersion: current });
  }
  return drafts;
}

function tokenEvents(change: Extract<Change, { kind: 'share-token' }>): Draft[] {
  const { before, after } = change;
  if (after && !before) {
    return [
      {
        type: 'share-token.created',
        data: { tokenId: after.id, accessLevel: after.accessLevel, expiresAt: after.expiresAt, createdBy: after.createdBy },
        tenantId: after.tenantId,
        fileId: after.fileId,
        contentVersion: null,
        occurredAt: after.createdAt,
      },
    ];
  }
  if (before && !after) {
    return [{ type: 'share-token.deleted', data: { tokenId: before.id }, tenantId: before.tenantId, fileId: before.fileId, contentVersion: null, occurredAt: removedAt(change.at, before.lastUsedAt ?? before.createdAt) }];
  }
  return [];
}
