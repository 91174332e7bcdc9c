import { DynamoFileQueries, MAX_ITEMS_READ } from '../../../lambdas/adapters/dynamo-file-queries';
import { upgradeRecord } from '../../../lambdas/adapters/dynamo-file-repository';
import type { FileRecord, ListQuery } from '../../../lambdas/domain/model';
import { BadCursor } from '../../../lambdas/domain/ports';
import { RecordingDynamo } from '../support/recording-dynamo';

/** A file item as the repository stored it before versions existed. */
const before = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  tenantId: 't1',
  name: 'Lease.pdf',
  fileTypeId: 'pdf',
  tags: [],
  externalId: null,
  links: [],
  size: 593,
  pageCount: 2,
  thumbnails: [],
  createdBy: 'u1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:02.000Z',
  uploadedAt: '2026-01-01T00:00:01.000Z',
  version: 3,
  error: null,
  detectedMimeType: 'application/pdf',
  contentKey: 'content/0f8fad5bd9cb469fa16570867728950e',
  contentSequencer: '0A',
  contentETag: 'e1',
  thumbnailKeys: {},
};

describe('upgradeRecord', () => {
  it('turns the content of a file stored before versions into version 1', () => {
    const file = upgradeRecord({ ...before, status: 'ready' });
    expect(file).toMatchObject({ status: 'ready', contentKey: before.contentKey, checksumSha256: null, expiresAt: null, pageCount: 2 });
    expect(file.versions).toEqual([
      {
        version: 1,
        key: before.contentKey,
        sequencer: '0A',
        eTag: 'e1',
        uploadedAt: before.uploadedAt,
        uploadedBy: null,
        status: 'ready',
        size: 593,
        checksumSha256: null,
        pageCount: 2,
        detectedMimeType: 'application/pdf',
        error: null,
        contentRemoved: false,
      },
    ]);
    expect(file).not.toHaveProperty('contentSequencer');
  });

  it('gives an old file without content no version and no expiry, and leaves current items alone', () => {
    expect(upgradeRecord({ ...before, status: 'pending', uploadedAt: null, size: null, pageCount: null })).toMatchObject({ versions: [], contentKey: null, expiresAt: null });
    const current = { ...before, status: 'ready', versions: [], expiresAt: '2026-01-02T00:00:00.000Z', accessControl: 'public' };
    expect(upgradeRecord(current)).toBe(current);
    // Files from before access control existed are private.
    const { accessControl: _, ...older } = current;
    expect(upgradeRecord(older)).toEqual({ ...older, accessControl: 'private' });
  });
});

