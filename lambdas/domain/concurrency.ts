import { StaleWrite } from './ports';

/**
 * Tries a conditional write of the file (or of its share tokens) gets: another write that came in
 * between only costs a re-read, and five in a row mean something keeps writing the item.
 */
export const WRITE_ATTEMPTS = 5;

export interface StaleWriteRetry {
  /** How many times `attempt` runs at most; at least 1. */
  attempts: number;
  /** What is thrown once every attempt lost to another write; the last `StaleWrite` itself when absent. */
  exhausted?: (last: StaleWrite) => Error;
}

/**
 * Optimistic concurrency: runs `attempt` (which reads the item, decides, and writes it on the
 * condition that it is still as read) again, from its read, for as long as its write throws
 * `StaleWrite`, up to `attempts` times. Whatever `attempt` returns ends the loop, so an attempt
 * that finds nothing left to write (a file gone meanwhile) answers without writing. Any other
 * error ends it too. No pause between attempts: the conflicting write is already done, and the
 * next read sees it.
 */
export async function retryOnStaleWrite<T>(attempt: () => Promise<T>, options: StaleWriteRetry): Promise<T> {
  if (!(options.attempts >= 1)) throw new RangeError(`attempts must be at least 1, not ${options.attempts}.`);
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StaleWrite)) throw error;
      if (tried >= options.attempts) throw options.exhausted ? options.exhausted(error) : error;
    }
  }
}
