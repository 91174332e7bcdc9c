import { ProcessingFailure } from '../../../lambdas/inspect/failure';

/** The ProcessingFailure `promise` rejects with; anything else fails the test. */
export async function failureOf(promise: Promise<unknown>): Promise<ProcessingFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProcessingFailure) return error;
    throw error;
  }
  throw new Error('expected a ProcessingFailure');
}
