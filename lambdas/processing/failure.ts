export type FailureCode = 'CONTENT_MISMATCH' | 'CORRUPT_FILE' | 'ENCRYPTED_FILE' | 'EMPTY_FILE' | 'IMAGE_TOO_LARGE' | 'ACTIVE_CONTENT' | 'FILE_TOO_LARGE';

/** The content is bad: the file ends `failed` with this code, and the work is never retried. */
export class ProcessingFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProcessingFailure';
  }
}
