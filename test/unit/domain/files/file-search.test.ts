import { listOrderOf, matchesQuery, queryFingerprint } from '../../../../lambdas/domain/files/file-search';
import { listFiles } from '../../../../lambdas/domain/files/files';
import type { FileRecord, ListQuery, Principal } from '../../../../lambdas/domain/model';
import { MemoryFiles, MemoryObjects, MemorySettings, MemoryTelemetry } from '../../support/memory';
import { defaultFileTypes } from '../../support/file-types';

const now = new Date('2026-03-01T00:00:00.000Z');
const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();

let serial = 0;
/** A file with the fields searches read; the others are whatever a stored file holds (asserted, not spelled out). */
function file(n: number, fields: Partial<FileRecord> = {}): FileRecord {
  return {
    id: `00000000-0000-4000-8000-${String(serial++).padStart(12, '0')}`,
    tenantId: 'acme',
    name: `file ${n}`,
    fileTypeId: 'txt',
    tags: [],
    externalId: null,
    links: [],
    status: 'ready',
    size: null,
    pageCount: null,
    thumbnails: [],
    uploadedAt: null,
    error: null,
    detectedMimeType: null,
    checksumSha256: null,
    contentKey: null,
    thumbnailKeys: {},
    versions: [],
    expiresAt: null,
    createdBy: 'alice',
    createdAt: minute(n),
    updatedAt: minute(n),
    version: 1,
    ...fields,
  } as FileRecord;
}

describe('matchesQuery', () => {
  const f = file(5, { name: 'Invoice März.PDF', fileTypeId: 'pdf', status: 'failed', createdBy: 'bob', tags: ['q1', 'paid'], links: [{ type: 'unit', id: 'U1' }], externalId: 'E-1' });

  it('holds when every condition holds, name prefix compared lower-cased', () => {
    expect(matchesQuery(f, { filter: { kind: 'tag', tag: 'q1' }, search: { namePrefix: 'INVOICE mä', fileTypeId: 'pdf', status: 'failed', createdBy: 'bob' } })).toBe(true);
    expect(matchesQuery(f, { filter: { kind: 'link', link: { type: 'unit', id: 'U1' } } })).toBe(true);
    expect(matchesQuery(f, { filter: { kind: 'externalId', externalId: 'E-1' } })).toBe(true);
    expect(matchesQuery(f, {})).toBe(true);
    // Several tags (`?tag=q1&tag=paid`): the filter's and every other one.
    expect(matchesQuery(f, { filter: { kind: 'tag', tag: 'q1' }, search: { tags: ['paid', 'q1'] } })).toBe(true);
  });

  it.each<[string, ListQuery['search'], ListQuery['filter']]>([
    ['another prefix', { namePrefix: 'nvoice' }, undefined],
    ['another type', { fileTypeId: 'txt' }, undefined],
    ['another status', { status: 'ready' }, undefined],
    ['another creator', { createdBy: 'alice' }, undefined],
    ['another tag', {}, { kind: 'tag', tag: 'q2' }],
    ['a tag among several it lacks', { tags: ['paid', 'q2'] }, { kind: 'tag', tag: 'q1' }],
  ])('fails for %s', (_, search, filter) => {
    expect(matchesQuery(f, { search, filter })).toBe(false);
  });

  it('takes createdAfter as exclusive and createdBefore as inclusive', () => {
    expect(matchesQuery(f, { search: { createdAfter: minute(5) } })).toBe(false);
    expect(matchesQuery(f, { search: { createdAfter: minute(4) } })).toBe(true);
    expect(matchesQuery(f, { search: { createdBefore: minute(5) } })).toBe(true);
    expect(matchesQuery(f, { search: { createdBefore: minute(4) } })).toBe(false);
  });
});

