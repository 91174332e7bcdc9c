import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type EventBus, type FileportEvent } from '../domain/events/model';

/** PutEvents' limits: 10 entries a call, 256 KB a call (every entry's source, detail-type, detail and resources, in UTF-8). */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** An entry's size as EventBridge counts it (PutEvents entry size calculation). */
export const entrySize = (entry: PutEventsRequestEntry): number =>
  (entry.Time ? 14 : 0) +
  Buffer.byteLength(entry.Source ?? '') +
  Buffer.byteLength(entry.DetailType ?? '') +
  Buffer.byteLength(entry.Detail ?? '') +
  (entry.Resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0);

/**
 * The deployment's EventBridge bus (locally, the local stack's PutEvents endpoint in front of its
 * bus: same code, another endpoint). Source `fileport`, detail-type the event's type, detail the
 * event itself, time when it happened. Events go in order, in as few calls as the limits allow, and
 * each call waits for the one before: an event is never on the bus before one emitted ahead of it.
 */
export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: Pick<EventBridgeClient, 'send'>,
    private readonly busName: string,
  ) {}

  async publish(events: FileportEvent[]): Promise<void> {
    for (const batch of batches(events.map((event) => this.entryOf(event)))) {
      const result = await this.client.send(new PutEventsCommand({ Entries: batch }));
      if ((result.FailedEntryCount ?? 0) > 0) {
        const failures = (result.Entries ?? []).flatMap((entry, i) => (entry.ErrorCode ? [`${batch[i]?.DetailType}: ${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`.trim()] : []));
        throw new Error(`EventBridge refused ${result.FailedEntryCount} of ${batch.length} events on ${this.busName}: ${failures.join('; ')}`);
      }
    }
  }

  private entryOf(event: FileportEvent): PutEventsRequestEntry {
    const entry: PutEventsRequestEntry = { EventBusName: this.busName, Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), Time: new Date(event.occurredAt) };
    if (entrySize(entry) > PUT_EVENTS_MAX_BYTES) throw new Error(`Event ${event.id} (${event.type}) is larger than EventBridge takes (${PUT_EVENTS_MAX_BYTES} bytes).`);
    return entry;
  }
}

/** Consecutive runs of entries within both limits, in order. */
export function batches(entries: PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const out: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (current.length === PUT_EVENTS_MAX_ENTRIES || (current.length > 0 && bytes + size > PUT_EVENTS_MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
