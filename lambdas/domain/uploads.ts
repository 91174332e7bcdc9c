import { randomUUID } from 'node:crypto';
import { canonicalMimeType } from './file-types';
import { fileTypeOf, loadOwnFile } from './files';
import type { Principal } from './model';
import type { Deps } from './ports';

export interface UploadGrant {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}

/**
 * A pre-signed PUT for the file's content. The file type's Content-Type (and the size, when the
 * client states it) are signed, so S3 itself refuses any other body.
 */
export async function createUploadUrl(
  deps: Deps,
  principal: Principal,
  id: string,
  options: { size?: number; expiresIn: number },
): Promise<UploadGrant> {
  const file = await loadOwnFile(deps, principal, id);
  const contentType = canonicalMimeType(fileTypeOf(file));
  const url = await deps.objects.presignPut(file.contentKey, {
    contentType,
    contentLength: options.size,
    expiresIn: options.expiresIn,
    uploadId: randomUUID(),
  });
  const expiresAt = new Date(deps.now().getTime() + options.expiresIn * 1000).toISOString();
  return { url, method: 'PUT', headers: { 'Content-Type': contentType }, expiresAt };
}
