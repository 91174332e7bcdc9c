import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { Webhook } from 'standardwebhooks';
import { createClient, NotFoundError } from '../../client/src/index';
import { Api, eventually, expectError } from './support/api';
import { secretsIn, useStack } from './support/local-stack';

jest.setTimeout(120_000);

/*
 * Tenant webhooks over the local stack: a real receiver on 127.0.0.1 checks every delivery with the
 * Standard Webhooks library. Most tests put events on the local bus through POST /_dev/events, as the
 * publisher puts them (the local stack's rule sends them to the delivery queue); one follows a file's
 * real life, from the API through the table's stream and the real publisher. The local stack
 * retries after 1 s, 1 s and 1 s, and turns an endpoint off after 6 failed attempts in a row.
 */
const local = useStack();

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP server on 127.0.0.1 that records every request and answers what `answer` says (200 by default). */
class Receiver {
  readonly received: Received[] = [];
  answer: (request: Received, index: number) => number = () => 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(request);
        res.writeHead(this.answer(request, this.received.length - 1)).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  /** The events received (their bodies, parsed), once `count` have arrived. */
  async events(count: number): Promise<{ id: string; type: string; tenantId: string; fileId: string | null }[]> {
    await eventually(async () => this.received.length, (n) => n >= count, 30_000);
    expect(this.received.length).toBeGreaterThanOrEqual(count);
    return this.received.map((r) => JSON.parse(r.body) as { id: string; type: string; tenantId: string; fileId: string | null });
  }
}

const receivers: Receiver[] = [];
async function receiver(): Promise<Receiver> {
  const r = await new Receiver().start();
  receivers.push(r);
  return r;
}
afterAll(() => Promise.all(receivers.map((r) => r.stop())));

/** `new Webhook(secret).verify` as a receiver calls it: true when the request carries a valid signature of this secret. */
function verifies(secret: string, request: Received): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

async function admin(tenant: string): Promise<Api> {
  const api = local.api();
  return api.as(await api.tokenFor(tenant, ['files:admin'], 'admin-1'));
}

/** A FileportEvent put on the local bus, as the publisher puts one. */
async function publish(tenantId: string, type: string, fileId: string | null = randomUUID()): Promise<{ id: string; type: string; fileId: string | null }> {
  const event = {
    id: `evt_${randomBytes(16).toString('hex')}`,
    type,
    schemaVersion: 1,
    tenantId,
    fileId,
    contentVersion: null,
    occurredAt: new Date().toISOString(),
    data: fileId === null ? {} : { fileId },
  };
  const put = await local.api().call('POST', '/_dev/events', { token: null, body: event });
  expect(put.status).toBe(202);
  return event;
}

async function register(api: Api, url: string, eventTypes: string[] = ['file.created', 'file.ready', 'file.deleted']): Promise<{ id: string; secret: string }> {
  const created = await api.call('POST', '/v1/webhooks', { body: { url, eventTypes } });
  expect(created.status).toBe(201);
  return created.body;
}

const deliveriesOf = async (api: Api, id: string) => (await api.call('GET', `/v1/webhooks/${id}/deliveries`)).body.items as Record<string, unknown>[];

