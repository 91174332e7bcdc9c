import { FileportError, fileportError } from '../../errors';
import { grantMetadata } from '../transfer/content-metadata';
import { canonicalMimeType } from './file-types';
import { createFile, loadOwnFile, newContentKey } from './files';
import { currentVersion, type FileLink, type FileRecord, type Principal } from '../model';
import type { Deps } from '../ports';

/** S3's limit for CopyObject; larger objects need a multipart copy (UploadPartCopy), not offered yet. */
export const MAX_COPY_BYTES = 5 * 1024 ** 3;

export interface CopyInput {
  name?: string;
  tags?: string[];
  links?: FileLink[];
}

/**
 * A new file of the same tenant and type whose content is a server-side copy of the source's
 * current version: S3 copies the bytes, and the copy's S3 event processes the new file like any
 * upload (checksum included: the source's SHA-256 is signed into the copy as the declared one).
 * Name, tags and links default to the source's; the external id is not copied.
 */
export async function copyFile(deps: Deps, principal: Principal, sourceId: string, input: CopyInput, options: { pendingTtlSeconds?: number } = {}): Promise<FileRecord> {
  const source = await loadOwnFile(deps, principal, sourceId);
  const content = currentVersion(source);
  if (!content || content.status !== 'ready') throw new FileportError('NOT_UPLOADED', `File ${sourceId} has no ready content to copy.`);
  if ((content.size ?? 0) > MAX_COPY_BYTES) throw fileportError('COPY_TOO_LARGE', { maxBytes: MAX_COPY_BYTES });

  const copy = await createFile(
    deps,
    principal,
    { name: input.name ?? source.name, fileTypeId: source.fileTypeId, tags: input.tags ?? source.tags, links: input.links ?? source.links },
    options,
  );
  let copied: boolean;
  try {
    copied = await deps.objects.copy(content.key, newContentKey(copy), {
      contentType: canonicalMimeType(deps.fileTypes.typeOf(copy)),
      metadata: grantMetadata({ uploadedBy: principal.userId, overwrite: false, checksumSha256: content.checksumSha256 ?? undefined }),
    });
  } catch (error) {
    await deps.files.delete(copy);
    throw error;
  }
  if (!copied) {
    // The source's content was replaced or deleted since it was read.
    await deps.files.delete(copy);
    throw new FileportError('NOT_UPLOADED', `File ${sourceId} has no ready content to copy.`);
  }
  return copy;
}
