import { Conflict } from '../errors';
import { grantMetadata } from './content-metadata';
import { canonicalMimeType } from './file-types';
import { fileTypeOf, loadOwnFile, newContentKey } from './files';
import { hasContent, type Principal } from './model';
import { mayOverwrite } from './permissions';
import type { Deps } from './ports';

export interface UploadGrant {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}

/**
 * A pre-signed PUT of a new object for the file: the upload becomes a new version of it. The file
 * type's Content-Type, the size and SHA-256 when the client states them, and the grant (who, and
 * whether it may replace content) are signed, so S3 itself refuses any other body or metadata.
 * Replacing content the file already has needs `files:overwrite`.
 */
export async function createUploadUrl(
  deps: Deps,
  principal: Principal,
  id: string,
  options: { size?: number; checksumSha256?: string; expiresIn: number },
): Promise<UploadGrant> {
  const file = await loadOwnFile(deps, principal, id);
  const overwrite = mayOverwrite(principal);
  if (hasContent(file) && !overwrite) {
    throw new Conflict('ALREADY_UPLOADED', `File ${id} already has content; replacing it needs the files:overwrite scope.`);
  }
  const contentType = canonicalMimeType(fileTypeOf(file));
  const { url, headers } = await deps.objects.presignPut(newContentKey(file), {
    contentType,
    contentLength: options.size,
    checksumSha256: options.checksumSha256,
    metadata: grantMetadata({ uploadedBy: principal.userId, overwrite, checksumSha256: options.checksumSha256 }),
    expiresIn: options.expiresIn,
  });
  const expiresAt = new Date(deps.now().getTime() + options.expiresIn * 1000).toISOString();
  return { url, method: 'PUT', headers, expiresAt };
}
