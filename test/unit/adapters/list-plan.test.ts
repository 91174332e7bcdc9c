import { indexEntries, planList } from '../../../lambdas/adapters/list-plan';
import type { FileRecord, FileSearch, ListFilter } from '../../../lambdas/domain/model';

const T = 'T#acme';
const tag: ListFilter = { kind: 'tag', tag: 'q1' };
const after = '2026-01-01T00:00:00.000Z';
const before = '2026-02-01T00:00:00.000Z';

/** The parts of a plan the tests pin: partition, key condition, values, direction, what is left to check. */
const plan = (search: FileSearch = {}, filter?: ListFilter) => {
  const { partition, holdsFiles, keyCondition, values, forward, residual } = planList('acme', { filter, search });
  return { partition, holdsFiles, keyCondition, values, forward, residual };
};

describe('planList', () => {
  it('reads the tenant partition, the file items themselves, when nothing narrows the list', () => {
    expect(plan()).toEqual({ partition: T, holdsFiles: true, keyCondition: '#gpk = :gpk', values: { ':gpk': T }, forward: false, residual: [] });
  });

  it.each<[string, FileSearch, string]>([
    ['file type', { fileTypeId: 'pdf' }, `${T}#TYPE#pdf`],
    ['status', { status: 'failed' }, `${T}#STATUS#failed`],
    ['ready status', { status: 'ready' }, `${T}#STATUS#ready`],
    ['creator', { createdBy: 'alice@x.org' }, `${T}#BY#alice%40x.org`],
  ])('reads the %s partition, newest first, with nothing left to check', (_, search, partition) => {
    expect(plan(search)).toEqual({ partition, holdsFiles: false, keyCondition: '#gpk = :gpk', values: { ':gpk': partition }, forward: false, residual: [] });
  });

  it('reads the first tag\'s partition for several tags, and checks the others on the files', () => {
    expect(plan({ tags: ['q2', 'q3'] }, tag)).toEqual({ partition: `${T}#TAG#q1`, holdsFiles: false, keyCondition: '#gpk = :gpk', values: { ':gpk': `${T}#TAG#q1` }, forward: false, residual: ['tags'] });
  });

  it('turns a creation range into a key condition on createdAt#id, after exclusive and before inclusive', () => {
    expect(plan({ createdAfter: after, createdBefore: before })).toMatchObject({
      partition: T,
      keyCondition: '#gpk = :gpk AND #gsk BETWEEN :from AND :to',
      values: { ':gpk': T, ':from': `${after}#~`, ':to': `${before}#~` },
      residual: [],
    });
    expect(plan({ createdAfter: after })).toMatchObject({ keyCondition: '#gpk = :gpk AND #gsk > :from', values: { ':from': `${after}#~` } });
    expect(plan({ createdBefore: before, createdBy: 'bob' })).toMatchObject({
      partition: `${T}#BY#bob`,
      keyCondition: '#gpk = :gpk AND #gsk <= :to',
      values: { ':to': `${before}#~` },
      residual: [],
    });
    // A key of the exact createdAfter millisecond is out, one of the createdBefore millisecond in.
    const { admits } = planList('acme', { search: { createdAfter: after, createdBefore: before } });
    expect([`${after}#0000`, `${after}#ffff`, `${before}#0000`, `${before}#ffff`, '2026-01-15T00:00:00.000Z#1'].map(admits)).toEqual([false, false, true, true, true]);
  });

  it('serves a name prefix from the name partition with begins_with, in name order; dates are checked on the files', () => {
    expect(plan({ namePrefix: 'Invoice M' })).toEqual({
      partition: `${T}#NAME`,
      holdsFiles: false,
      keyCondition: '#gpk = :gpk AND begins_with(#gsk, :prefix)',
      values: { ':gpk': `${T}#NAME`, ':prefix': 'invoice m' },
      forward: true,
      residual: [],
    });
    expect(plan({ namePrefix: 'inv', createdAfter: after, status: 'ready' })).toMatchObject({ partition: `${T}#NAME`, residual: ['status', 'createdAfter'] });
    // The index holds the first 200 characters: a longer prefix is checked on the files too.
    expect(plan({ namePrefix: 'x'.repeat(201) })).toMatchObject({ values: { ':prefix': 'x'.repeat(200) }, residual: ['namePrefix'] });
  });

  it('prefers tag/externalId/link over every other parameter, newest first, and checks the rest on the files', () => {
    expect(plan({ namePrefix: 'inv', status: 'ready', createdBefore: before }, tag)).toEqual({
      partition: `${T}#TAG#q1`,
      holdsFiles: false,
      keyCondition: '#gpk = :gpk AND #gsk <= :to',
      values: { ':gpk': `${T}#TAG#q1`, ':to': `${before}#~` },
      forward: false,
      residual: ['namePrefix', 'status'],
    });
    expect(plan({}, { kind: 'link', link: { type: 'unit', id: 'U#1' } }).partition).toBe(`${T}#LINK#unit#U%231`);
    expect(plan({ createdBy: 'bob' }, { kind: 'externalId', externalId: 'E-1' })).toMatchObject({ partition: `${T}#EXT#E-1`, residual: ['createdBy'] });
  });

  it.each<[FileSearch, string, string[]]>([
    [{ namePrefix: 'a', createdBy: 'bob', fileTypeId: 'pdf' }, `${T}#NAME`, ['fileTypeId', 'createdBy']],
    [{ createdBy: 'bob', status: 'failed', fileTypeId: 'pdf' }, `${T}#BY#bob`, ['fileTypeId', 'status']],
    [{ status: 'pending', fileTypeId: 'pdf' }, `${T}#STATUS#pending`, ['fileTypeId']],
    [{ status: 'ready', fileTypeId: 'pdf' }, `${T}#TYPE#pdf`, ['status']],
    [{ status: 'ready', createdAfter: after }, `${T}#STATUS#ready`, []],
  ])('picks one partition by a fixed precedence: %j → %s', (search, partition, residual) => {
    expect(plan(search)).toMatchObject({ partition, residual });
  });

  it('refuses no cursor key of the partition without a range, and admits only the prefix in the name partition', () => {
    const { admits } = planList('acme', { search: { namePrefix: 'Inv' } });
    expect(['inv\u00012026#1', 'invoice\u00012026#1', 'in\u00012026#1', 'report\u00012026#1'].map(admits)).toEqual([true, true, false, false]);
    expect(planList('acme', {}).admits('anything')).toBe(true);
  });
});

