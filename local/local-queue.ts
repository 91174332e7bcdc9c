import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export interface LocalQueueOptions {
  /** Deliveries before a message goes to the dead-letter list, like SQS's maxReceiveCount. */
  maxReceiveCount?: number;
  /** First retry delay; doubles with every attempt. */
  retryDelayMs?: number;
  concurrency?: number;
}

interface Message {
  id: string;
  body: string;
  receiveCount: number;
}

/**
 * An in-process stand-in for an SQS queue with a redrive policy: delivers each message to the
 * consumer as an SQS event, retries what the consumer reports failed with back-off, and keeps
 * messages that exhausted their deliveries in `deadLetters`.
 */
export class LocalQueue {
  readonly deadLetters: { id: string; body: string }[] = [];
  private readonly waiting: Message[] = [];
  private inFlight = 0;
  private scheduled = 0;
  private idleWaiters: (() => void)[] = [];
  private consumer: ((event: SQSEvent) => Promise<SQSBatchResponse | void>) | undefined;
  private readonly maxReceiveCount: number;
  private readonly retryDelayMs: number;
  private readonly concurrency: number;

  constructor(
    readonly name: string,
    options: LocalQueueOptions = {},
  ) {
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.concurrency = options.concurrency ?? 4;
  }

  consume(consumer: (event: SQSEvent) => Promise<SQSBatchResponse | void>): void {
    this.consumer = consumer;
    this.pump();
  }

  send(body: string): void {
    this.waiting.push({ id: randomUUID(), body, receiveCount: 0 });
    this.pump();
  }

  /** Resolves once nothing is waiting, running or scheduled for a retry. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.inFlight === 0 && this.scheduled === 0;
  }

  private pump(): void {
    while (this.consumer && this.inFlight < this.concurrency && this.waiting.length > 0) {
      const message = this.waiting.shift() as Message;
      this.inFlight++;
      void this.deliver(this.consumer, message).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.isIdle()) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
  }

  private async deliver(consumer: (event: SQSEvent) => Promise<SQSBatchResponse | void>, message: Message): Promise<void> {
    message.receiveCount++;
    let failed: boolean;
    try {
      const response = await consumer({ Records: [this.toRecord(message)] });
      failed = (response?.batchItemFailures ?? []).some((f) => f.itemIdentifier === message.id);
    } catch {
      failed = true;
    }
    if (!failed) return;
    if (message.receiveCount >= this.maxReceiveCount) {
      this.deadLetters.push({ id: message.id, body: message.body });
      console.error(JSON.stringify({ level: 'error', message: `Dead-lettered after ${message.receiveCount} deliveries`, queue: this.name, body: message.body }));
      return;
    }
    this.scheduled++;
    setTimeout(() => {
      this.scheduled--;
      this.waiting.push(message);
      this.pump();
    }, this.retryDelayMs * 2 ** (message.receiveCount - 1)).unref();
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
