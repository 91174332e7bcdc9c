import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BusEntry, LocalEventBus } from './event-bus';

export interface EventBridgeEndpoint {
  /** For AWS_ENDPOINT_URL_EVENTBRIDGE. */
  endpoint: string;
  stop(): Promise<void>;
}

interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  /** Epoch seconds, as the SDK writes a timestamp in AWS JSON 1.1. */
  Time?: unknown;
  Resources?: unknown;
}

/**
 * The part of the EventBridge API the deployed functions use, PutEvents (AWS JSON 1.1, as the SDK
 * speaks it), in front of the local bus: the events publisher puts events with its own
 * EventBridge client (lambdas/adapters/eventbridge-bus.ts), as deployed. Entries name the bus by
 * name or ARN; the account's `default` bus (where AWS services such as GuardDuty write) is the same
 * local bus. `failing()` true (fault injection, local/faults.ts `bus-down`) refuses every entry of
 * the call as EventBridge does when it cannot take them (FailedEntryCount, InternalFailure).
 */
export async function startEventBridgeEndpoint(options: { buses: Record<string, LocalEventBus>; failing?: () => boolean }): Promise<EventBridgeEndpoint> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { __type: 'InternalException', message: String(error) }));
  });
  const busOf = (name: unknown): LocalEventBus | undefined => {
    const bare = typeof name === 'string' ? name.replace(/^arn:[^:]+:events:[^:]*:\d*:event-bus\//, '') : 'default';
    return options.buses[bare] ?? (bare === 'default' ? options.buses.default : undefined);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      return reply(res, 400, { __type: 'UnknownOperationException', message: `The local EventBridge endpoint serves PutEvents only, not ${String(target)}.` });
    }
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: PutEventsEntry[] };
    const entries = input.Entries ?? [];
    if (entries.length < 1 || entries.length > 10) return reply(res, 400, { __type: 'ValidationException', message: 'Entries must hold 1 to 10 entries.' });
    for (const entry of entries) {
      if (!busOf(entry.EventBusName)) return reply(res, 400, { __type: 'ResourceNotFoundException', message: `Event bus ${String(entry.EventBusName)} does not exist.` });
    }
    if (options.failing?.()) {
      return reply(res, 200, { FailedEntryCount: entries.length, Entries: entries.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'Injected fault: the bus is down' })) });
    }
    const results = entries.map((entry) => {
      if (typeof entry.Source !== 'string' || typeof entry.DetailType !== 'string' || typeof entry.Detail !== 'string') {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Source, DetailType and Detail are required.' };
      }
      try {
        JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON.' };
      }
      const busEntry: BusEntry = {
        Source: entry.Source,
        DetailType: entry.DetailType,
        Detail: entry.Detail,
        ...(typeof entry.Time === 'number' && { Time: new Date(entry.Time * 1000) }),
        ...(Array.isArray(entry.Resources) && { Resources: entry.Resources as string[] }),
      };
      const [eventId] = busOf(entry.EventBusName)!.put([busEntry]);
      return { EventId: eventId };
    });
    reply(res, 200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results });
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
}
