import { Api, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';

jest.setTimeout(180_000);

const local = useStack();
const TENANT = 'search-co';
let alice: Api;
let bob: Api;
let stranger: Api;

interface Made {
  id: string;
  name: string;
  createdAt: string;
}

/** Files of the tenant in creation order, named by their role in the tests. */
const files: Record<string, Made> = {};
const order: string[] = [];

async function make(key: string, who: Api, body: { name: string; fileTypeId: string; tags?: string[] }): Promise<Made> {
  const created = await who.call('POST', '/v1/files', { body });
  expect(created.status).toBe(201);
  const made = { id: created.body.id, name: body.name, createdAt: created.body.createdAt };
  files[key] = made;
  order.push(key);
  return made;
}

const ids = (...keys: string[]) => keys.map((k) => files[k]?.id);
/** The newest first, as every list but a name search orders them. */
const newest = (...keys: string[]) => ids(...[...keys].sort((a, b) => order.indexOf(b) - order.indexOf(a)));

async function list(who: Api, query: string): Promise<string[]> {
  const answer = await who.call('GET', `/v1/files?limit=100&${query}`);
  expect({ query, status: answer.status }).toEqual({ query, status: 200 });
  return answer.body.items.map((f: { id: string }) => f.id);
}

/** Every page of the query with `limit`, following cursors; also returns how many pages it took. */
async function allPages(who: Api, query: string, limit: number, between?: () => Promise<void>): Promise<{ ids: string[]; pages: number }> {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const answer: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await who.call(
      'GET',
      `/v1/files?limit=${limit}&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...answer.body.items.map((f) => f.id));
    cursor = answer.body.nextCursor;
    pages++;
    await between?.();
  } while (cursor);
  return { ids: seen, pages };
}

beforeAll(async () => {
  const api = local.api();
  const scopes = ['files:read', 'files:write'];
  alice = api.as(await api.tokenFor(TENANT, scopes, 'alice'));
  bob = api.as(await api.tokenFor(TENANT, scopes, 'bob'));
  // Same user name, same file names and tags, another tenant: never in this tenant's answers.
  stranger = api.as(await api.tokenFor('search-elsewhere', scopes, 'alice'));

  const pdf = await makePdf(1);
  await make('aliceInvoiceMarch', alice, { name: 'Invoice March.pdf', fileTypeId: 'pdf', tags: ['q1'] });
  await alice.uploadTo(files.aliceInvoiceMarch!.id, pdf);
  await make('aliceInvoiceApril', alice, { name: 'invoice april.txt', fileTypeId: 'txt', tags: ['q1'] });
  await make('aliceReport', alice, { name: 'Report.txt', fileTypeId: 'txt' });
  await alice.uploadTo(files.aliceReport!.id, Buffer.from('quarterly numbers\n'));
  await make('bobInvoiceMay', bob, { name: 'INVOICE May.pdf', fileTypeId: 'pdf' });
  await make('bobNotes', bob, { name: 'notes.txt', fileTypeId: 'txt', tags: ['q1'] });
  await bob.uploadTo(files.bobNotes!.id, Buffer.from('notes\n'));
  await make('bobInventory', bob, { name: 'Inventory.csv', fileTypeId: 'csv' });
  // Half a PDF: processing fails it as CORRUPT_FILE.
  await make('bobBroken', bob, { name: 'broken.pdf', fileTypeId: 'pdf' });
  await bob.uploadTo(files.bobBroken!.id, pdf.subarray(0, Math.floor(pdf.length / 2)));

  for (const key of ['aliceInvoiceMarch', 'aliceReport', 'bobNotes', 'bobBroken']) await alice.settled(files[key]!.id);
  await stranger.create({ name: 'Invoice elsewhere.pdf', fileTypeId: 'pdf', tags: ['q1'] });
  await stranger.upload({ name: 'invoice other.txt', fileTypeId: 'txt' }, Buffer.from('x\n'));
});

describe('search on GET /v1/files', () => {
  it('settled the uploads as the tests expect', async () => {
    const statuses = await Promise.all(order.map(async (k) => [k, (await alice.call('GET', `/v1/files/${files[k]!.id}`)).body.status]));
    expect(Object.fromEntries(statuses)).toEqual({
      aliceInvoiceMarch: 'ready',
      aliceInvoiceApril: 'pending',
      aliceReport: 'ready',
      bobInvoiceMay: 'pending',
      bobNotes: 'ready',
      bobInventory: 'pending',
      bobBroken: 'failed',
    });
  });

  it('filters by each parameter alone, newest first', async () => {
    expect(await list(alice, 'fileTypeId=pdf')).toEqual(newest('aliceInvoiceMarch', 'bobInvoiceMay', 'bobBroken'));
    expect(await list(alice, 'fileTypeId=csv')).toEqual(newest('bobInventory'));
    expect(await list(alice, 'fileTypeId=png')).toEqual([]);
    expect(await list(alice, 'status=ready')).toEqual(newest('aliceInvoiceMarch', 'aliceReport', 'bobNotes'));
    expect(await list(alice, 'status=pending')).toEqual(newest('aliceInvoiceApril', 'bobInvoiceMay', 'bobInventory'));
    expect(await list(alice, 'status=failed')).toEqual(newest('bobBroken'));
    expect(await list(alice, 'status=processing')).toEqual([]);
    expect(await list(alice, 'createdBy=alice')).toEqual(newest('aliceInvoiceMarch', 'aliceInvoiceApril', 'aliceReport'));
    expect(await list(bob, 'createdBy=bob')).toEqual(newest('bobInvoiceMay', 'bobNotes', 'bobInventory', 'bobBroken'));
    expect(await list(alice, 'createdBy=carol')).toEqual([]);
  });

  it('matches a name prefix case-insensitively, in name order', async () => {
    // inventory < invoice april < invoice march < invoice may, whatever the case of the stored names.
    expect(await list(alice, 'name=inv')).toEqual(ids('bobInventory', 'aliceInvoiceApril', 'aliceInvoiceMarch', 'bobInvoiceMay'));
    expect(await list(alice, 'name=INVOICE')).toEqual(ids('aliceInvoiceApril', 'aliceInvoiceMarch', 'bobInvoiceMay'));
    expect(await list(alice, `name=${encodeURIComponent('invoice M')}`)).toEqual(ids('aliceInvoiceMarch', 'bobInvoiceMay'));
    expect(await list(alice, 'name=Report.txt')).toEqual(ids('aliceReport'));
    expect(await list(alice, 'name=Report.txtx')).toEqual([]);
    expect(await list(alice, 'name=nvoice')).toEqual([]);
  });

  it('selects a creation range: createdAfter exclusive, createdBefore inclusive', async () => {
    const from = files.aliceReport!.createdAt;
    const to = files.bobInventory!.createdAt;
    expect(await list(alice, `createdAfter=${from}&createdBefore=${to}`)).toEqual(newest('bobInvoiceMay', 'bobNotes', 'bobInventory'));
    expect(await list(alice, `createdAfter=${from}`)).toEqual(newest('bobInvoiceMay', 'bobNotes', 'bobInventory', 'bobBroken'));
    expect(await list(alice, `createdBefore=${from}`)).toEqual(newest('aliceInvoiceMarch', 'aliceInvoiceApril', 'aliceReport'));
    // Another notation of the same instant selects the same files.
    const offset = new Date(Date.parse(from) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    expect(await list(alice, `createdBefore=${encodeURIComponent(offset)}`)).toEqual(newest('aliceInvoiceMarch', 'aliceInvoiceApril', 'aliceReport'));
    expect(await list(alice, 'createdAfter=2999-01-01T00:00:00Z')).toEqual([]);
  });

  it('combines the parameters with each other and with tag', async () => {
    const from = files.aliceReport!.createdAt;
    expect(await list(alice, 'createdBy=alice&status=ready')).toEqual(newest('aliceInvoiceMarch', 'aliceReport'));
    expect(await list(alice, 'status=pending&fileTypeId=pdf')).toEqual(newest('bobInvoiceMay'));
    expect(await list(alice, 'fileTypeId=txt&createdBy=bob')).toEqual(newest('bobNotes'));
    expect(await list(alice, 'tag=q1&createdBy=alice')).toEqual(newest('aliceInvoiceMarch', 'aliceInvoiceApril'));
    expect(await list(alice, 'tag=q1&status=ready')).toEqual(newest('aliceInvoiceMarch', 'bobNotes'));
    expect(await list(alice, `tag=q1&createdAfter=${files.aliceInvoiceMarch!.createdAt}`)).toEqual(newest('aliceInvoiceApril', 'bobNotes'));
    // With tag, a name search is newest first: the tag's partition serves it.
    expect(await list(alice, 'tag=q1&name=INV')).toEqual(newest('aliceInvoiceMarch', 'aliceInvoiceApril'));
    expect(await list(alice, 'name=invoice&fileTypeId=pdf')).toEqual(ids('aliceInvoiceMarch', 'bobInvoiceMay'));
    expect(await list(alice, 'name=inv&createdBy=bob')).toEqual(ids('bobInventory', 'bobInvoiceMay'));
    expect(await list(alice, `name=inv&createdAfter=${from}`)).toEqual(ids('bobInventory', 'bobInvoiceMay'));
    expect(await list(alice, `fileTypeId=pdf&createdAfter=${from}&status=failed`)).toEqual(newest('bobBroken'));
    expect(await list(alice, 'createdBy=alice&status=failed')).toEqual([]);
  });

  it('never shows another tenant’s files, whatever the query', async () => {
    for (const query of ['', 'name=inv', 'tag=q1', 'createdBy=alice', 'fileTypeId=pdf', 'status=ready', 'createdAfter=2000-01-01T00:00:00Z', 'tag=q1&name=invoice']) {
      const found = await list(alice, query);
      expect(found.every((id) => Object.values(files).some((f) => f.id === id))).toBe(true);
    }
    const theirs = await list(stranger, 'name=invoice');
    expect(theirs).toHaveLength(2);
    expect(theirs.some((id) => Object.values(files).some((f) => f.id === id))).toBe(false);
  });

  it('refuses bad parameters with 400 VALIDATION_ERROR', async () => {
    for (const query of [
      'status=done',
      'fileTypeId=Not%20a%20type',
      'name=',
      'createdBy=',
      'createdAfter=yesterday',
      'createdBefore=2026-02-30T00:00:00Z',
      'createdAfter=2026-01-01',
      'createdAfter=2026-01-02T00:00:00Z&createdBefore=2026-01-01T00:00:00Z',
      'createdAfter=2026-01-01T00:00:00Z&createdBefore=2026-01-01T00:00:00Z',
      'tag=q1&link=unit:1',
      `name=${'x'.repeat(256)}`,
      'name=%01',
    ]) {
      const answer = await alice.call('GET', `/v1/files?${query}`);
      expect({ query, status: answer.status, code: answer.body?.error?.code }).toEqual({ query, status: 400, code: 'VALIDATION_ERROR' });
    }
    // A well-formed id of no type in the catalogue may be one removed since, whose files stay
    // listed (test/integration/file-types.test.ts): it finds the files of that id, here none.
    const unknownType = await alice.call('GET', '/v1/files?fileTypeId=exe');
    expect({ status: unknownType.status, items: unknownType.body.items }).toEqual({ status: 200, items: [] });
  });

  it('binds a cursor to its query: another query, even on the same index, is refused', async () => {
    const first = await alice.call('GET', '/v1/files?createdBy=alice&limit=1');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.body.nextCursor);
    expect((await alice.call('GET', `/v1/files?createdBy=alice&limit=1&cursor=${cursor}`)).status).toBe(200);
    expectError(await alice.call('GET', `/v1/files?createdBy=alice&status=ready&cursor=${cursor}`), 400, 'INVALID_CURSOR');
    expectError(await alice.call('GET', `/v1/files?createdBy=bob&cursor=${cursor}`), 400, 'INVALID_CURSOR');
    expectError(await alice.call('GET', `/v1/files?cursor=${cursor}`), 400, 'INVALID_CURSOR');
    const byName = await alice.call('GET', '/v1/files?name=inv&limit=1');
    expectError(await alice.call('GET', `/v1/files?name=invo&cursor=${encodeURIComponent(byName.body.nextCursor)}`), 400, 'INVALID_CURSOR');
    expectError(await alice.call('GET', '/v1/files?name=inv&cursor=bm90LWpzb24'), 400, 'INVALID_CURSOR');
    expectError(await stranger.call('GET', `/v1/files?createdBy=alice&cursor=${cursor}`), 400, 'INVALID_CURSOR');
  });

  it('follows status changes: a file leaves pending and shows under ready once its content is processed', async () => {
    const made = await make('aliceLate', alice, { name: 'late.txt', fileTypeId: 'txt' });
    expect(await list(alice, 'status=pending&createdBy=alice')).toContain(made.id);
    await alice.uploadTo(made.id, Buffer.from('late\n'));
    expect(await alice.settled(made.id)).toMatchObject({ status: 'ready' });
    expect(await list(alice, 'status=pending')).not.toContain(made.id);
    expect(await list(alice, 'status=ready')).toContain(made.id);
    const renamed = await alice.call('PATCH', `/v1/files/${made.id}`, { body: { name: 'Zebra.txt' } });
    expect(renamed.status).toBe(200);
    expect(await list(alice, 'name=late')).toEqual([]);
    expect(await list(alice, 'name=zeb')).toEqual([made.id]);
  });

  it('pages every query without duplicates or gaps while files are being created', async () => {
    const before = new Set(order.map((k) => files[k]!.id));
    const queries: [string, string[]][] = [
      ['', [...before]],
      ['createdBy=alice', ids('aliceInvoiceMarch', 'aliceInvoiceApril', 'aliceReport', 'aliceLate') as string[]],
      ['name=inv', ids('bobInventory', 'aliceInvoiceApril', 'aliceInvoiceMarch', 'bobInvoiceMay') as string[]],
      ['status=pending', ids('aliceInvoiceApril', 'bobInvoiceMay', 'bobInventory') as string[]],
      ['fileTypeId=txt&createdBy=alice', ids('aliceInvoiceApril', 'aliceReport', 'aliceLate') as string[]],
      [`tag=q1&status=ready`, ids('aliceInvoiceMarch', 'bobNotes') as string[]],
      [`createdBefore=${new Date().toISOString()}&fileTypeId=txt`, ids('aliceInvoiceApril', 'aliceReport', 'bobNotes', 'aliceLate') as string[]],
    ];
    // Matching files are created by a writer running alongside, and one more between any two pages.
    // They are the newest, and their "inv-" names sort before every existing one, each before the
    // last: new files come before the cursor in either order, as the API promises nothing for them.
    let written = 0;
    const write = async () => {
      await alice.create({ name: `inv-${String(999_999 - written++).padStart(6, '0')}.txt`, fileTypeId: 'txt', tags: ['q1'] });
    };
    for (const [query, existing] of queries) {
      let paging = true;
      const writer = (async () => {
        while (paging) await write();
      })();
      const { ids: seen, pages } = await allPages(alice, query, 2, write).finally(() => (paging = false));
      await writer;
      expect({ query, duplicates: seen.filter((id, i) => seen.indexOf(id) !== i) }).toEqual({ query, duplicates: [] });
      expect({ query, missing: existing.filter((id) => !seen.includes(id)) }).toEqual({ query, missing: [] });
      if (existing.length > 2) expect(pages).toBeGreaterThan(1);
    }
  });
});
