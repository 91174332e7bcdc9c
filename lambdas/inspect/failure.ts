import type { FailureCode } from '../errors';

/** The content is bad: the file ends `failed` with this code (errors.ts `failureCatalogue`), and the work is never retried. */
export class ProcessingFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProcessingFailure';
  }
}
