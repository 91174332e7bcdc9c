import Ajv2020 from 'ajv/dist/2020';
import document from '../../../../openapi.json';
import { eventsOfChange, type Change } from '../../../../lambdas/domain/events/derive';
import { eventSchemas } from '../../../../lambdas/domain/events/schemas';
import { eventTypes, type FileportEvent } from '../../../../lambdas/domain/events/model';
import { appendVersion, failed, freshVersion, versionChanges } from '../../../../lambdas/domain/processing/content-writes';
import type { FileRecord, FileVersion, ShareToken } from '../../../../lambdas/domain/model';
import { ProcessingFailure } from '../../../../lambdas/inspect/failure';
import { fileRecord } from '../../support/file-record';

const T0 = '2026-01-01T10:00:00.000Z';

/** A file as `createFile` writes it: no content, temporary. */
const created: FileRecord = fileRecord({
  id: '0b7e5cf0-4c55-4a57-8d53-6b0c43e7a1f2',
  name: 'contract.pdf',
  fileTypeId: 'document',
  tags: ['legal'],
  expiresAt: '2026-01-02T10:00:00.000Z',
  createdBy: 'user:alice',
  createdAt: T0,
  updatedAt: T0,
});

/** Writes as the repository does: the changes, the next optimistic-locking version, the write's time. */
let clock = 0;
const write = (file: FileRecord, changes: Partial<FileRecord>): FileRecord => ({
  ...file,
  ...changes,
  version: file.version + 1,
  updatedAt: new Date(Date.parse(T0) + ++clock * 1000).toISOString(),
});

const upload = (file: FileRecord, n: number): FileRecord => {
  const v: FileVersion = {
    ...freshVersion({ key: `content/${file.id}/u${n}`, sequencer: `00${n}`, eTag: `"e${n}"`, eventTime: T0, size: 10 } as never, 'user:alice'),
    version: n,
    key: `content/${file.id}/u${n}`,
  };
  return write(file, appendVersion(file, v));
};
const finish = (file: FileRecord, n: number, result: Partial<FileVersion>): FileRecord => {
  const v = file.versions.find((x) => x.version === n)!;
  return write(file, versionChanges(file, { ...v, ...result }));
};

const change = (before: FileRecord | undefined, after: FileRecord | undefined): Change => ({ kind: 'file', id: 'rec-1', at: '2026-01-01T11:00:00.000Z', before, after });
const types = (events: FileportEvent[]) => events.map((e) => e.type);

const uploaded = upload(created, 1);
const ready = finish(uploaded, 1, { status: 'ready', size: 10, checksumSha256: 'abc' });

it('a file item inserted is file.created, with the tenant, the file, no content version and the write time', () => {
  const events = eventsOfChange(change(undefined, created));
  expect(types(events)).toEqual(['file.created']);
  expect(events[0]).toMatchObject({ tenantId: 'acme', fileId: created.id, contentVersion: null, occurredAt: T0, schemaVersion: 1, data: { createdBy: 'user:alice', file: { id: created.id, name: 'contract.pdf', status: 'pending' } } });
});

it('a first version appearing is file.uploaded of version 1, not version.added, and its content arriving is no file.updated', () => {
  const events = eventsOfChange(change(created, uploaded));
  expect(types(events)).toEqual(['file.uploaded']);
  expect(events[0]).toMatchObject({ contentVersion: 1, occurredAt: uploaded.updatedAt, data: { version: 1, uploadedBy: 'user:alice', uploadedAt: T0 } });
});

it('a version beyond the first appearing is file.uploaded, then version.added', () => {
  const second = upload(ready, 2);
  const events = eventsOfChange(change(ready, second));
  expect(types(events)).toEqual(['file.uploaded', 'version.added']);
  expect(events.map((e) => e.contentVersion)).toEqual([2, 2]);
});

it('the current version turning ready is file.ready; an older version turning ready is nothing', () => {
  expect(types(eventsOfChange(change(uploaded, ready)))).toEqual(['file.ready']);
  expect(eventsOfChange(change(uploaded, ready))[0]).toMatchObject({ contentVersion: 1, data: { version: 1, file: { status: 'ready' } } });
  const both = upload(upload(created, 1), 2);
  expect(types(eventsOfChange(change(both, finish(both, 1, { status: 'ready' }))))).toEqual([]);
});

