import { FileportError } from '../../errors';
import type { FileRecord } from '../model';
import type { Deps } from '../ports';

/** Anyone may follow a public link, so the URL it redirects to lives shorter than a member's. */
export const PUBLIC_URL_MAX_TTL_SECONDS = 300;

/**
 * A file anyone may download: public, and with content that passed processing. A private, missing,
 * unprocessed or failed file answers the same 404, so a public link tells nothing of the others.
 */
export async function loadPublicFile(deps: Deps, id: string | undefined): Promise<FileRecord> {
  const file = id === undefined ? undefined : await deps.files.get(id);
  if (!file || file.accessControl !== 'public' || file.status !== 'ready') throw new FileportError('FILE_NOT_FOUND', 'There is no public file at this address.');
  return file;
}
