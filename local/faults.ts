import { z } from 'zod';
import type { QueueConsumer } from './local-queue';

/**
 * Fault injection for the local processors, by configuration: `FILEPORT_FAULTS` (JSON) at start,
 * or `PUT /_dev/faults` while running. A rule makes a processor fail its first `times` deliveries
 * for a file (every delivery without `times`), for the files named (every file without `fileIds`):
 *   throw    the processor throws: the message is retried, finally dead-lettered
 *   timeout  the processor never answers: the queue's timeout fails the delivery, as Lambda's does
 *   drop     the processor reports success without doing anything: a lost message
 * and the events publisher (`processor: "events"`), per invocation (for the files named: an
 * invocation whose batch holds a change of one of them):
 *   throw    the publisher throws after it got the stream records, before it publishes: the batch is retried
 *   bus-down the bus refuses every event of a PutEvents call (FailedEntryCount): the publisher reports
 *            the batch's first unpublished record and the stream retries from it. `times` counts calls.
 * and the malware scanner stand-in (local/scanner.ts, `processor: "scanner"`) answers otherwise:
 *   fail     GuardDuty's FAILED: the object could not be scanned
 *   hold     the result waits until the rule is removed (PUT /_dev/faults without it): a slow scan
 *   delay    the result waits `delayMs`
 */
const processorFaults = ['throw', 'timeout', 'drop'] as const;
const faultsOf = { metadata: processorFaults, thumbnails: processorFaults, events: ['throw', 'bus-down'], scanner: ['fail', 'hold', 'delay'] } as const;
const rule = z
  .object({
    processor: z.enum(['metadata', 'thumbnails', 'events', 'scanner']),
    fault: z.enum(['throw', 'timeout', 'drop', 'bus-down', 'fail', 'hold', 'delay']),
    times: z.number().int().min(1).optional(),
    fileIds: z.array(z.string().min(1)).max(1000).optional(),
    delayMs: z.number().int().min(1).max(600_000).optional(),
  })
  .refine((r) => (faultsOf[r.processor] as readonly string[]).includes(r.fault), {
    message: `a processor takes its own faults: ${Object.entries(faultsOf)
      .map(([processor, faults]) => `${processor}: ${faults.join(', ')}`)
      .join('; ')}`,
    path: ['fault'],
  })
  .refine((r) => (r.fault === 'delay') === (r.delayMs !== undefined), { message: 'delayMs goes with the delay fault, and only with it', path: ['delayMs'] });

export const faultRules = z.array(rule).max(100);
export type FaultRule = z.infer<typeof rule>;

export class Faults {
  private rules: FaultRule[] = [];
  /** Deliveries seen per processor and file, to fail only the first ones. */
  private readonly deliveries = new Map<string, number>();

  constructor(rules: FaultRule[] = []) {
    this.set(rules);
  }

  /** Reads `FILEPORT_FAULTS`; a broken value stops the stack rather than running without faults. */
  static fromEnv(value: string | undefined): Faults {
    if (!value) return new Faults();
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      throw new Error(`FILEPORT_FAULTS is not JSON: ${value}`);
    }
    const parsed = faultRules.safeParse(json);
    if (!parsed.success) throw new Error(`FILEPORT_FAULTS is not a list of fault rules: ${parsed.error.message}`);
    return new Faults(parsed.data);
  }

  private readonly listeners: (() => void)[] = [];

  set(rules: FaultRule[]): void {
    this.rules = rules;
    this.deliveries.clear();
    // The scanner releases what a removed `hold` kept.
    for (const listener of this.listeners) listener();
  }

  /** Called after every change of the rules. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The scanner's fault for a file's scan now, if any (counted like a processor's deliveries). */
  scannerFault(fileId: string | undefined, count = true): Pick<FaultRule, 'fault' | 'delayMs'> | undefined {
    const key = `scanner:${fileId}`;
    const delivery = (this.deliveries.get(key) ?? 0) + (count ? 1 : 0);
    if (count) this.deliveries.set(key, delivery);
    const found = this.rules.find(
      (r) => r.processor === 'scanner' && (!r.fileIds || (fileId !== undefined && r.fileIds.includes(fileId))) && (r.times === undefined || delivery <= r.times),
    );
    return found && { fault: found.fault, delayMs: found.delayMs };
  }

  list(): FaultRule[] {
    return this.rules;
  }

  /** Whether the local bus refuses this PutEvents call (a `bus-down` rule with calls left). */
  busDown(): boolean {
    const key = 'bus-down';
    const call = (this.deliveries.get(key) ?? 0) + 1;
    this.deliveries.set(key, call);
    return this.rules.some((r) => r.processor === 'events' && r.fault === 'bus-down' && (r.times === undefined || call <= r.times));
  }

  /** The events publisher with its `throw` faults applied; `fileIdsOf` reads the files a batch changes. */
  wrapStream<E, R>(fileIdsOf: (event: E) => string[], consumer: (event: E) => Promise<R>): (event: E) => Promise<R> {
    return async (event) => {
      const files = fileIdsOf(event);
      const key = `events:${files.join(',')}`;
      const delivery = (this.deliveries.get(key) ?? 0) + 1;
      this.deliveries.set(key, delivery);
      const fault = this.rules.find(
        (r) => r.processor === 'events' && r.fault === 'throw' && (!r.fileIds || files.some((f) => r.fileIds!.includes(f))) && (r.times === undefined || delivery <= r.times),
      );
      if (fault) throw new Error(`Injected fault: the events publisher throws on invocation ${delivery} for ${files.join(', ') || 'no file'}`);
      return consumer(event);
    };
  }

  /** The consumer with this processor's faults applied; `fileIdOf` reads the file from a message body. */
  wrap(processor: Exclude<FaultRule['processor'], 'events' | 'scanner'>, fileIdOf: (body: string) => string | undefined, consumer: QueueConsumer): QueueConsumer {
    return async (event) => {
      const body = event.Records[0]?.body ?? '';
      const fileId = fileIdOf(body);
      const key = `${processor}:${fileId}`;
      const delivery = (this.deliveries.get(key) ?? 0) + 1;
      this.deliveries.set(key, delivery);
      const fault = this.rules.find(
        (r) => r.processor === processor && (!r.fileIds || (fileId !== undefined && r.fileIds.includes(fileId))) && (r.times === undefined || delivery <= r.times),
      )?.fault;
      switch (fault) {
        case 'throw':
          throw new Error(`Injected fault: ${processor} throws on delivery ${delivery} for file ${fileId}`);
        case 'timeout':
          return new Promise<never>(() => undefined);
        case 'drop':
          return;
        default:
          return consumer(event);
      }
    };
  }
}
