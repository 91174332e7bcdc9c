import sharp from 'sharp';
import { eventSchemas } from '../../lambdas/domain/events/schemas';
import type { EventType, FileportEvent } from '../../lambdas/domain/events/model';
import { Api, eventually, expectError } from './support/api';
import { makePdf, startStack, type RunningStack } from './support/local-stack';

jest.setTimeout(180_000);

/**
 * Events from durable changes, end to end on the local stack: the API writes the table, DynamoDB
 * Local's stream feeds the real publisher (as its event source mapping does), which puts the events
 * on the local bus through the real EventBridge adapter and the local PutEvents endpoint; the bus
 * keeps them for GET /_dev/events.
 */
let stack: RunningStack;
let api: Api;
beforeAll(async () => {
  stack = await startStack();
  api = new Api(stack.apiUrl, stack.token);
});
afterAll(() => stack?.stop());

interface BusEvent {
  source: string;
  'detail-type': string;
  detail: FileportEvent;
}

const png = (color = '#c40') => sharp({ create: { width: 64, height: 48, channels: 3, background: color } }).png().toBuffer();

const busEvents = async (query = ''): Promise<BusEvent[]> => (await api.call('GET', `/_dev/events${query}`, { token: null })).body.items;
const streamStats = async (): Promise<{ records: number; invocations: number; failures: number }> => (await api.call('GET', '/_dev/events', { token: null })).body.stream;

/** A file's events once its last one is on the bus: duplicates (a re-published record: same id) dropped, in bus order. */
async function eventsOf(fileId: string, last: EventType, count = 1): Promise<FileportEvent[]> {
  const all = await eventually(
    () => busEvents(`?fileId=${fileId}`),
    (events) => events.filter((e) => e.detail.type === last).length >= count,
  );
  const seen = new Set<string>();
  return all.flatMap((e) => {
    expect({ source: e.source, detailType: e['detail-type'] }).toEqual({ source: 'fileport', detailType: e.detail.type });
    if (seen.has(e.detail.id)) return [];
    seen.add(e.detail.id);
    return [e.detail];
  });
}

function expectValid(events: FileportEvent[]): void {
  for (const event of events) {
    const result = eventSchemas[event.type].safeParse(event);
    expect({ type: event.type, issues: result.success ? [] : result.error.issues }).toEqual({ type: event.type, issues: [] });
  }
}

async function setFaults(rules: unknown[]) {
  expect((await api.call('PUT', '/_dev/faults', { token: null, body: { rules } })).status).toBe(200);
}

