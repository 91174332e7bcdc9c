import { fileThumbnailPrefix } from '../transfer/rendition-spec';
import { randomBytes, randomUUID } from 'node:crypto';
import { FileportError, fileportError } from '../../errors';
import type { FileTypeHint } from './file-types';
import { checkTypeAllowed } from '../settings/tenant-settings';
import { checkMayModify } from '../permissions';
import { retryOnStaleWrite, WRITE_ATTEMPTS } from '../concurrency';
import { type AccessControl, type FileChanges, type FileLink, type FileRecord, type FileVersion, type ListQuery, type Principal } from '../model';
import { BadCursor, type Deps, type QueryDeps, type SharingDeps } from '../ports';

/** A new file; its type is named by `fileTypeId`, else `mimeType`, else the extension of `name` (FileTypeCatalogue.resolve). */
export interface NewFile extends FileTypeHint {
  name: string;
  tags?: string[];
  externalId?: string | null;
  links?: FileLink[];
  accessControl?: AccessControl;
}

export type FileUpdate = Partial<Pick<FileRecord, 'name' | 'tags' | 'externalId' | 'links' | 'accessControl'>>;

/** How long a file may wait for its content before it is gone, unless the deployment says otherwise. */
export const DEFAULT_PENDING_FILE_TTL_SECONDS = 24 * 3600;

/** Where objects live in the bucket; only objects under `content/` trigger processing. */
export const objectPrefixes = { content: 'content/', thumbnails: 'thumbnails/' } as const;

const hex = (fileId: string) => fileId.replaceAll('-', '');

/**
 * A fresh object key for one upload of the file's content: `content/<file id>/<random>`, nothing
 * of the tenant, user or file name. Every upload grant (PUT URL, form, multipart, copy) mints its
 * own, so each upload is its own object and becomes its own version; processing treats any object
 * created under the file's prefix as one.
 */
export const newContentKey = (file: Pick<FileRecord, 'id'>): string => `${objectPrefixes.content}${hex(file.id)}/${randomBytes(16).toString('hex')}`;

/** The file id behind a content key, or undefined for keys Fileport did not hand out. */
export function fileIdOfContentKey(key: string): string | undefined {
  const match = /^content\/([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})\/[0-9a-f]{32}$/.exec(key);
  return match ? match.slice(1).join('-') : undefined;
}

const uniq = <T>(values: T[], key: (v: T) => string = String): T[] => [...new Map(values.map((v) => [key(v), v])).values()];
const linkKey = (l: FileLink) => `${l.type}\u0000${l.id}`;

/** A new file without content: temporary until its first upload arrives (`pendingTtlSeconds`). */
export async function createFile(
  deps: Deps,
  principal: Principal,
  input: NewFile,
  options: { pendingTtlSeconds?: number } = {},
): Promise<FileRecord> {
  const type = deps.fileTypes.resolve(input);
  await checkTypeAllowed(deps, principal.tenantId, type.id);
  const id = randomUUID();
  const created = deps.now();
  const now = created.toISOString();
  const ttlSeconds = options.pendingTtlSeconds ?? DEFAULT_PENDING_FILE_TTL_SECONDS;
  const file: FileRecord = {
    id,
    tenantId: principal.tenantId,
    name: input.name,
    fileTypeId: type.id,
    tags: uniq(input.tags ?? []),
    externalId: input.externalId ?? null,
    links: uniq(input.links ?? [], linkKey),
    accessControl: input.accessControl ?? 'private',
    status: 'pending',
    size: null,
    pageCount: null,
    thumbnails: [],
    uploadedAt: null,
    error: null,
    detectedMimeType: null,
    checksumSha256: null,
    contentKey: null,
    thumbnailKeys: {},
    versions: [],
    expiresAt: new Date(created.getTime() + ttlSeconds * 1000).toISOString(),
    createdBy: principal.userId,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await deps.files.create(file);
  return file;
}

/** A file of the caller's tenant; another tenant's file is indistinguishable from a missing one. */
export async function loadOwnFile(deps: Deps, principal: Principal, id: string): Promise<FileRecord> {
  const file = await deps.files.get(id);
  if (!file || file.tenantId !== principal.tenantId) throw fileportError('FILE_NOT_FOUND', { id });
  return file;
}

const WAIT_POLL_MS = 200;

/**
 * With `waitSeconds`, holds the answer while the file has no final state yet (pending or
 * processing), so a client that just uploaded gets its page count or thumbnails in one call.
 */
export async function getFile(deps: Deps, principal: Principal, id: string, waitSeconds = 0): Promise<FileRecord> {
  const deadline = Date.now() + waitSeconds * 1000;
  let file = await loadOwnFile(deps, principal, id);
  while ((file.status === 'pending' || file.status === 'processing') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_POLL_MS, deadline - Date.now())));
    file = await loadOwnFile(deps, principal, id);
  }
  return file;
}