describe('list order and cursor binding', () => {
  it('orders by name only for a name search without tag, externalId or link', () => {
    expect(listOrderOf({ search: { namePrefix: 'a' } })).toBe('name');
    expect(listOrderOf({ search: { namePrefix: 'a' }, filter: { kind: 'tag', tag: 't' } })).toBe('newest');
    expect(listOrderOf({ search: { createdBy: 'a' } })).toBe('newest');
  });

  it('tells queries apart by every condition, and names by their lower case only', () => {
    const prints = [{}, { search: { status: 'ready' as const } }, { search: { createdBy: 'ready' } }, { filter: { kind: 'tag' as const, tag: 'ready' } }, { search: { namePrefix: 'ready' } }].map(queryFingerprint);
    expect(new Set(prints).size).toBe(prints.length);
    expect(queryFingerprint({ search: { namePrefix: 'Inv' } })).toBe(queryFingerprint({ search: { namePrefix: 'inv' } }));
  });
});

describe('MemoryFiles.list (the unit tests’ repository) honours searches as DynamoDB does', () => {
  const principal: Principal = { tenantId: 'acme', userId: 'alice', scopes: new Set(['files:read']) };
  let files: MemoryFiles;
  const all: FileRecord[] = [];
  const deps = () => ({ files, fileQueries: files, objects: new MemoryObjects(), settings: new MemorySettings(), telemetry: new MemoryTelemetry(), fileTypes: defaultFileTypes, now: () => now });
  const ids = (...records: FileRecord[]) => records.map((r) => r.id);
  const list = async (query: Omit<ListQuery, 'limit'>, limit = 50) => (await listFiles(deps(), principal, { limit, ...query })).items.map((f) => f.id);

  const [reportB, notes, reportA, foreign, expired] = [
    file(1, { name: 'Report B', tags: ['q1'] }),
    file(2, { name: 'notes', createdBy: 'bob', fileTypeId: 'pdf', status: 'pending' }),
    file(3, { name: 'report a', createdBy: 'bob', status: 'failed', tags: ['q1'] }),
    file(4, { name: 'Report C', tenantId: 'other' }),
    file(5, { name: 'Report D', expiresAt: minute(6) }),
  ] as [FileRecord, FileRecord, FileRecord, FileRecord, FileRecord];
  all.push(reportB, notes, reportA, foreign, expired);

  beforeEach(async () => {
    files = new MemoryFiles(() => now);
    for (const f of all) await files.create(f);
  });

  it('filters by each condition and their combinations, within the tenant, expired files left out', async () => {
    expect(await list({})).toEqual(ids(reportA, notes, reportB));
    expect(await list({ search: { createdBy: 'bob' } })).toEqual(ids(reportA, notes));
    expect(await list({ search: { fileTypeId: 'pdf' } })).toEqual(ids(notes));
    expect(await list({ search: { status: 'failed' } })).toEqual(ids(reportA));
    expect(await list({ search: { createdAfter: minute(1), createdBefore: minute(2) } })).toEqual(ids(notes));
    expect(await list({ search: { createdBy: 'bob', status: 'pending' } })).toEqual(ids(notes));
    expect(await list({ filter: { kind: 'tag', tag: 'q1' }, search: { createdBy: 'alice' } })).toEqual(ids(reportB));
  });

  it('lists a name search in name order, unless a tag picks the files', async () => {
    expect(await list({ search: { namePrefix: 'REP' } })).toEqual(ids(reportA, reportB));
    expect(await list({ search: { namePrefix: 'rep' }, filter: { kind: 'tag', tag: 'q1' } })).toEqual(ids(reportA, reportB));
    expect(await list({ search: { namePrefix: 'r', createdBy: 'alice' } })).toEqual(ids(reportB));
  });

  it('pages with cursors bound to the query', async () => {
    const first = await listFiles(deps(), principal, { limit: 1, search: { namePrefix: 'rep' } });
    expect(ids(...first.items)).toEqual(ids(reportA));
    const second = await listFiles(deps(), principal, { limit: 1, search: { namePrefix: 'rep' }, cursor: first.nextCursor as string });
    expect({ items: ids(...second.items), nextCursor: second.nextCursor }).toEqual({ items: ids(reportB), nextCursor: null });
    await expect(listFiles(deps(), principal, { limit: 1, search: { namePrefix: 'r' }, cursor: first.nextCursor as string })).rejects.toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
  });
});