describe('webhook endpoints', () => {
  it('creates, lists, reads, changes and deletes an endpoint; the secret is shown at creation only', async () => {
    const api = await admin('hooks-crud');
    const created = await api.call('POST', '/v1/webhooks', { body: { url: 'https://hooks.example.com/fileport', eventTypes: ['file.ready'], description: 'CRM sync' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'https://hooks.example.com/fileport', eventTypes: ['file.ready'], description: 'CRM sync', enabled: true, disabledReason: null, createdBy: 'admin-1' });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created.headers.get('location')).toBe(`/v1/webhooks/${created.body.id}`);
    const { id } = created.body;

    const got = await api.call('GET', `/v1/webhooks/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    expect(JSON.stringify(got.body)).not.toContain('whsec_');
    const listed = await api.call('GET', '/v1/webhooks');
    expect(listed.body.items.map((w: { id: string }) => w.id)).toEqual([id]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');

    const changed = await api.call('PATCH', `/v1/webhooks/${id}`, { body: { eventTypes: ['file.ready', 'file.failed'], description: null, enabled: false } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id, eventTypes: ['file.ready', 'file.failed'], description: null, enabled: false });
    expect((await api.call('GET', `/v1/webhooks/${id}`)).body).toEqual(changed.body);

    expect((await api.call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    expectError(await api.call('GET', `/v1/webhooks/${id}`), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await api.call('DELETE', `/v1/webhooks/${id}`), 404, 'WEBHOOK_NOT_FOUND');
    expect((await api.call('GET', '/v1/webhooks')).body.items).toEqual([]);
  });

  it('checks event types: known ones, at least one, none twice', async () => {
    const api = await admin('hooks-types');
    for (const eventTypes of [[], ['file.exploded'], ['file.ready', 'file.ready'], 'file.ready']) {
      const answer = await api.call('POST', '/v1/webhooks', { body: { url: 'https://hooks.example.com/x', eventTypes } });
      expectError(answer, 400, 'VALIDATION_ERROR');
      expect(answer.body.error.message).toMatch(/eventTypes/);
    }
    expect((await api.call('GET', '/v1/webhooks')).body.items).toEqual([]);
  });

  it('refuses targets inside the network (SSRF), naming why, at creation and on change', async () => {
    const api = await admin('hooks-ssrf');
    const refused: [string, RegExp][] = [
      ['http://10.0.0.1/hook', /private \(10\.0\.0\.0\/8\)/],
      ['http://169.254.169.254/latest/meta-data/', /link-local/],
      ['https://169.254.169.254/', /link-local/],
      ['https://[::ffff:169.254.169.254]/', /IPv4-mapped.*link-local/],
      ['https://[::ffff:a00:1]/', /IPv4-mapped.*private/],
      ['https://[fe80::1]/', /link-local \(fe80::\/10\)/],
      ['https://[fd00::1]/', /unique local/],
      ['https://192.168.1.10/', /private \(192\.168/],
      ['https://172.20.0.1/', /private \(172\.16/],
      ['https://100.64.0.1/', /shared address space/],
      ['https://0.0.0.0/', /this network/],
      ['https://224.0.0.1/', /multicast/],
      ['http://hooks.example.com/', /scheme must be https/],
      ['https://intranet/hook', /single-label/],
      ['https://metadata.google.internal/', /private network/],
      ['https://user:secret@hooks.example.com/', /credentials/],
      ['ftp://hooks.example.com/', /scheme must be https/],
      ['not a url', /not an absolute URL/],
    ];
    for (const [url, why] of refused) {
      const answer = await api.call('POST', '/v1/webhooks', { body: { url, eventTypes: ['file.ready'] } });
      expectError(answer, 400, 'INVALID_WEBHOOK_URL');
      expect({ url, message: answer.body.error.message }).toEqual({ url, message: expect.stringMatching(why) });
    }
    const long = await api.call('POST', '/v1/webhooks', { body: { url: `https://hooks.example.com/${'a'.repeat(2100)}`, eventTypes: ['file.ready'] } });
    expectError(long, 400, 'VALIDATION_ERROR');
    expect((await api.call('GET', '/v1/webhooks')).body.items).toEqual([]);

    const { id } = await register(api, 'https://hooks.example.com/ok');
    expectError(await api.call('PATCH', `/v1/webhooks/${id}`, { body: { url: 'http://169.254.169.254/' } }), 400, 'INVALID_WEBHOOK_URL');
    expect((await api.call('GET', `/v1/webhooks/${id}`)).body.url).toBe('https://hooks.example.com/ok');
  });

  it('keeps each tenant to its own endpoints: another tenant’s is a 404 on every route', async () => {
    const owner = await admin('hooks-owner');
    const other = await admin('hooks-other');
    const target = await receiver();
    const { id } = await register(owner, target.url);
    const test = await owner.call('POST', `/v1/webhooks/${id}/test`);
    const deliveryId = test.body.id as string;
    expectError(await other.call('GET', `/v1/webhooks/${id}`), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await other.call('PATCH', `/v1/webhooks/${id}`, { body: { enabled: false } }), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await other.call('POST', `/v1/webhooks/${id}/rotate-secret`), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await other.call('POST', `/v1/webhooks/${id}/test`), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await other.call('GET', `/v1/webhooks/${id}/deliveries`), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await other.call('POST', `/v1/webhooks/${id}/deliveries/${deliveryId}/redeliver`), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await other.call('DELETE', `/v1/webhooks/${id}`), 404, 'WEBHOOK_NOT_FOUND');
    expect((await other.call('GET', '/v1/webhooks')).body.items).toEqual([]);
    expect((await owner.call('GET', `/v1/webhooks/${id}`)).body.enabled).toBe(true);
    // Members without files:admin manage no webhooks.
    const member = local.api().as(await local.api().tokenFor('hooks-owner', ['files:read', 'files:write'], 'member-1'));
    expectError(await member.call('GET', '/v1/webhooks'), 403, 'FORBIDDEN');
    // An id of no shape is the same 404.
    expectError(await owner.call('GET', '/v1/webhooks/not-an-id'), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await owner.call('POST', `/v1/webhooks/${id}/deliveries/dlv_nope/redeliver`), 404, 'WEBHOOK_DELIVERY_NOT_FOUND');
  });

  it('holds a tenant to 20 endpoints', async () => {
    const api = await admin('hooks-limit');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await register(api, `https://hooks.example.com/${i}`)).id);
    expectError(await api.call('POST', '/v1/webhooks', { body: { url: 'https://hooks.example.com/21', eventTypes: ['file.ready'] } }), 409, 'WEBHOOK_LIMIT');
    expect((await api.call('GET', '/v1/webhooks')).body.items).toHaveLength(20);
    expect((await api.call('DELETE', `/v1/webhooks/${ids[0]}`)).status).toBe(204);
    expect((await api.call('POST', '/v1/webhooks', { body: { url: 'https://hooks.example.com/21', eventTypes: ['file.ready'] } })).status).toBe(201);
  });
});

