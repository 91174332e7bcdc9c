import type { Telemetry } from '../../../lambdas/domain/ports';
import { timedProcessing } from '../../../lambdas/entrypoints/sqs-batch';
import { MemoryObjects } from '../support/memory';

/** A telemetry port that keeps what the processors report, and nothing else. */
function recordingTelemetry() {
  const processed: [string, number, { bytesRead: number } | undefined][] = [];
  const telemetry = { processed: (processor: string, durationMs: number, usage?: { bytesRead: number }) => processed.push([processor, durationMs, usage]) } as unknown as Telemetry;
  return { telemetry, processed };
}

describe('timedProcessing', () => {
  it("answers the work's result and reports its duration once", async () => {
    const { telemetry, processed } = recordingTelemetry();
    await expect(timedProcessing({ telemetry, objects: new MemoryObjects() }, 'metadata', async () => 'ready')).resolves.toBe('ready');
    expect(processed).toEqual([['metadata', expect.any(Number), { bytesRead: 0 }]]);
    expect(processed[0]![1]).toBeGreaterThanOrEqual(0);
  });

  it('reports the duration of work that throws, and throws its error on', async () => {
    const { telemetry, processed } = recordingTelemetry();
    const failure = new Error('sharp ran out of memory');
    await expect(timedProcessing({ telemetry, objects: new MemoryObjects() }, 'thumbnails', async () => Promise.reject(failure))).rejects.toBe(failure);
    expect(processed).toEqual([['thumbnails', expect.any(Number), { bytesRead: 0 }]]);
  });

  it('reports the bytes the work read through the store it was given: heads, whole bodies as they stream, ranges', async () => {
    const { telemetry, processed } = recordingTelemetry();
    const objects = new MemoryObjects();
    await objects.put('content/a', Buffer.alloc(10_000, 1));
    const eTag = objects.eTagOf('content/a');
    await timedProcessing({ telemetry, objects }, 'metadata', async (counted) => {
      await counted.readHead('content/a', 4096);
      await counted.readRange('content/a', 100, 199, eTag);
      const whole = await counted.read('content/a');
      // Only what is consumed counts: the first 3 chunks (1,000 bytes each) of the body.
      let taken = 0;
      for await (const _chunk of whole!.body) if (++taken === 3) break;
      // The store it was given is the only one counted: a read past it is not.
      await objects.readHead('content/a', 4096);
    });
    expect(processed).toEqual([['metadata', expect.any(Number), { bytesRead: 4096 + 100 + 3000 }]]);
  });
});
