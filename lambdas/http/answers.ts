import { canonicalMimeType, type FileTypeCatalogue } from '../domain/files/file-types';
import { currentVersion, scanOf, type FileRecord, type FileVersion } from '../domain/model';
import type { ScanStatus } from '../domain/events/model';
import { toWellFormed } from '../domain/text';

/**
 * How the API shows the domain's files: the answer shapes of a file and of a version, and the
 * address of a public file. HTTP knowledge, so here and not in the domain, which returns the
 * models; handlers map them. lambdas/api/responses.ts ties these shapes to the OpenAPI schemas.
 */

/** Where `GET /v1/public/{id}/{name}` (lambdas/routes.ts) is served. */
const PUBLIC_PATH = '/v1/public/';

/**
 * A file's stable public link: the API's address (`apiUrl`, as the caller reached it) and the id,
 * with the name for people and for the saved file's name; renaming the file keeps old links working.
 * A name stored before names had to be well-formed still makes a link (only the id is looked up).
 */
export const publicUrlOf = (file: Pick<FileRecord, 'id' | 'name'>, apiUrl: string): string =>
  `${apiUrl}${PUBLIC_PATH}${file.id}/${encodeURIComponent(toWellFormed(file.name))}`;

/**
 * The File of the API: public fields only, with what the file type implies (a type removed from the
 * catalogue since: application/octet-stream, no extension). `apiUrl` is where the caller reached the API.
 */
export function toApiFile(file: FileRecord, apiUrl: string, fileTypes: FileTypeCatalogue) {
  const type = fileTypes.typeOf(file);
  return {
    id: file.id,
    name: file.name,
    fileTypeId: file.fileTypeId,
    mimeType: canonicalMimeType(type),
    extension: type.extension,
    status: file.status,
    size: file.size,
    pageCount: file.pageCount,
    thumbnails: file.thumbnails,
    tags: file.tags,
    externalId: file.externalId,
    links: file.links,
    accessControl: file.accessControl,
    // Only while the file is public: a link shown on a private file would answer 404 to whoever follows it.
    ...(file.accessControl === 'public' && { publicUrl: publicUrlOf(file, apiUrl) }),
    createdBy: file.createdBy,
    createdAt: file.createdAt,
    updatedAt: file.updatedAt,
    uploadedAt: file.uploadedAt,
    checksumSha256: file.checksumSha256,
    checksumCrc64nvme: file.checksumCrc64nvme ?? null,
    unavailable: file.unavailable ?? {},
    /** The number of the version the content fields describe (`GET …/versions`), null without content. */
    contentVersion: currentVersion(file)?.version ?? null,
    /** The malware scan of the current version; null without content. */
    scan: currentScan(file),
    expiresAt: file.expiresAt,
    version: file.version,
    error: file.error,
  };
}
export type ApiFile = ReturnType<typeof toApiFile>;

function currentScan(file: FileRecord): { status: ScanStatus; completedAt: string | null } | null {
  const current = currentVersion(file);
  return current ? scanAnswer(current) : null;
}

/** A version as `GET /v1/files/{id}/versions` lists it. */
export const toApiVersion = (v: FileVersion) => ({
  version: v.version,
  size: v.size,
  checksumSha256: v.checksumSha256,
  checksumCrc64nvme: v.checksumCrc64nvme ?? null,
  pageCount: v.pageCount,
  unavailable: v.unavailable ?? {},
  uploadedAt: v.uploadedAt,
  uploadedBy: v.uploadedBy,
  status: v.status,
  error: v.error,
  scan: scanAnswer(v),
});

/** A version's malware scan as answers show it (`skipped` for versions from before scanning). */
function scanAnswer(v: FileVersion): { status: ScanStatus; completedAt: string | null } {
  const { status, completedAt } = scanOf(v);
  return { status, completedAt };
}
