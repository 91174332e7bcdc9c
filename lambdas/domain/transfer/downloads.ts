import { FileportError, fileportError } from '../../errors';
import { actorOf, audit, type Actor, type AuditAction } from '../audit';
import type { ThumbnailSize } from '../../inspect/thumbnail-sizes';
import { canonicalMimeType, getsThumbnails, isActiveContent, mayBeInline, type FileType } from '../files/file-types';
import { loadOwnFile } from '../files/files';
import { currentVersion, type FileRecord, type Principal } from '../model';
import type { Deps, ScanHold } from '../ports';
import { checkScanServes } from '../scanning/scan-holds';
import { toWellFormed } from '../text';

export interface DownloadGrant {
  url: string;
  expiresAt: string;
}

export type Disposition = 'attachment' | 'inline';

/**
 * RFC 5987 value-chars: unreserved characters stay, everything else is percent-encoded (a lone
 * surrogate of a name stored before names had to be well-formed as U+FFFD).
 */
const rfc5987 = (value: string) => encodeURIComponent(toWellFormed(value)).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A download name always ends in one of the type's extensions (else its first is appended), so the
 * saved file opens as what it is. A type without extensions (`binary`, a removed type) says nothing
 * of what the bytes are: its files keep the names they were given.
 */
export function downloadName(name: string, type: FileType): string {
  if (type.extensions.length === 0 || type.extensions.some((extension) => name.toLowerCase().endsWith(`.${extension}`))) return name;
  return `${name}.${type.extension}`;
}

