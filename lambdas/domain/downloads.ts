import { Conflict, NotFound, ValidationError } from '../errors';
import type { ThumbnailSize } from './thumbnail-sizes';
import { canonicalMimeType, mayBeInline, type FileType } from './file-types';
import { fileTypeOf, loadOwnFile } from './files';
import { currentVersion, type Principal } from './model';
import type { Deps } from './ports';

export interface DownloadGrant {
  url: string;
  expiresAt: string;
}

export type Disposition = 'attachment' | 'inline';

/** RFC 5987 value-chars: unreserved characters stay, everything else is percent-encoded. */
const rfc5987 = (value: string) => encodeURIComponent(value).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A download name always ends in the type's extension, so the saved file opens as what it is. */
export function downloadName(name: string, type: FileType): string {
  return name.toLowerCase().endsWith(`.${type.extension}`) ? name : `${name}.${type.extension}`;
}

/** RFC 6266: a plain-ASCII `filename` for old clients and the exact name in `filename*`. */
export function contentDisposition(disposition: Disposition, filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${rfc5987(filename)}`;
}

function expiry(deps: Deps, expiresIn: number): string {
  return new Date(deps.now().getTime() + expiresIn * 1000).toISOString();
}

/**
 * A URL to the current version's content, or to version `version`, with the SHA-256 processing
 * measured (null while it runs) so the client can verify what it downloads.
 */
export async function createDownloadUrl(
  deps: Deps,
  principal: Principal,
  id: string,
  options: { disposition: Disposition; expiresIn: number; version?: number },
): Promise<DownloadGrant & { version: number; checksumSha256: string | null }> {
  const file = await loadOwnFile(deps, principal, id);
  const type = fileTypeOf(file);
  const version = options.version === undefined ? currentVersion(file) : file.versions.find((v) => v.version === options.version);
  if (!version) {
    if (options.version !== undefined) throw new NotFound(`File ${id} has no version ${options.version}.`, 'VERSION_NOT_FOUND');
    throw new Conflict('NOT_UPLOADED', `File ${id} has no content yet.`);
  }
  if (version.contentRemoved) {
    throw new Conflict('NOT_UPLOADED', `The content of version ${version.version} of file ${id} was refused (${version.error?.code}) and deleted.`);
  }
  if (options.disposition === 'inline' && !mayBeInline(type)) {
    throw new ValidationError(`Files of type ${type.id} are always downloaded as attachments.`, 'INLINE_NOT_ALLOWED');
  }
  // Content that failed its checks may not be what its type says: never let a browser render it.
  const disposition = version.status === 'failed' ? 'attachment' : options.disposition;
  const url = await deps.objects.presignGet(version.key, {
    expiresIn: options.expiresIn,
    contentType: canonicalMimeType(type),
    contentDisposition: contentDisposition(disposition, downloadName(file.name, type)),
  });
  return { url, expiresAt: expiry(deps, options.expiresIn), version: version.version, checksumSha256: version.checksumSha256 };
}

export async function createThumbnailUrl(
  deps: Deps,
  principal: Principal,
  id: string,
  size: ThumbnailSize,
  options: { expiresIn: number },
): Promise<DownloadGrant & { width: number; height: number }> {
  const file = await loadOwnFile(deps, principal, id);
  const type = fileTypeOf(file);
  if (!type.thumbnails) throw new NotFound(`Files of type ${type.id} have no thumbnails.`, 'NO_THUMBNAIL');
  if (file.status === 'pending' || file.status === 'processing') {
    throw new Conflict('THUMBNAIL_NOT_READY', `The thumbnails of file ${id} are not ready yet; use the original image meanwhile.`);
  }
  const thumbnail = file.thumbnails.find((t) => t.size === size);
  const key = file.thumbnailKeys[size];
  if (file.status === 'failed' || !thumbnail || !key) throw new NotFound(`File ${id} has no ${size} thumbnail.`, 'NO_THUMBNAIL');
  const baseName = file.name.replace(/\.[^.]*$/, '') || 'thumbnail';
  const url = await deps.objects.presignGet(key, {
    expiresIn: options.expiresIn,
    contentType: 'image/webp',
    contentDisposition: contentDisposition('inline', `${baseName}-${size}.webp`),
  });
  return { url, expiresAt: expiry(deps, options.expiresIn), width: thumbnail.width, height: thumbnail.height };
}
