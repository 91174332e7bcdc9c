import { DEFAULT_RETRY_SCHEDULE_SECONDS, MAX_QUEUE_DELAY_SECONDS, parseRetrySchedule, queueDelaySeconds, retryDelaySeconds } from '../../../../lambdas/domain/webhooks/schedule';

describe('webhook retry schedule', () => {
  it('spans at least 24 hours by default, growing between attempts', () => {
    const total = DEFAULT_RETRY_SCHEDULE_SECONDS.reduce((sum, wait) => sum + wait, 0);
    expect(total).toBeGreaterThanOrEqual(24 * 3600);
    for (let i = 1; i < DEFAULT_RETRY_SCHEDULE_SECONDS.length; i++) expect(DEFAULT_RETRY_SCHEDULE_SECONDS[i]!).toBeGreaterThanOrEqual(DEFAULT_RETRY_SCHEDULE_SECONDS[i - 1]!);
  });

  it('waits the schedule’s n-th wait after the n-th failed attempt, and nothing once it is spent', () => {
    const schedule = [5, 300, 1800];
    expect(retryDelaySeconds(schedule, 1)).toBe(5);
    expect(retryDelaySeconds(schedule, 2)).toBe(300);
    expect(retryDelaySeconds(schedule, 3)).toBe(1800);
    expect(retryDelaySeconds(schedule, 4)).toBeUndefined();
    expect(retryDelaySeconds(schedule, 0)).toBeUndefined();
  });

  it('holds a message in the queue at most 15 minutes (SQS), rounding up, and not at all when due', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    expect(queueDelaySeconds(at(4.2), now)).toBe(5);
    expect(queueDelaySeconds(at(900), now)).toBe(900);
    expect(queueDelaySeconds(at(5 * 3600), now)).toBe(MAX_QUEUE_DELAY_SECONDS);
    expect(queueDelaySeconds(at(-10), now)).toBe(0);
  });

  it('reads a configured schedule of whole seconds', () => {
    expect(parseRetrySchedule('1, 1,2')).toEqual([1, 1, 2]);
    for (const bad of ['', '1,,2', '1.5', '-1', 'soon']) expect(parseRetrySchedule(bad)).toBeUndefined();
  });
});