/** RFC 6266: a plain-ASCII `filename` for old clients and the exact name in `filename*`. */
export function contentDisposition(disposition: Disposition, filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${rfc5987(filename)}`;
}

function expiry(deps: Deps, expiresIn: number): string {
  return new Date(deps.now().getTime() + expiresIn * 1000).toISOString();
}

export interface DownloadOptions {
  disposition: Disposition;
  /** A content version; the current one when absent. */
  version?: number;
  expiresIn: number;
  /** The tenant's `disableForceDownloadForMimeTypes` (lambdas/domain/settings/tenant-settings.ts): what may be inline. */
  inlineMimeTypes: readonly string[];
  /** Whom the URL is for, for the audit line. */
  actor: Actor;
  /** The audit line's action: `download` unless the caller is a share or public route. */
  action?: AuditAction;
  /** The tenant's `scanHold`: whether content not (yet) scanned clean is served; absent: held. */
  scanHold?: ScanHold;
}

/**
 * Browsers render text/plain as text and never execute it: active content (HTML, SVG, XML) a
 * tenant lets be inline is shown as its source. S3 can only be told six response headers through
 * a pre-signed GET (Content-Type, -Disposition, -Encoding, -Language, Cache-Control, Expires), so a
 * Content-Security-Policy sandbox cannot be sent with it; the type is what keeps scripts from running.
 */
export const INLINE_ACTIVE_CONTENT_TYPE = 'text/plain; charset=utf-8';

/**
 * A URL to a file's current content, or to version `version`, with the SHA-256 processing
 * measured (null while it runs) so the client can verify what it downloads. The file is loaded
 * (and checked to be the caller's) by the caller: the API's own download route, a share token or
 * a public file. Every download is an attachment unless the tenant lets the type be inline.
 */
export async function grantDownload(
  deps: Deps,
  file: FileRecord,
  options: DownloadOptions,
): Promise<DownloadGrant & { version: number; checksumSha256: string | null; checksumCrc64nvme: string | null }> {
  const type = deps.fileTypes.typeOf(file);
  const version = options.version === undefined ? currentVersion(file) : file.versions.find((v) => v.version === options.version);
  if (!version) {
    if (options.version !== undefined) throw fileportError('VERSION_NOT_FOUND', { id: file.id, version: options.version });
    throw new FileportError('NOT_UPLOADED', `File ${file.id} has no content yet.`);
  }
  checkScanServes(file, version, options.scanHold ?? 'hold');
  if (version.contentRemoved) {
    throw new FileportError('NOT_UPLOADED', `The content of version ${version.version} of file ${file.id} was refused (${version.error?.code}) and deleted.`);
  }
  if (options.disposition === 'inline' && !mayBeInline(type, options.inlineMimeTypes)) {
    throw fileportError('INLINE_NOT_ALLOWED', { mimeType: canonicalMimeType(type) });
  }
  // Content that failed its checks may not be what its type says: never let a browser render it.
  const disposition = version.status === 'failed' ? 'attachment' : options.disposition;
  const url = await deps.objects.presignGet(version.key, {
    expiresIn: options.expiresIn,
    contentType: disposition === 'inline' && isActiveContent(type) ? INLINE_ACTIVE_CONTENT_TYPE : canonicalMimeType(type),
    contentDisposition: contentDisposition(disposition, downloadName(file.name, type)),
  });
  const expiresAt = expiry(deps, options.expiresIn);
  audit(deps, { action: options.action ?? 'download', tenantId: file.tenantId, actor: options.actor, fileId: file.id, expiresAt, key: version.key, version: version.version });
  // What a client verifies the bytes with: the SHA-256, or the whole-object CRC-64/NVME S3 verified when there is no SHA-256.
  return { url, expiresAt, version: version.version, checksumSha256: version.checksumSha256, checksumCrc64nvme: version.checksumCrc64nvme ?? null };
}

/** grantDownload for one of the caller's own files. */
export async function createDownloadUrl(
  deps: Deps,
  principal: Principal,
  id: string,
  options: Omit<DownloadOptions, 'actor' | 'inlineMimeTypes' | 'action' | 'scanHold'> & { inlineMimeTypes?: readonly string[]; scanHold?: ScanHold },
): Promise<DownloadGrant & { version: number; checksumSha256: string | null; checksumCrc64nvme: string | null }> {
  const file = await loadOwnFile(deps, principal, id);
  return grantDownload(deps, file, { ...options, inlineMimeTypes: options.inlineMimeTypes ?? [], actor: actorOf(principal), scanHold: options.scanHold ?? 'hold' });
}

export interface ThumbnailOptions {
  expiresIn: number;
  actor: Actor;
  /** The audit line's action: `thumbnail` unless the caller is a share or public route. */
  action?: AuditAction;
  /** The tenant's `scanHold`: thumbnails are made while a scan is pending, but held with it as the content is; absent: held. */
  scanHold?: ScanHold;
}

/** A URL to one of a file's thumbnails (our own WebP, always inline); the file is loaded by the caller. */
export async function grantThumbnail(deps: Deps, file: FileRecord, size: ThumbnailSize, options: ThumbnailOptions): Promise<DownloadGrant & { width: number; height: number }> {
  const type = deps.fileTypes.typeOf(file);
  if (!getsThumbnails(type)) throw new FileportError('NO_THUMBNAIL', `Files of type ${type.id} have no thumbnails.`);
  if (file.status === 'pending' || file.status === 'processing') {
    throw fileportError('THUMBNAIL_NOT_READY', { id: file.id });
  }
  const thumbnail = file.thumbnails.find((t) => t.size === size);
  const key = file.thumbnailKeys[size];
  // A failed file (infected content included) has no thumbnails to serve.
  if (file.status === 'failed' || !thumbnail || !key) throw new FileportError('NO_THUMBNAIL', `File ${file.id} has no ${size} thumbnail.`);
  const shown = currentVersion(file);
  if (shown) checkScanServes(file, shown, options.scanHold ?? 'hold');
  const baseName = file.name.replace(/\.[^.]*$/, '') || 'thumbnail';
  const url = await deps.objects.presignGet(key, {
    expiresIn: options.expiresIn,
    contentType: 'image/webp',
    contentDisposition: contentDisposition('inline', `${baseName}-${size}.webp`),
  });
  const expiresAt = expiry(deps, options.expiresIn);
  audit(deps, { action: options.action ?? 'thumbnail', tenantId: file.tenantId, actor: options.actor, fileId: file.id, expiresAt, key, size });
  return { url, expiresAt, width: thumbnail.width, height: thumbnail.height };
}

/** grantThumbnail for one of the caller's own files. */
export async function createThumbnailUrl(
  deps: Deps,
  principal: Principal,
  id: string,
  size: ThumbnailSize,
  options: { expiresIn: number; scanHold?: ScanHold },
): Promise<DownloadGrant & { width: number; height: number }> {
  const file = await loadOwnFile(deps, principal, id);
  return grantThumbnail(deps, file, size, { expiresIn: options.expiresIn, actor: actorOf(principal), scanHold: options.scanHold ?? 'hold' });
}
