import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LocalQueue } from '../../../local/local-queue';
import { startSqsEndpoint } from '../../../local/sqs-endpoint';

describe('SendMessage DelaySeconds on the local SQS endpoint', () => {
  it('hands the delay to the queue, 0 when absent, and refuses what SQS refuses', async () => {
    const got: [string, number][] = [];
    const endpoint = await startSqsEndpoint({ q: (body, delay) => got.push([body, delay]) });
    const sqs = new SQSClient({ endpoint: endpoint.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      const QueueUrl = endpoint.queueUrl('q');
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 900 }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'now' }));
      expect(got).toEqual([
        ['later', 900],
        ['now', 0],
      ]);
      await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'too late', DelaySeconds: 901 }))).rejects.toThrow(/DelaySeconds must be a whole number from 0 to 900/);
      expect(got).toHaveLength(2);
    } finally {
      sqs.destroy();
      await endpoint.stop();
    }
  });
});

describe('LocalQueue delays', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('delivers a delayed message once its delay is over, not before; others meanwhile', async () => {
    const queue = new LocalQueue('q', { maxReceiveCount: 1, timeoutMs: 1000, directory: null });
    const delivered: string[] = [];
    queue.consume(async (event) => {
      delivered.push(...event.Records.map((r) => r.body));
    });
    queue.send('in 30 s', 30);
    queue.send('now');
    await jest.advanceTimersByTimeAsync(29_000);
    expect(delivered).toEqual(['now']);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(delivered).toEqual(['now', 'in 30 s']);
  });

  it('keeps a delayed message’s delay across a restart', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fileport-queue-'));
    try {
      new LocalQueue('q', { maxReceiveCount: 1, timeoutMs: 1000, directory }).send('in 60 s', 60);
      await jest.advanceTimersByTimeAsync(10_000);
      const restarted = new LocalQueue('q', { maxReceiveCount: 1, timeoutMs: 1000, directory });
      const delivered: string[] = [];
      restarted.consume(async (event) => {
        delivered.push(...event.Records.map((r) => r.body));
      });
      await jest.advanceTimersByTimeAsync(49_000);
      expect(delivered).toEqual([]);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(delivered).toEqual(['in 60 s']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
