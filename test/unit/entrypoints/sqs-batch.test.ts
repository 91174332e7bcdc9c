import type { Telemetry } from '../../../lambdas/domain/ports';
import { timedProcessing } from '../../../lambdas/entrypoints/sqs-batch';

/** A telemetry port that keeps what the processors report, and nothing else. */
function recordingTelemetry() {
  const processed: [string, number][] = [];
  const telemetry = { processed: (processor: string, durationMs: number) => processed.push([processor, durationMs]) } as unknown as Telemetry;
  return { telemetry, processed };
}

describe('timedProcessing', () => {
  it("answers the work's result and reports its duration once", async () => {
    const { telemetry, processed } = recordingTelemetry();
    await expect(timedProcessing(telemetry, 'metadata', async () => 'ready')).resolves.toBe('ready');
    expect(processed).toEqual([['metadata', expect.any(Number)]]);
    expect(processed[0]![1]).toBeGreaterThanOrEqual(0);
  });

  it('reports the duration of work that throws, and throws its error on', async () => {
    const { telemetry, processed } = recordingTelemetry();
    const failure = new Error('sharp ran out of memory');
    await expect(timedProcessing(telemetry, 'thumbnails', async () => Promise.reject(failure))).rejects.toBe(failure);
    expect(processed).toEqual([['thumbnails', expect.any(Number)]]);
  });
});