describe('indexEntries', () => {
  const file = {
    id: 'f1',
    tenantId: 'acme',
    name: 'Invoice March.pdf',
    fileTypeId: 'pdf',
    status: 'pending',
    createdBy: 'alice',
    createdAt: after,
    tags: ['q1'],
    links: [{ type: 'unit', id: 'U1' }],
    externalId: 'E-1',
  } as FileRecord;

  it('gives a file one entry per tag, link and external id, and one each for type, status, creator and name', () => {
    const order = `${after}#f1`;
    expect(indexEntries(file)).toEqual([
      { partition: `${T}#TAG#q1`, sortKey: order },
      { partition: `${T}#LINK#unit#U1`, sortKey: order },
      { partition: `${T}#EXT#E-1`, sortKey: order },
      { partition: `${T}#TYPE#pdf`, sortKey: order },
      { partition: `${T}#STATUS#pending`, sortKey: order },
      { partition: `${T}#BY#alice`, sortKey: order },
      { partition: `${T}#NAME`, sortKey: `invoice march.pdf\u0001${order}` },
    ]);
  });

  it('keeps name sort keys within DynamoDB’s 1,024 bytes, whatever the name', () => {
    const name = indexEntries({ ...file, name: '𝔄'.repeat(255) }).find((e) => e.partition.endsWith('#NAME'));
    expect(Buffer.byteLength(name?.sortKey ?? '')).toBeLessThanOrEqual(1024);
  });
});