describe('events', () => {
  it('create → upload → ready → update → delete: file.created, file.uploaded, file.ready, file.updated, file.deleted, in order, valid', async () => {
    const id = await api.create({ name: 'photo.png', fileTypeId: 'png' });
    await api.uploadTo(id, await png());
    expect(await api.settled(id)).toMatchObject({ status: 'ready' });
    expect((await api.call('PATCH', `/v1/files/${id}`, { body: { name: 'renamed.png', tags: ['x'] } })).status).toBe(200);
    expect((await api.call('DELETE', `/v1/files/${id}`)).status).toBe(204);

    const events = await eventsOf(id, 'file.deleted');
    expect(events.map((e) => [e.type, e.tenantId, e.fileId, e.contentVersion])).toEqual([
      ['file.created', 'demo', id, null],
      ['file.uploaded', 'demo', id, 1],
      ['file.ready', 'demo', id, 1],
      ['file.updated', 'demo', id, 1],
      ['file.deleted', 'demo', id, 1],
    ]);
    expect(events[3]).toMatchObject({ data: { changed: ['name', 'tags'], file: { name: 'renamed.png', tags: ['x'] } } });
    expect(events[2]).toMatchObject({ data: { version: 1, file: { status: 'ready' } } });
    expectValid(events);
    // Each happened after the one before it.
    expect(events.map((e) => e.occurredAt)).toEqual([...events.map((e) => e.occurredAt)].sort());
  });

  it('a second upload is file.uploaded then version.added of version 2, then its file.ready', async () => {
    const id = await api.upload({ name: 'two.png', fileTypeId: 'png' }, await png());
    expect(await api.settled(id)).toMatchObject({ status: 'ready', contentVersion: 1 });
    await api.uploadTo(id, await png('#08f'));
    await eventually(() => api.call('GET', `/v1/files/${id}`), (r) => r.body.contentVersion === 2 && r.body.status === 'ready');
    const events = await eventsOf(id, 'file.ready', 2);
    expect(events.map((e) => [e.type, e.contentVersion])).toEqual([
      ['file.created', null],
      ['file.uploaded', 1],
      ['file.ready', 1],
      ['file.uploaded', 2],
      ['version.added', 2],
      ['file.ready', 2],
    ]);
    expectValid(events);
  });

  it('an upload that fails is file.uploaded then file.failed with its error code', async () => {
    const id = await api.upload({ name: 'not-a-pdf.pdf', fileTypeId: 'pdf' }, await png(), 'application/pdf');
    expect(await api.settled(id)).toMatchObject({ status: 'failed', error: { code: 'CONTENT_MISMATCH' } });
    const events = await eventsOf(id, 'file.failed');
    expect(events.map((e) => e.type)).toEqual(['file.created', 'file.uploaded', 'file.failed']);
    expect(events[2]).toMatchObject({ contentVersion: 1, data: { version: 1, error: { code: 'CONTENT_MISMATCH' }, file: { status: 'failed' } } });
    expectValid(events);
  });

  it('a share token created and deleted is share-token.created and share-token.deleted of its file', async () => {
    const id = await api.create({ name: 'shared.pdf', fileTypeId: 'pdf' });
    const created = await api.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'read' } });
    expect(created.status).toBe(201);
    expect((await api.call('DELETE', `/v1/files/${id}/tokens/${created.body.id}`)).status).toBe(204);
    const events = await eventsOf(id, 'share-token.deleted');
    expect(events.map((e) => [e.type, e.fileId, e.tenantId])).toEqual([
      ['file.created', id, 'demo'],
      ['share-token.created', id, 'demo'],
      ['share-token.deleted', id, 'demo'],
    ]);
    expect(events[1]).toMatchObject({ data: { tokenId: created.body.id, accessLevel: 'read', createdBy: 'user:demo-user' } });
    expect(events[2]).toMatchObject({ data: { tokenId: created.body.id } });
    expectValid(events);
  });

  it("another tenant's events carry its own tenant id", async () => {
    const other = api.as(await api.tokenFor('acme', ['files:read', 'files:write']));
    const id = await other.create({ name: 'acme.pdf', fileTypeId: 'pdf' });
    const [event] = await eventsOf(id, 'file.created');
    expect(event).toMatchObject({ type: 'file.created', tenantId: 'acme', fileId: id });
  });

  it('a write that fails (a stale If-Match: 412) emits nothing', async () => {
    const id = await api.create({ name: 'stale.pdf', fileTypeId: 'pdf' });
    expectError(await api.call('PATCH', `/v1/files/${id}`, { body: { name: 'never.pdf' }, headers: { 'if-match': '"7"' } }), 412, 'PRECONDITION_FAILED');
    // A later write that succeeds: once its event is there, anything of the refused one would be too.
    expect((await api.call('PATCH', `/v1/files/${id}`, { body: { externalId: 'after' }, headers: { 'if-match': '"1"' } })).status).toBe(200);
    const events = await eventsOf(id, 'file.updated');
    expect(events.map((e) => e.type)).toEqual(['file.created', 'file.updated']);
    expect(events[1]).toMatchObject({ data: { changed: ['externalId'], file: { name: 'stale.pdf' } } });
  });

  it('with the publisher throwing and the bus down for the first attempts after each write, every event still arrives, in order per file', async () => {
    // What earlier tests wrote is published first: the faults below hit only this test's writes.
    await eventually(streamStats, (s) => s.records > 0);
    const before = await streamStats();
    await setFaults([
      { processor: 'events', fault: 'throw', times: 2 },
      { processor: 'events', fault: 'bus-down', times: 3 },
    ]);
    try {
      const id = await api.create({ name: 'faulty.pdf', fileTypeId: 'pdf' });
      await api.uploadTo(id, await makePdf(2));
      expect(await api.settled(id)).toMatchObject({ status: 'ready' });
      expect((await api.call('PATCH', `/v1/files/${id}`, { body: { name: 'faulty-2.pdf' } })).status).toBe(200);
      expect((await api.call('DELETE', `/v1/files/${id}`)).status).toBe(204);

      const events = await eventsOf(id, 'file.deleted');
      expect(events.map((e) => e.type)).toEqual(['file.created', 'file.uploaded', 'file.ready', 'file.updated', 'file.deleted']);
      expectValid(events);
      // The faults did happen: invocations failed, and their batches were retried from the first record not published.
      const after = await streamStats();
      expect(after.failures - before.failures).toBeGreaterThanOrEqual(2 + 3);
    } finally {
      await setFaults([]);
    }
  });
});