it('a version failing is file.failed with its error, and in one write with its upload comes after file.uploaded', () => {
  const failure = new ProcessingFailure('CHECKSUM_MISMATCH', 'The content does not match its checksum.');
  const failedNow = finish(uploaded, 1, { ...failed(failure), contentRemoved: true });
  const events = eventsOfChange(change(uploaded, failedNow));
  expect(types(events)).toEqual(['file.failed']);
  expect(events[0]).toMatchObject({ contentVersion: 1, data: { version: 1, error: { code: 'CHECKSUM_MISMATCH', message: 'The content does not match its checksum.' } } });
  const inOneWrite = eventsOfChange(change(created, failedNow));
  expect(types(inOneWrite)).toEqual(['file.uploaded', 'file.failed']);
});

it('a file failing without a failed version is file.failed with no version', () => {
  const after = write(ready, { status: 'failed', error: { code: 'PROCESSING_STUCK', message: 'Gave up.' } });
  const events = eventsOfChange(change(ready, after));
  expect(types(events)).toEqual(['file.failed']);
  expect(events[0]).toMatchObject({ contentVersion: 1, data: { version: null, error: { code: 'PROCESSING_STUCK' } } });
});

it('metadata changes are one file.updated naming the fields that changed, and nothing else changing is no event', () => {
  const after = write(ready, { name: 'renamed.pdf', tags: ['legal', 'signed'], accessControl: 'public' });
  const events = eventsOfChange(change(ready, after));
  expect(types(events)).toEqual(['file.updated']);
  expect(events[0]).toMatchObject({ contentVersion: 1, data: { changed: ['name', 'tags', 'accessControl'], file: { name: 'renamed.pdf' } } });
  expect(eventsOfChange(change(ready, write(ready, { thumbnails: [{ size: 'small', width: 1, height: 1 }] })))).toEqual([]);
  // A rendition recorded is written to the file item without a new version: no change of the file.
  expect(eventsOfChange(change(ready, { ...ready, renditions: { '256x256-cover.webp': 'thumbnails/f/u/0A/renditions/256x256-cover.webp' } }))).toEqual([]);
  expect(eventsOfChange(change(ready, write(ready, { links: [{ type: 'deal', id: '7' }], externalId: 'x-1' })))[0]).toMatchObject({ data: { changed: ['links', 'externalId'] } });
});

it('a file item removed is file.deleted at the time the stream gives, with the content version it had', () => {
  const events = eventsOfChange(change(ready, undefined));
  expect(types(events)).toEqual(['file.deleted']);
  expect(events[0]).toMatchObject({ tenantId: 'acme', fileId: created.id, contentVersion: 1, occurredAt: '2026-01-01T11:00:00.000Z', data: { fileId: created.id } });
  // The stream's time is rounded down: a removal is never told as earlier than the item's last write.
  const early = eventsOfChange({ ...change(ready, undefined), at: '2026-01-01T10:00:00.000Z' });
  expect(early[0]?.occurredAt).toBe(ready.updatedAt);
});

it('a scan going from pending to a result is scan.completed, before the failure an infection causes', () => {
  const pending = finish(uploaded, 1, { scan: { status: 'pending', completedAt: null } });
  const clean = finish(pending, 1, { scan: { status: 'clean', completedAt: T0 } });
  expect(types(eventsOfChange(change(pending, clean)))).toEqual(['scan.completed']);
  expect(eventsOfChange(change(pending, clean))[0]).toMatchObject({ contentVersion: 1, data: { version: 1, scan: { status: 'clean' } } });
  const infected = finish(pending, 1, { scan: { status: 'infected', completedAt: T0 }, status: 'failed', error: { code: 'MALWARE_FOUND', message: 'Malware.' } });
  expect(types(eventsOfChange(change(pending, infected)))).toEqual(['scan.completed', 'file.failed']);
  // Skipped is no scan, and a result written again is not a second completion.
  expect(eventsOfChange(change(uploaded, finish(uploaded, 1, { scan: { status: 'skipped', completedAt: null } })))).toEqual([]);
  expect(eventsOfChange(change(clean, write(clean, {})))).toEqual([]);
});

const token: ShareToken = {
  id: 'tok-1',
  fileId: created.id,
  tenantId: 'acme',
  secretHash: 'h',
  accessLevel: 'read',
  createdBy: 'user:alice',
  createdAt: T0,
  expiresAt: null,
  lastUsedAt: null,
};

