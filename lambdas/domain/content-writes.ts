import type { ProcessingFailure } from '../processing/failure';
import type { FileChanges, FileRecord } from './model';
import { StaleWrite, type Deps } from './ports';

export type ProcessingOutcome = 'processed' | 'thumbnails-queued' | 'stale' | 'not-a-file' | 'deleted';

/**
 * Applies `change` to the file only while it still describes content `sequencer`: a newer upload
 * (or a deleted file) makes the result of this run worthless, and it is dropped.
 */
export async function writeForContent(
  deps: Deps,
  fileId: string,
  sequencer: string,
  change: (file: FileRecord) => FileChanges | undefined,
): Promise<FileRecord | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const file = await deps.files.get(fileId);
    if (!file || file.contentSequencer !== sequencer) return undefined;
    const changes = change(file);
    if (!changes) return file;
    try {
      return await deps.files.update(file, changes, deps.now());
    } catch (error) {
      if (!(error instanceof StaleWrite)) throw error;
    }
  }
  throw new Error(`File ${fileId} kept changing while processing wrote its results.`);
}

export const failed = (failure: ProcessingFailure): FileChanges => ({ status: 'failed', error: { code: failure.code, message: failure.message } });