export async function listFiles(deps: QueryDeps, principal: Principal, query: ListQuery) {
  try {
    return await deps.fileQueries.list(principal.tenantId, query);
  } catch (error) {
    if (error instanceof BadCursor) throw new FileportError('INVALID_CURSOR', error.message);
    throw error;
  }
}

export async function updateFile(deps: Deps, principal: Principal, id: string, update: FileUpdate, expectedVersion?: number): Promise<FileRecord> {
  return changeFile(deps, () => loadModifiableFile(deps, principal, id), update, expectedVersion);
}

/** Applies `update` to the file `load` reads (and re-reads after a concurrent write). */
export async function changeFile(deps: Deps, load: () => Promise<FileRecord>, update: FileUpdate, expectedVersion?: number): Promise<FileRecord> {
  const changes: FileChanges = { ...update };
  if (update.tags) changes.tags = uniq(update.tags);
  if (update.links) changes.links = uniq(update.links, linkKey);
  // Re-read and re-applied on a concurrent write; with If-Match the version check turns it into a 412.
  return retryOnStaleWrite(async () => {
    const file = await load();
    if (expectedVersion !== undefined && file.version !== expectedVersion) {
      throw fileportError('PRECONDITION_FAILED', { id: file.id, version: file.version, expected: expectedVersion });
    }
    return deps.files.update(file, changes, deps.now());
  }, { attempts: WRITE_ATTEMPTS });
}

/** A file of the caller's tenant that the caller may change (`mayModify`). */
export async function loadModifiableFile(deps: Deps, principal: Principal, id: string): Promise<FileRecord> {
  const file = await loadOwnFile(deps, principal, id);
  checkMayModify(principal, file);
  return file;
}

export async function deleteFile(deps: SharingDeps, principal: Principal, id: string): Promise<void> {
  await removeFile(deps, await loadModifiableFile(deps, principal, id));
}

/** Deletes the file, its share tokens and every object of it. */
export async function removeFile(deps: SharingDeps, file: FileRecord): Promise<void> {
  // Its tokens first (the file's deletion takes the items that list them along), then the
  // metadata: from this moment the file reads as 404, and a processor that still runs for it
  // finds no file and cleans up after itself.
  await deps.shareTokens.deleteAllOf(file.id);
  await deps.files.delete(file);
  await deps.objects.delete([...file.versions.map((v) => v.key), ...thumbnailObjectKeys(file)]);
  // Renditions are recorded nowhere but in S3: everything made for any content of the file goes.
  const [first] = file.versions;
  if (first) await deps.objects.deleteUnder(fileThumbnailPrefix(first.key));
}

/** The file's versions, newest first. */
export async function listVersions(deps: Deps, principal: Principal, id: string): Promise<FileVersion[]> {
  const file = await loadOwnFile(deps, principal, id);
  return [...file.versions].reverse();
}

export const thumbnailObjectKeys = (file: Pick<FileRecord, 'thumbnailKeys'>): string[] =>
  Object.values(file.thumbnailKeys).filter((key): key is string => key !== undefined);
