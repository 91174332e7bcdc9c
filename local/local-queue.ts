import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export type QueueConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface LocalQueueOptions {
  /** Deliveries before a message is dead-lettered, like SQS's maxReceiveCount. */
  maxReceiveCount: number;
  /** A delivery that has not finished by then counts as failed, as a Lambda timeout does. */
  timeoutMs: number;
  /** First retry delay; doubles with every attempt. */
  retryDelayMs?: number;
  concurrency?: number;
  /** Where messages persist until consumed, so a restart (or a crash) loses none; null: memory only. */
  directory: string | null;
  /** Receives each message that used up its deliveries, as a dead-letter queue would. */
  onDeadLetter?: (body: string) => void;
}

interface Message {
  id: string;
  body: string;
  receiveCount: number;
  /** Not delivered before this time (ms since the epoch): a message sent with a delay. */
  visibleAt?: number;
}

/** Counts since start: every message sent ends succeeded or dead-lettered, or is still queued. */
export interface QueueStats {
  sent: number;
  deliveries: number;
  failedDeliveries: number;
  timedOut: number;
  succeeded: number;
  deadLettered: number;
  /** Messages not finished yet: waiting, being delivered, or waiting for a retry. */
  pending: number;
}

/**
 * An in-process stand-in for an SQS queue with a redrive policy: delivers each message to the
 * consumer as an SQS event, retries what the consumer reports failed (or does not finish in time)
 * with back-off, and hands messages that used up their deliveries to the dead-letter sink. With a
 * directory, a message is on disk before `send` returns and until it is consumed: what was queued
 * or being worked on when the stack stopped is delivered again when it starts.
 */
export class LocalQueue {
  private readonly counts = { sent: 0, deliveries: 0, failedDeliveries: 0, timedOut: 0, succeeded: 0, deadLettered: 0 };
  private readonly waiting: Message[] = [];
  private unfinished = 0;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private consumer: QueueConsumer | undefined;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly options: LocalQueueOptions,
  ) {
    if (options.directory) {
      mkdirSync(options.directory, { recursive: true });
      for (const entry of readdirSync(options.directory).filter((f) => f.endsWith('.json')).sort()) {
        const message = JSON.parse(readFileSync(join(options.directory, entry), 'utf8')) as Message;
        this.unfinished++;
        this.enqueue(message);
      }
    }
  }

  consume(consumer: QueueConsumer): void {
    this.consumer = consumer;
    this.pump();
  }

  /** `delaySeconds`: held back that long before its first delivery, as SQS's DelaySeconds (kept across a restart). */
  send(body: string, delaySeconds = 0): void {
    // Time-ordered file names, so a restart delivers in the order sent.
    const message: Message = { id: `${Date.now().toString(36).padStart(10, '0')}-${randomUUID()}`, body, receiveCount: 0 };
    if (delaySeconds > 0) message.visibleAt = Date.now() + delaySeconds * 1000;
    this.persist(message);
    this.counts.sent++;
    this.unfinished++;
    this.enqueue(message);
  }

  /** Waiting now, or once its delay is over. */
  private enqueue(message: Message): void {
    const wait = (message.visibleAt ?? 0) - Date.now();
    if (wait <= 0) {
      this.waiting.push(message);
      this.pump();
      return;
    }
    setTimeout(() => {
      this.waiting.push(message);
      this.pump();
    }, wait).unref();
  }

  stats(): QueueStats {
    return { ...this.counts, pending: this.unfinished };
  }

  /** Resolves once nothing is waiting, running or scheduled for a retry. */
  idle(): Promise<void> {
    if (this.unfinished === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** No more deliveries; what is unfinished stays on disk for the next start. */
  stop(): void {
    this.stopped = true;
  }

  private pump(): void {
    while (!this.stopped && this.consumer && this.inFlight < (this.options.concurrency ?? 4) && this.waiting.length > 0) {
      const message = this.waiting.shift() as Message;
      this.inFlight++;
      void this.deliver(this.consumer, message).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async deliver(consumer: QueueConsumer, message: Message): Promise<void> {
    // Counted before the delivery, as SQS counts receives: a crash during it still used one up.
    message.receiveCount++;
    this.persist(message);
    this.counts.deliveries++;
    let failed: boolean;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.timeoutMs)));
      const response = await Promise.race([consumer({ Records: [this.toRecord(message)] }), timeout]);
      if (response === 'timeout') this.counts.timedOut++;
      failed = response === 'timeout' || (response?.batchItemFailures ?? []).some((f) => f.itemIdentifier === message.id);
    } catch {
      failed = true;
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) return;
    if (!failed) {
      this.counts.succeeded++;
      return this.finish(message);
    }
    this.counts.failedDeliveries++;
    if (message.receiveCount >= this.options.maxReceiveCount) {
      this.counts.deadLettered++;
      console.error(JSON.stringify({ level: 'error', message: `Dead-lettered after ${message.receiveCount} deliveries`, queue: this.name, body: message.body }));
      this.options.onDeadLetter?.(message.body);
      return this.finish(message);
    }
    setTimeout(
      () => {
        this.waiting.push(message);
        this.pump();
      },
      (this.options.retryDelayMs ?? 200) * 2 ** (message.receiveCount - 1),
    ).unref();
  }

  private finish(message: Message): void {
    if (this.options.directory) rmSync(this.fileOf(message), { force: true });
    if (--this.unfinished === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private persist(message: Message): void {
    if (!this.options.directory) return;
    // Written aside and renamed: a crash mid-write must not leave half a message.
    const file = this.fileOf(message);
    writeFileSync(`${file}.tmp`, JSON.stringify(message));
    renameSync(`${file}.tmp`, file);
  }

  private fileOf(message: Message): string {
    return join(this.options.directory as string, `${message.id}.json`);
  }

  private toRecord(message: Message): SQSEvent['Records'][number] {
    const now = String(Date.now());
    return {
      messageId: message.id,
      receiptHandle: `${message.id}#${message.receiveCount}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: now,
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: now,
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${this.name}`,
      awsRegion: 'us-east-1',
    };
  }
}