describe('webhook deliveries', () => {
  it('sends a signed webhook.test event on request and records it', async () => {
    const api = await admin('hooks-test-event');
    const target = await receiver();
    const { id, secret } = await register(api, target.url);
    const test = await api.call('POST', `/v1/webhooks/${id}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ webhookId: id, eventType: 'webhook.test', status: 'succeeded', attempts: 1, lastResponseCode: 200, lastError: null, nextAttemptAt: null });
    const [event] = await target.events(1);
    expect(event).toMatchObject({ id: test.body.eventId, type: 'webhook.test', tenantId: 'hooks-test-event', fileId: null });
    expect(verifies(secret, target.received[0]!)).toBe(true);
    expect(target.received[0]!.headers['webhook-id']).toBe(test.body.eventId);
    expect(target.received[0]!.headers['content-type']).toBe('application/json');
    expect((await deliveriesOf(api, id)).map((d) => d.id)).toEqual([test.body.id]);
  });

  it('delivers the events of the types subscribed to, of its own tenant only, signed, in the order of a file’s events', async () => {
    const api = await admin('hooks-fanout');
    const target = await receiver();
    const { id, secret } = await register(api, target.url, ['file.created', 'file.updated', 'file.ready', 'file.deleted']);
    const fileId = randomUUID();
    const sent = [];
    sent.push(await publish('hooks-fanout', 'file.created', fileId));
    // Not subscribed to, and another tenant's: neither reaches this endpoint.
    await publish('hooks-fanout', 'version.added', fileId);
    await publish('hooks-someone-else', 'file.created', fileId);
    for (const type of ['file.updated', 'file.ready', 'file.updated', 'file.deleted']) sent.push(await publish('hooks-fanout', type, fileId));
    const events = await target.events(sent.length);
    expect(events.map((e) => [e.id, e.type])).toEqual(sent.map((e) => [e.id, e.type]));
    for (const request of target.received) expect(verifies(secret, request)).toBe(true);
    // Another secret does not verify them: the check is real.
    expect(verifies(`whsec_${randomBytes(24).toString('base64')}`, target.received[0]!)).toBe(false);
    const deliveries = await eventually(() => deliveriesOf(api, id), (items) => items.length === sent.length && items.every((d) => d.status === 'succeeded'));
    expect(deliveries.map((d) => d.eventId)).toEqual(sent.map((e) => e.id).reverse());
  });

  it('retries a receiver that answers 500 twice: the 3rd attempt delivers, the log says so; a redelivery sends the same webhook-id', async () => {
    const api = await admin('hooks-retry');
    const target = await receiver();
    target.answer = (_request, index) => (index < 2 ? 500 : 200);
    const { id, secret } = await register(api, target.url);
    const event = await publish('hooks-retry', 'file.ready');
    await target.events(3);
    const [delivery] = await eventually(() => deliveriesOf(api, id), (items) => items[0]?.status === 'succeeded');
    expect(delivery).toMatchObject({ eventId: event.id, eventType: 'file.ready', status: 'succeeded', attempts: 3, lastResponseCode: 200, lastError: null, nextAttemptAt: null });
    expect(target.received.map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id, event.id]);
    expect(new Set(target.received.map((r) => r.body)).size).toBe(1);
    for (const request of target.received) expect(verifies(secret, request)).toBe(true);

    const again = await api.call('POST', `/v1/webhooks/${id}/deliveries/${delivery!.id as string}/redeliver`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: delivery!.id, status: 'succeeded', attempts: 4, lastResponseCode: 200 });
    expect(target.received).toHaveLength(4);
    expect(target.received[3]!.headers['webhook-id']).toBe(event.id);
    expect(target.received[3]!.body).toBe(target.received[0]!.body);
    expect(verifies(secret, target.received[3]!)).toBe(true);
  });

  it('gives up on a delivery after the schedule: failed, with the last answer', async () => {
    const api = await admin('hooks-give-up');
    const target = await receiver();
    target.answer = () => 503;
    const { id } = await register(api, target.url);
    await publish('hooks-give-up', 'file.ready');
    const [delivery] = await eventually(() => deliveriesOf(api, id), (items) => items[0]?.status === 'failed');
    // The local schedule: 3 retries after the first attempt.
    expect(delivery).toMatchObject({ status: 'failed', attempts: 4, lastResponseCode: 503, lastError: 'HTTP 503.', nextAttemptAt: null });
    expect(target.received).toHaveLength(4);
  });

  it('rotates the secret: without grace the old one stops verifying at once; with grace both verify meanwhile', async () => {
    const api = await admin('hooks-rotate');
    const target = await receiver();
    const { id, secret: first } = await register(api, target.url);

    const rotated = await api.call('POST', `/v1/webhooks/${id}/rotate-secret`, { body: { graceSeconds: 0 } });
    expect(rotated.status).toBe(200);
    const second = rotated.body.secret as string;
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect((await api.call('GET', `/v1/webhooks/${id}`)).body).not.toHaveProperty('secret');
    await api.call('POST', `/v1/webhooks/${id}/test`);
    expect(verifies(second, target.received[0]!)).toBe(true);
    expect(verifies(first, target.received[0]!)).toBe(false);

    // The default: the replaced secret signs beside the new one for a day.
    const third = (await api.call('POST', `/v1/webhooks/${id}/rotate-secret`)).body.secret as string;
    await api.call('POST', `/v1/webhooks/${id}/test`);
    expect(verifies(third, target.received[1]!)).toBe(true);
    expect(verifies(second, target.received[1]!)).toBe(true);
    expect(verifies(first, target.received[1]!)).toBe(false);
    expect(String(target.received[1]!.headers['webhook-signature']).split(' ')).toHaveLength(2);
  });

  it('turns an endpoint off after 6 failed attempts in a row, says why, and delivers again once turned on', async () => {
    const api = await admin('hooks-disable');
    const target = await receiver();
    target.answer = () => 500;
    const { id, secret } = await register(api, target.url, ['file.ready']);
    await publish('hooks-disable', 'file.ready');
    await publish('hooks-disable', 'file.ready');
    const off = await eventually(async () => (await api.call('GET', `/v1/webhooks/${id}`)).body, (w) => w.enabled === false, 30_000);
    expect(off).toMatchObject({ enabled: false, disabledReason: { code: 'CONSECUTIVE_FAILURES', message: expect.stringMatching(/6 or more consecutive failed attempts.*HTTP 500/) } });
    // What was still scheduled stops; a new event is not delivered to it.
    const settled = await eventually(() => deliveriesOf(api, id), (items) => items.length === 2 && items.every((d) => d.status === 'failed'));
    expect(settled.map((d) => d.status)).toEqual(['failed', 'failed']);
    const attemptsWhenOff = target.received.length;
    expect(attemptsWhenOff).toBe(6);
    await publish('hooks-disable', 'file.ready');
    // The event that follows it on the bus reaches another endpoint of the tenant: by then this one has had its chance.
    const witness = await receiver();
    await register(api, witness.url, ['file.ready']);
    await publish('hooks-disable', 'file.ready');
    await witness.events(1);
    expect(target.received).toHaveLength(attemptsWhenOff);
    expect(await deliveriesOf(api, id)).toHaveLength(2);

    target.answer = () => 200;
    const on = await api.call('PATCH', `/v1/webhooks/${id}`, { body: { enabled: true } });
    expect(on.body).toMatchObject({ enabled: true, disabledReason: null });
    const event = await publish('hooks-disable', 'file.ready');
    await eventually(async () => target.received.length, (n) => n > attemptsWhenOff, 30_000);
    const last = target.received[target.received.length - 1]!;
    expect(JSON.parse(last.body).id).toBe(event.id);
    expect(verifies(secret, last)).toBe(true);
  });

  it('pages the deliveries log, newest first', async () => {
    const api = await admin('hooks-pages');
    const target = await receiver();
    const { id } = await register(api, target.url);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api.call('POST', `/v1/webhooks/${id}/test`)).body.id);
    const first = await api.call('GET', `/v1/webhooks/${id}/deliveries?limit=2`);
    expect(first.body.items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    const second = await api.call('GET', `/v1/webhooks/${id}/deliveries?limit=2&cursor=${first.body.nextCursor as string}`);
    expect(second.body.items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expectError(await api.call('GET', `/v1/webhooks/${id}/deliveries?cursor=bm9wZQ`), 400, 'INVALID_CURSOR');
  });

  it('is in the SDK: create, test, deliveries, rotate, redeliver, update, delete', async () => {
    const target = await receiver();
    const fileport = createClient({ baseUrl: local.stack().apiUrl, token: await local.api().tokenFor('hooks-sdk', ['files:admin'], 'admin-1') });
    const created = await fileport.webhooks.create({ url: target.url, eventTypes: ['file.ready'] });
    expect(await fileport.webhooks.list()).toEqual([expect.objectContaining({ id: created.id, enabled: true })]);
    const test = await fileport.webhooks.test(created.id);
    expect(test.status).toBe('succeeded');
    expect(verifies(created.secret, target.received[0]!)).toBe(true);
    const rotated = await fileport.webhooks.rotateSecret(created.id, { graceSeconds: 0 });
    const again = await fileport.webhooks.redeliver(created.id, test.id);
    expect(again).toMatchObject({ id: test.id, attempts: 2, status: 'succeeded' });
    expect(verifies(rotated.secret, target.received[1]!)).toBe(true);
    expect(verifies(created.secret, target.received[1]!)).toBe(false);
    expect((await fileport.webhooks.deliveries(created.id, { limit: 10 })).items.map((d) => d.id)).toEqual([test.id]);
    expect(await fileport.webhooks.update(created.id, { enabled: false })).toMatchObject({ enabled: false });
    await fileport.webhooks.delete(created.id);
    await expect(fileport.webhooks.get(created.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(fileport.webhooks.get(created.id)).rejects.toMatchObject({ code: 'WEBHOOK_NOT_FOUND' });
  });

  it('a file’s whole life reaches a receiver through the real publisher: every event of create → upload → ready → update → delete, in order, signed; a receiver answering 500 twice gets it all on retries', async () => {
    const api = await admin('hooks-flow');
    const steady = await receiver();
    const flaky = await receiver();
    // The flaky receiver answers 500 to the first two attempts of file.created: it gets it on the 3rd.
    let createdAttempts = 0;
    flaky.answer = (request) => ((JSON.parse(request.body) as { type: string }).type === 'file.created' && ++createdAttempts <= 2 ? 500 : 200);
    const lifecycle = ['file.created', 'file.uploaded', 'file.ready', 'file.updated', 'file.deleted'];
    const steadyHook = await register(api, steady.url, lifecycle);
    const flakyHook = await register(api, flaky.url, lifecycle);

    // The real flow: the API writes the table, its stream feeds the publisher, the bus's rule the delivery queue.
    const fileId = await api.create({ name: 'life.png', fileTypeId: 'png' });
    await api.uploadTo(fileId, await sharp({ create: { width: 32, height: 24, channels: 3, background: '#3a6' } }).png().toBuffer());
    expect(await api.settled(fileId)).toMatchObject({ status: 'ready' });
    expect((await api.call('PATCH', `/v1/files/${fileId}`, { body: { tags: ['crm'] } })).status).toBe(200);
    expect((await api.call('DELETE', `/v1/files/${fileId}`)).status).toBe(204);

    const fileEvents = (events: { id: string; type: string; fileId: string | null }[]) => {
      // At least once: a receiver deduplicates on the id (webhook-id).
      const seen = new Set<string>();
      return events.filter((e) => e.fileId === fileId && !seen.has(e.id) && seen.add(e.id));
    };
    await eventually(async () => fileEvents(await steady.events(1)).length, (n) => n >= lifecycle.length, 60_000);
    const delivered = fileEvents(await steady.events(lifecycle.length));
    expect(delivered.map((e) => [e.type, e.fileId])).toEqual(lifecycle.map((type) => [type, fileId]));
    for (const request of steady.received) {
      expect(verifies(steadyHook.secret, request)).toBe(true);
      expect(request.headers['webhook-id']).toBe((JSON.parse(request.body) as { id: string }).id);
    }

    // The flaky endpoint gets the same events, file.created on its 3rd attempt, after two 500s.
    const deliveries = await eventually(() => deliveriesOf(api, flakyHook.id), (items) => items.length === lifecycle.length && items.every((d) => d.status === 'succeeded'), 60_000);
    expect(deliveries.find((d) => d.eventId === delivered[0]!.id)).toMatchObject({ eventType: 'file.created', attempts: 3, lastResponseCode: 200 });
    expect(deliveries.filter((d) => d.eventId !== delivered[0]!.id).map((d) => d.attempts)).toEqual(Array(lifecycle.length - 1).fill(1));
    expect(fileEvents(await flaky.events(lifecycle.length + 2)).map((e) => e.id).sort()).toEqual(delivered.map((e) => e.id).sort());
    expect(flaky.received.filter((r) => r.headers['webhook-id'] === delivered[0]!.id)).toHaveLength(3);
    for (const request of flaky.received) expect(verifies(flakyHook.secret, request)).toBe(true);
  });

  it('never writes a webhook secret to the logs', () => {
    expect(secretsIn(local.stack().logLines())).toEqual([]);
  });
});