describe('DynamoFileQueries.list', () => {
  const TABLE = 'files';
  const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();
  let serial = 0;
  /** A file of tenant acme created `n` minutes into 2026, with ids in creation order. */
  const file = (n: number, fields: Partial<FileRecord> = {}): FileRecord => ({
    ...upgradeRecord({ ...before, status: 'pending', uploadedAt: null, size: null, pageCount: null }),
    id: `00000000-0000-4000-8000-${String(serial++).padStart(12, '0')}`,
    tenantId: 'acme',
    name: `file ${n}.txt`,
    fileTypeId: 'txt',
    createdBy: 'alice',
    createdAt: minute(n),
    updatedAt: minute(n),
    version: 1,
    ...fields,
  });

  let dynamo: RecordingDynamo;
  let repo: DynamoFileQueries;
  beforeEach(() => {
    dynamo = new RecordingDynamo();
    repo = new DynamoFileQueries(dynamo.client, TABLE, () => new Date(minute(0)));
  });

  /** Lists with the query and returns the ids and the requests made. */
  async function listed(query: ListQuery) {
    dynamo.take();
    const page = await repo.list('acme', query);
    return { ids: page.items.map((f) => f.id), nextCursor: page.nextCursor, sent: dynamo.take() };
  }

  it.each<[string, ListQuery, string, string]>([
    ['nothing', { limit: 5 }, 'T#acme', '#gpk = :gpk'],
    ['file type', { limit: 5, search: { fileTypeId: 'pdf' } }, 'T#acme#TYPE#pdf', '#gpk = :gpk'],
    ['status', { limit: 5, search: { status: 'ready' } }, 'T#acme#STATUS#ready', '#gpk = :gpk'],
    ['creator', { limit: 5, search: { createdBy: 'bob' } }, 'T#acme#BY#bob', '#gpk = :gpk'],
    ['name prefix', { limit: 5, search: { namePrefix: 'Re' } }, 'T#acme#NAME', '#gpk = :gpk AND begins_with(#gsk, :prefix)'],
    ['range', { limit: 5, search: { createdAfter: minute(1), createdBefore: minute(3) } }, 'T#acme', '#gpk = :gpk AND #gsk BETWEEN :from AND :to'],
    ['tag, creator, range', { limit: 5, filter: { kind: 'tag', tag: 'q1' }, search: { createdBy: 'bob', createdAfter: minute(1) } }, 'T#acme#TAG#q1', '#gpk = :gpk AND #gsk > :from'],
    ['type and creator', { limit: 5, search: { fileTypeId: 'pdf', createdBy: 'bob', createdBefore: minute(3) } }, 'T#acme#BY#bob', '#gpk = :gpk AND #gsk <= :to'],
  ])('serves a list by %s with Queries of GSI1 (never a Scan) on the chosen partition', async (_, query, partition, keyCondition) => {
    for (let n = 1; n <= 4; n++) await repo.create(file(n, { status: n % 2 ? 'ready' : 'pending', createdBy: n > 2 ? 'bob' : 'alice', name: n % 2 ? `Report ${n}` : `notes ${n}` }));
    const { sent } = await listed(query);
    const reads = sent.filter((c) => c.command !== 'BatchGetCommand');
    expect(reads.length).toBeGreaterThan(0);
    for (const { command, input } of reads) {
      expect({ command, IndexName: input.IndexName, KeyConditionExpression: input.KeyConditionExpression, partition: input.ExpressionAttributeValues[':gpk'] }).toEqual({
        command: 'QueryCommand',
        IndexName: 'gsi1',
        KeyConditionExpression: keyCondition,
        partition,
      });
    }
  });

  it('answers each indexed search with exactly its files, newest first (name order for a name prefix)', async () => {
    const files = [
      file(1, { name: 'Report B', status: 'ready', tags: ['q1'] }),
      file(2, { name: 'notes', createdBy: 'bob', fileTypeId: 'pdf' }),
      file(3, { name: 'report a', status: 'failed', createdBy: 'bob', tags: ['q1'] }),
      file(4, { name: 'Zebra', tenantId: 'other', tags: ['q1'] }),
    ];
    for (const f of files) await repo.create(f);
    const [one, two, three] = files.map((f) => f.id);
    expect((await listed({ limit: 10 })).ids).toEqual([three, two, one]);
    expect((await listed({ limit: 10, search: { createdBy: 'bob' } })).ids).toEqual([three, two]);
    expect((await listed({ limit: 10, search: { namePrefix: 'REP' } })).ids).toEqual([three, one]);
    expect((await listed({ limit: 10, search: { fileTypeId: 'pdf' } })).ids).toEqual([two]);
    expect((await listed({ limit: 10, search: { status: 'failed' } })).ids).toEqual([three]);
    expect((await listed({ limit: 10, search: { createdAfter: minute(1), createdBefore: minute(2) } })).ids).toEqual([two]);
    expect((await listed({ limit: 10, filter: { kind: 'tag', tag: 'q1' }, search: { status: 'ready' } })).ids).toEqual([one]);
    expect((await listed({ limit: 10, search: { namePrefix: 'r', createdBy: 'alice' } })).ids).toEqual([one]);
  });

  it('moves the status and name index items with the file, so lists follow updates', async () => {
    const f = file(1, { name: 'draft' });
    await repo.create(f);
    const updated = await repo.update(f, { status: 'ready', name: 'Final' }, new Date(minute(2)));
    const gsiKeys = [...dynamo.items.values()].filter((i) => i.pk === `FILE#${f.id}` && i.sk !== 'FILE').map((i) => `${i.gsi1pk} ${i.gsi1sk}`);
    expect(gsiKeys.sort()).toEqual(
      [`T#acme#BY#alice ${minute(1)}#${f.id}`, `T#acme#NAME final\u0001${minute(1)}#${f.id}`, `T#acme#STATUS#ready ${minute(1)}#${f.id}`, `T#acme#TYPE#txt ${minute(1)}#${f.id}`].sort(),
    );
    expect((await listed({ limit: 10, search: { status: 'pending' } })).ids).toEqual([]);
    expect((await listed({ limit: 10, search: { status: 'ready' } })).ids).toEqual([updated.id]);
    expect((await listed({ limit: 10, search: { namePrefix: 'dr' } })).ids).toEqual([]);
    expect((await listed({ limit: 10, search: { namePrefix: 'fi' } })).ids).toEqual([updated.id]);
  });

  it("stamps a file's processing item with the store's clock when written, not with the caller's earlier now", async () => {
    // The caller began its work (and took its now) at minute 1; the store writes at minute 0 + the
    // clock below, minute 5. A reconciler asking for files processing since before minute 3 must not
    // find a file whose item says processing only from minute 5: its hint, read before the file item
    // is written, would otherwise look stuck and be dropped as stale.
    repo = new DynamoFileQueries(dynamo.client, TABLE, () => new Date(minute(5)));
    const f = file(1, { versions: [] });
    await repo.create(f);
    const processing = { ...upgradeRecord({ ...before, status: 'processing' }).versions[0]!, status: 'processing' as const };
    await repo.update(f, { status: 'processing', versions: [processing] }, new Date(minute(1)));
    const hint = [...dynamo.items.values()].find((i) => i.pk === `FILE#${f.id}` && String(i.gsi1pk).startsWith('PROCESSING#'));
    expect(hint?.gsi1sk).toBe(`${minute(5)}#${f.id}`);
    expect((await repo.listProcessingSince(new Date(minute(3)), 10)).map(({ file: found }) => found.id)).toEqual([]);
    expect((await repo.listProcessingSince(new Date(minute(6)), 10)).map(({ file: found, since }) => [found.id, since.toISOString()])).toEqual([[f.id, minute(5)]]);
  });

  it("keeps a young processing hint whose file item is not written yet (a write in flight), and drops an old one", async () => {
    // The store's clock is at minute 5. An update wrote the hint 10 s ago and has not written its
    // file item yet (a loaded machine): a reconciler with a 1-second threshold must not drop it, or
    // the file, once its item says processing, is one no run will ever find.
    repo = new DynamoFileQueries(dynamo.client, TABLE, () => new Date(minute(5)));
    const f = file(1, { versions: [] });
    await repo.create(f);
    const shardOf = (id: string) => parseInt(id.slice(-2), 16) % 8 || 0;
    const hintAt = (at: string) =>
      dynamo.items.set(`FILE#${f.id}\u0000IDX#PROCESSING#${shardOf(f.id)}`, { pk: `FILE#${f.id}`, sk: `IDX#PROCESSING#${shardOf(f.id)}`, gsi1pk: `PROCESSING#${shardOf(f.id)}`, gsi1sk: `${at}#${f.id}` });
    const hintsLeft = () => [...dynamo.items.values()].filter((i) => i.pk === `FILE#${f.id}` && String(i.gsi1pk).startsWith('PROCESSING#')).length;
    const justBefore = (at: string, ms: number) => new Date(new Date(at).getTime() - ms).toISOString();
    hintAt(justBefore(minute(5), 10_000));
    expect(await repo.listProcessingSince(new Date(justBefore(minute(5), 1000)), 10)).toEqual([]);
    expect(hintsLeft()).toBe(1);
    // Two minutes old and its file still not processing: a crash's leftover, tidied up.
    hintAt(justBefore(minute(5), 120_000));
    expect(await repo.listProcessingSince(new Date(justBefore(minute(5), 1000)), 10)).toEqual([]);
    expect(hintsLeft()).toBe(0);
  });

  it('drops hints a file no longer matches (a crash between writes), without a wrong answer', async () => {
    const f = file(1);
    await repo.create(f);
    // A STATUS#ready hint left from a write that never reached the file item.
    dynamo.items.set(`FILE#${f.id}\u0000IDX#T#acme#STATUS#ready`, { pk: `FILE#${f.id}`, sk: 'IDX#T#acme#STATUS#ready', gsi1pk: 'T#acme#STATUS#ready', gsi1sk: `${minute(1)}#${f.id}` });
    expect((await listed({ limit: 10, search: { status: 'ready' } })).ids).toEqual([]);
  });

  it('reads at most 1,000 index items per request, and goes on from where it stopped', async () => {
    // 1,500 of bob's text files, then under them (older) his one PDF: type is checked on the files read.
    const pdf = file(0, { createdBy: 'bob', fileTypeId: 'pdf' });
    await repo.create(pdf);
    for (let n = 1; n <= 1500; n++) await repo.create(file(n, { createdBy: 'bob' }));
    const query: ListQuery = { limit: 10, search: { createdBy: 'bob', fileTypeId: 'pdf' } };
    const first = await listed(query);
    const read = (sent: typeof first.sent) => sent.filter((c) => c.command === 'QueryCommand').reduce((sum, c) => sum + c.input.Limit, 0);
    expect(first.ids).toEqual([]);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(read(first.sent)).toBe(MAX_ITEMS_READ);
    const second = await listed({ ...query, cursor: first.nextCursor as string });
    expect(second.ids).toEqual([pdf.id]);
    expect(second.nextCursor).toBeNull();
    expect(read(second.sent)).toBeLessThanOrEqual(MAX_ITEMS_READ);
  });

  it('pages a search that stops inside a Query page without repeating or skipping a file', async () => {
    const files = Array.from({ length: 23 }, (_, i) => file(i + 1, { status: i % 3 === 0 ? 'ready' : 'pending', createdBy: 'bob' }));
    for (const f of files) await repo.create(f);
    const expected = files.filter((f) => f.status === 'ready').map((f) => f.id).reverse();
    for (const limit of [1, 2, 3, 100]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await repo.list('acme', { limit, cursor, search: { createdBy: 'bob', status: 'ready' } });
        seen.push(...page.items.map((f) => f.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(expected);
    }
  });

  it('refuses a cursor of another query, a forged one and one outside the range; takes a cursor issued before searches', async () => {
    for (let n = 1; n <= 4; n++) await repo.create(file(n));
    const { nextCursor } = await listed({ limit: 1, search: { createdBy: 'alice' } });
    const cursor = nextCursor as string;
    await expect(repo.list('acme', { limit: 1, cursor, search: { createdBy: 'alice' } })).resolves.toMatchObject({ items: [expect.anything()] });
    await expect(repo.list('acme', { limit: 1, cursor, search: { createdBy: 'alice', status: 'pending' } })).rejects.toBeInstanceOf(BadCursor);
    await expect(repo.list('acme', { limit: 1, cursor })).rejects.toBeInstanceOf(BadCursor);
    await expect(repo.list('other', { limit: 1, cursor, search: { createdBy: 'alice' } })).rejects.toBeInstanceOf(BadCursor);

    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const ranged = { limit: 1, search: { createdBy: 'alice', createdAfter: minute(2) } };
    const inRange = (await repo.list('acme', ranged)).nextCursor as string;
    const outside = { ...JSON.parse(Buffer.from(inRange, 'base64url').toString()), gsi1sk: `${minute(1)}#x` };
    await expect(repo.list('acme', { ...ranged, cursor: encode(outside) })).rejects.toBeInstanceOf(BadCursor);
    await expect(repo.list('acme', { limit: 1, cursor: encode({ ...key, sk: 'FILE' }), search: { createdBy: 'alice' } })).rejects.toBeInstanceOf(BadCursor);

    // Before searches, a cursor was the bare key: it still continues a list without search.
    const plain = JSON.parse(Buffer.from((await listed({ limit: 1 })).nextCursor as string, 'base64url').toString());
    const { q: _q, ...bare } = plain;
    expect((await repo.list('acme', { limit: 5, cursor: encode(bare) })).items).toHaveLength(3);
  });
});

describe('DynamoFileRepository.reindex', () => {
  it('gives a file stored before the search indexes its index items, so searches find it', async () => {
    const dynamo = new RecordingDynamo();
    const repo = new DynamoFileQueries(dynamo.client, 'files', () => new Date('2026-01-01T00:00:00.000Z'));
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    // As an older version stored it: the file item, and an index item for its tag only.
    const item = { ...before, status: 'ready', tags: ['kept'], pk: `FILE#${id}`, sk: 'FILE', gsi1pk: 'T#t1', gsi1sk: `${before.createdAt}#${id}` };
    dynamo.items.set(`FILE#${id}\u0000FILE`, item);
    expect((await repo.list('t1', { limit: 5, search: { status: 'ready' } })).items).toEqual([]);
    await repo.reindex(item);
    await repo.reindex(item);
    for (const search of [{ status: 'ready' as const }, { namePrefix: 'lease' }, { fileTypeId: 'pdf' }, { createdBy: 'u1' }]) {
      expect((await repo.list('t1', { limit: 5, search })).items.map((f) => f.id)).toEqual([id]);
    }
  });
});
