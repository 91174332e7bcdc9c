import { randomUUID } from 'node:crypto';

/** An event as EventBridge hands it to a rule's target (an SQS message body, a Lambda's event). */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** One PutEvents entry, as the SDK names its fields. */
export interface BusEntry {
  Source: string;
  DetailType: string;
  /** JSON text. */
  Detail: string;
  Time?: Date | string;
  Resources?: string[];
}

/** The part of an EventBridge event pattern the stack's rules use: exact values of source and detail-type. */
export interface EventPattern {
  source: string[];
  'detail-type'?: string[];
}

/** A rule's target: an SQS queue (a LocalQueue's `send` of the event's JSON), or a handler. */
export type BusTarget = (event: BusEvent) => void;

const ACCOUNT = '000000000000';

/**
 * The local stand-in for the deployment's EventBridge bus (and the default bus GuardDuty writes to):
 * events put on it reach every rule whose pattern matches, as EventBridge does, and the latest are
 * kept for `GET /_dev/events`. Targets are expected to be durable queues (a LocalQueue's send), so
 * delivery here is synchronous and a target's failure is its queue's to retry.
 */
export class LocalEventBus {
  private readonly rules: { name: string; pattern: EventPattern; target: BusTarget }[] = [];
  private readonly kept: BusEvent[] = [];

  constructor(
    private readonly region: string,
    private readonly keep = 1000,
  ) {}

  rule(name: string, pattern: EventPattern, target: BusTarget): void {
    if (this.rules.some((r) => r.name === name)) throw new Error(`A rule named ${name} is already on the local bus.`);
    this.rules.push({ name, pattern, target });
  }

  /** Puts the entries on the bus; returns each one's event id, in order. */
  put(entries: BusEntry[]): string[] {
    return entries.map((entry) => {
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: ACCOUNT,
        time: new Date(entry.Time ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.region,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail) as unknown,
      };
      this.kept.push(event);
      if (this.kept.length > this.keep) this.kept.shift();
      for (const rule of this.rules) if (matches(rule.pattern, event)) rule.target(event);
      return event.id;
    });
  }

  /** The latest events put on the bus, oldest first. */
  recent(): BusEvent[] {
    return [...this.kept];
  }
}

const matches = (pattern: EventPattern, event: BusEvent): boolean =>
  pattern.source.includes(event.source) && (pattern['detail-type'] === undefined || pattern['detail-type'].includes(event['detail-type']));