it('a share token written is share-token.created, removed share-token.deleted, used nothing; a drop box has no file', () => {
  const tokenChange = (before: ShareToken | undefined, after: ShareToken | undefined): Change => ({ kind: 'share-token', id: 'rec-2', at: '2026-01-01T12:00:00.000Z', before, after });
  const createdEvents = eventsOfChange(tokenChange(undefined, token));
  expect(createdEvents).toMatchObject([{ type: 'share-token.created', tenantId: 'acme', fileId: created.id, contentVersion: null, occurredAt: T0, data: { tokenId: 'tok-1', accessLevel: 'read', expiresAt: null, createdBy: 'user:alice' } }]);
  expect(eventsOfChange(tokenChange(token, undefined))).toMatchObject([{ type: 'share-token.deleted', fileId: created.id, occurredAt: '2026-01-01T12:00:00.000Z', data: { tokenId: 'tok-1' } }]);
  expect(eventsOfChange(tokenChange(token, { ...token, lastUsedAt: T0 }))).toEqual([]);
  const dropBox = { ...token, fileId: null, accessLevel: 'upload' as const };
  expect(eventsOfChange(tokenChange(undefined, dropBox))[0]).toMatchObject({ fileId: null, data: { accessLevel: 'upload' } });
});

it('event ids are evt_ and a hash of the record, type and position: the same record gives the same ids, another record others', () => {
  const second = upload(ready, 2);
  const once = eventsOfChange(change(ready, second)).map((e) => e.id);
  const again = eventsOfChange(change(ready, second)).map((e) => e.id);
  expect(once).toEqual(again);
  expect(new Set(once).size).toBe(2);
  expect(once[0]).toMatch(/^evt_[0-9a-f]{32}$/);
  const other = eventsOfChange({ ...change(ready, second), id: 'rec-other' }).map((e) => e.id);
  expect(other.some((id) => once.includes(id))).toBe(false);
});

it('every event the rules emit is valid against its type’s schema', () => {
  const pending = finish(uploaded, 1, { scan: { status: 'pending', completedAt: null } });
  const all = [
    ...eventsOfChange(change(undefined, created)),
    ...eventsOfChange(change(created, uploaded)),
    ...eventsOfChange(change(uploaded, ready)),
    ...eventsOfChange(change(ready, upload(ready, 2))),
    ...eventsOfChange(change(uploaded, finish(uploaded, 1, { status: 'failed', error: { code: 'FILE_TOO_LARGE', message: 'Too large.' } }))),
    ...eventsOfChange(change(ready, write(ready, { name: 'x' }))),
    ...eventsOfChange(change(ready, undefined)),
    ...eventsOfChange(change(pending, finish(pending, 1, { scan: { status: 'clean', completedAt: T0 } }))),
    ...eventsOfChange({ kind: 'share-token', id: 'r', at: T0, before: undefined, after: token }),
    ...eventsOfChange({ kind: 'share-token', id: 'r', at: T0, before: { ...token, fileId: null }, after: undefined }),
  ];
  expect(new Set(types(all)).size).toBe(10);
  // The JSON Schemas the OpenAPI document publishes (its webhooks), as a receiver would use them.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(document, 'openapi');
  for (const event of all) {
    const result = eventSchemas[event.type].safeParse(event);
    expect({ type: event.type, issues: result.success ? [] : result.error.issues }).toEqual({ type: event.type, issues: [] });
    const validate = ajv.getSchema(`openapi#/components/schemas/Event.${event.type}`)!;
    expect({ type: event.type, valid: validate(event), errors: validate.errors ?? null }).toEqual({ type: event.type, valid: true, errors: null });
  }
  expect(ajv.getSchema('openapi#/components/schemas/Event.file.ready')!({ ...all[2], data: { version: 1 } })).toBe(false);
  // And the schemas do refuse: a file event without its file id is not one.
  expect(eventSchemas['file.ready'].safeParse({ ...all[2], fileId: null }).success).toBe(false);
});

it('the OpenAPI document lists every event type as a webhook whose body is its schema', () => {
  const webhooks = (document as unknown as { webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }> }).webhooks;
  expect(Object.keys(webhooks)).toEqual([...eventTypes]);
  for (const type of eventTypes) expect(webhooks[type]!.post.requestBody.content['application/json']!.schema.$ref).toBe(`#/components/schemas/Event.${type}`);
});
