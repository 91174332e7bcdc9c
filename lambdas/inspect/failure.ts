export type FailureCode =
  | 'CONTENT_MISMATCH'
  | 'CORRUPT_FILE'
  | 'ENCRYPTED_FILE'
  | 'EMPTY_FILE'
  | 'IMAGE_TOO_LARGE'
  | 'ACTIVE_CONTENT'
  | 'FILE_TOO_LARGE'
  // The bytes are not the ones the client declared (their SHA-256 differs): the object is deleted.
  | 'CHECKSUM_MISMATCH'
  // New bytes arrived through an upload URL or form whose version already held accepted content:
  // the bucket keeps one object per key, so that content is gone; the new bytes are deleted too.
  | 'UPLOAD_REUSED'
  // The object a claimed version was processing disappeared before it was read.
  | 'CONTENT_MISSING'
  // Not the content's fault as far as anyone can tell: processing kept failing, or never finished.
  | 'PROCESSING_FAILED'
  | 'PROCESSING_STUCK';

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
