/**
 * When a failed delivery is tried again: the waits before the 2nd, 3rd, … attempt, in seconds.
 * The default is Svix's, some 27.6 hours in all, so a receiver down for a day still gets its events;
 * the local stack and the tests configure a fast one (FILEPORT_WEBHOOK_RETRY_SCHEDULE).
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];

/** The longest SQS can delay a message: longer waits are deferred again when the message arrives. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/** The wait before the attempt after `attempts` failed ones, or undefined when the schedule is spent. */
export function retryDelaySeconds(schedule: readonly number[], attempts: number): number | undefined {
  return attempts >= 1 ? schedule[attempts - 1] : undefined;
}

/** How long the queue should hold a message due at `due`: at most SQS's limit; 0 when it is due. */
export function queueDelaySeconds(due: Date, now: Date): number {
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.ceil((due.getTime() - now.getTime()) / 1000)));
}

/** `5,300,1800` → [5, 300, 1800]: whole seconds, at least one wait. */
export function parseRetrySchedule(text: string): number[] | undefined {
  const waits = text.split(',').map((part) => part.trim());
  if (waits.length === 0 || waits.some((w) => !/^\d+$/.test(w))) return undefined;
  return waits.map(Number);
}
