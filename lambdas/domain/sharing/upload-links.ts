import { FileportError, fileportError } from '../../errors';
import { createFile } from '../files/files';
import type { FileLink, FileRecord, Principal, ShareTokenGrant, UploadLinkTerms } from '../model';
import { hasScope } from '../permissions';
import type { SharingDeps as Deps } from '../ports';
import { authorizeShareToken, isLive, issueToken, toApiShareToken, tokenNotFound, type SharePolicy } from './share-tokens';

/**
 * Upload links: share tokens with `accessLevel: 'upload'`. A file's link uploads new versions of
 * that file (POST /v1/files/{id}/tokens); a drop box (POST /v1/upload-links) is bound to no file:
 * its holder creates files in the tenant through it, each with the link's tags and links, and
 * uploads their content. Either uploads as the link itself, `token:<id>`, and nothing else: it
 * reads, lists and downloads nothing.
 */

export interface NewDropBox {
  expiresAt: string;
  requestsPerMinute?: number;
  maxSize?: number;
  fileTypeIds?: string[];
  maxFiles?: number;
  tags?: string[];
  links?: FileLink[];
}

/** A drop box of the caller's tenant. */
export async function createDropBox(deps: Deps, principal: Principal, input: NewDropBox) {
  const unknown = input.fileTypeIds?.find((id) => !deps.fileTypes.find(id));
  if (unknown !== undefined) throw fileportError('UNKNOWN_FILE_TYPE', { tried: `fileTypeIds entry "${unknown}"` });
  const upload: UploadLinkTerms = {
    requestsPerMinute: input.requestsPerMinute ?? null,
    maxSize: input.maxSize ?? null,
    overwrite: false,
    fileTypeIds: input.fileTypeIds ? [...new Set(input.fileTypeIds)] : null,
    maxFiles: input.maxFiles ?? null,
    tags: [...new Set(input.tags ?? [])],
    links: input.links ?? [],
  };
  return issueToken(deps, { fileId: null, tenantId: principal.tenantId }, { accessLevel: 'upload', expiresAt: input.expiresAt, upload }, `user:${principal.userId}`, null);
}

/** The tenant's live drop boxes, oldest first: any member who may upload sees them (not their secrets). */
export async function listDropBoxes(deps: Deps, principal: Principal) {
  const now = deps.now();
  const live = (await deps.shareTokens.listDropBoxes(principal.tenantId)).filter((t) => isLive(t, now));
  return live.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(toApiShareToken);
}

/** Deletes a drop box: its creator, or an admin. The files it created stay. */
export async function deleteDropBox(deps: Deps, principal: Principal, tokenId: string): Promise<void> {
  const token = (await deps.shareTokens.listDropBoxes(principal.tenantId)).find((t) => t.id === tokenId);
  if (!token) throw new FileportError('SHARE_TOKEN_NOT_FOUND', `The tenant has no upload link ${tokenId}.`);
  if (token.createdBy !== `user:${principal.userId}` && !hasScope(principal, 'files:admin')) {
    throw new FileportError('FORBIDDEN', `Only the member who created upload link ${tokenId} or an admin (files:admin) may delete it.`);
  }
  await deps.shareTokens.delete(token);
}

/**
 * Who uploads through an upload link: the link itself, attributed `token:<id>`, with the right to
 * write and (a file's link whose creator held it) to overwrite; nothing else.
 */
export const linkPrincipal = (token: ShareTokenGrant): Principal => ({
  tenantId: token.tenantId,
  userId: `token:${token.id}`,
  scopes: new Set(token.upload?.overwrite ? ['files:write', 'files:overwrite'] : ['files:write']),
  shareTokenId: token.id,
});

const termsOf = (token: ShareTokenGrant): UploadLinkTerms => {
  // Every upload token is issued with terms; one without could only be a corrupt item.
  if (!token.upload) throw new Error(`Upload link ${token.id} has no terms`);
  return token.upload;
};

/** The upload terms the tenant grants, lowered by the link's own maximum size. */
export const withinLink = <T extends { maxFileSize: number }>(terms: T, link: UploadLinkTerms): T => ({ ...terms, maxFileSize: Math.min(terms.maxFileSize, link.maxSize ?? Infinity) });

/**
 * What an upload through the link may write to: the link's file, or, for a drop box, the file of
 * the path if the drop box created it. Any other file answers 404, as one that does not exist.
 * `alongside` reads the tenant's terms beside the link's own reads.
 */
export async function useUploadLink<T>(
  deps: Deps,
  secret: string,
  policy: SharePolicy,
  fileId: string | undefined,
  alongside: (tenantId: string) => Promise<T>,
): Promise<{ principal: Principal; fileId: string; link: UploadLinkTerms; alongside: T }> {
  const { token, alongside: terms } = await authorizeShareToken(deps, secret, 'upload', policy, alongside);
  const principal = linkPrincipal(token);
  const link = termsOf(token);
  if (token.fileId !== null) {
    if (fileId !== undefined) throw new FileportError('FILE_NOT_FOUND', `File ${fileId} was not found: this upload link uploads to its own file, through /v1/shared/{token}/upload….`);
    return { principal, fileId: token.fileId, link, alongside: terms };
  }
  if (fileId === undefined) {
    throw new FileportError('FILE_NOT_FOUND', 'This upload link is a drop box: create a file with POST /v1/shared/{token}/files, then upload through /v1/shared/{token}/files/{id}/….');
  }
  const file = await deps.files.get(fileId);
  if (!file || file.tenantId !== token.tenantId || file.createdBy !== principal.userId) throw fileportError('FILE_NOT_FOUND', { id: fileId });
  return { principal, fileId, link, alongside: terms };
}

export interface DroppedFile {
  name: string;
  /** Resolved as for any new file: the id, else the MIME type, else the name's extension. */
  fileTypeId?: string;
  mimeType?: string;
  /** The size the holder means to upload, checked against the link's maximum before anything is created. */
  size?: number;
}

/**
 * A new file of the drop box's tenant, created by the link (`createdBy: token:<id>`) with its tags
 * and links, if the type is one it allows and it has created fewer than its `maxFiles`: the count
 * is taken atomically, so concurrent creations cannot pass the limit together.
 */
export async function createDroppedFile(
  deps: Deps,
  secret: string,
  policy: SharePolicy,
  input: DroppedFile,
  options: { pendingTtlSeconds?: number },
): Promise<FileRecord> {
  const { token } = await authorizeShareToken(deps, secret, 'upload', policy);
  if (token.fileId !== null) throw new FileportError('FORBIDDEN', 'This upload link is for one file and creates none: upload through /v1/shared/{token}/upload….');
  const link = termsOf(token);
  const type = deps.fileTypes.resolve(input);
  if (link.fileTypeIds !== null && !link.fileTypeIds.includes(type.id)) {
    throw fileportError('FILE_TYPE_NOT_ALLOWED', { fileTypeId: type.id, allowed: link.fileTypeIds, by: 'upload link' });
  }
  if (input.size !== undefined && link.maxSize !== null && input.size > link.maxSize) throw fileportError('FILE_TOO_LARGE', { size: input.size, max: link.maxSize });
  if (!(await deps.shareTokens.countFile(token, link.maxFiles))) {
    // Deleted since it was read, or full.
    throw link.maxFiles === null ? tokenNotFound() : fileportError('UPLOAD_LINK_FULL', { maxFiles: link.maxFiles });
  }
  return createFile(deps, linkPrincipal(token), { name: input.name, fileTypeId: type.id, tags: link.tags, links: link.links }, options);
}
