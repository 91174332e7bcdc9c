import { PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { batches, entrySize, EventBridgeBus, PUT_EVENTS_MAX_BYTES } from '../../../lambdas/adapters/eventbridge-bus';
import type { FileportEvent } from '../../../lambdas/domain/events/model';

const event = (n: number, padding = 0): FileportEvent => ({
  id: `evt_${String(n).padStart(32, '0')}`,
  type: 'file.deleted',
  schemaVersion: 1,
  tenantId: 'acme',
  fileId: `f${n}`,
  contentVersion: null,
  occurredAt: '2026-01-01T10:00:00.000Z',
  data: { fileId: `f${n}${'x'.repeat(padding)}` },
});

/** A client that records what it was sent and answers each call with `answer`. */
function client(answer: (entries: number) => Partial<PutEventsCommandOutput> = () => ({ FailedEntryCount: 0 })) {
  const sent: PutEventsCommand[] = [];
  return {
    sent,
    send: (command: PutEventsCommand) => {
      sent.push(command);
      return Promise.resolve(answer(command.input.Entries!.length));
    },
  };
}

describe('EventBridgeBus', () => {
  it('puts each event on the named bus: source fileport, detail-type its type, detail the event, time when it happened', async () => {
    const c = client();
    await new EventBridgeBus(c as never, 'fileport-events').publish([event(1)]);
    expect(c.sent).toHaveLength(1);
    const [entry] = c.sent[0]!.input.Entries!;
    expect(entry).toEqual({ EventBusName: 'fileport-events', Source: 'fileport', DetailType: 'file.deleted', Detail: JSON.stringify(event(1)), Time: new Date('2026-01-01T10:00:00.000Z') });
  });

  it('puts at most 10 entries a call, in order', async () => {
    const c = client();
    await new EventBridgeBus(c as never, 'b').publish(Array.from({ length: 23 }, (_, i) => event(i)));
    expect(c.sent.map((s) => s.input.Entries!.length)).toEqual([10, 10, 3]);
    expect(c.sent.flatMap((s) => s.input.Entries!.map((e) => (JSON.parse(e.Detail!) as FileportEvent).fileId))).toEqual(Array.from({ length: 23 }, (_, i) => `f${i}`));
  });

  it('puts at most 256 KB a call', () => {
    const big = (n: number) => ({ Source: 'fileport', DetailType: 'file.deleted', Detail: JSON.stringify(event(n, 100_000)) });
    const runs = batches([big(1), big(2), big(3), big(4)]);
    expect(runs.map((r) => r.length)).toEqual([2, 2]);
    for (const run of runs) expect(run.reduce((n, e) => n + entrySize(e), 0)).toBeLessThanOrEqual(PUT_EVENTS_MAX_BYTES);
  });

  it('throws when EventBridge refused any entry, naming why, and sends nothing after', async () => {
    const c = client(() => ({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] }));
    await expect(new EventBridgeBus(c as never, 'b').publish(Array.from({ length: 12 }, (_, i) => event(i)))).rejects.toThrow(/refused 1 of 10 events on b: file.deleted: InternalFailure try again/);
    expect(c.sent).toHaveLength(1);
  });

  it('refuses an event larger than EventBridge takes rather than have the call fail', async () => {
    await expect(new EventBridgeBus(client() as never, 'b').publish([event(1, 300_000)])).rejects.toThrow(/larger than EventBridge takes/);
  });
});
