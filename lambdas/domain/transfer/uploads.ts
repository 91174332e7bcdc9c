import { fileportError } from '../../errors';
import { actorOf, audit } from '../audit';
import { grantMetadata } from './content-metadata';
import { canonicalMimeType } from '../files/file-types';
import { loadOwnFile, newContentKey } from '../files/files';
import { hasContent, type FileRecord, type Principal } from '../model';
import { mayOverwrite } from '../permissions';
import type { Deps } from '../ports';
import { checkDeclaredSize, effectiveSizeLimits, sizeLimitsOf, type SizeLimits, type TenantSizeLimits } from './size-limits';

export interface UploadGrant {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}

export interface UploadForm {
  url: string;
  method: 'POST';
  /** The form's fields, in order; the file goes last, in `fileField`. */
  fields: Record<string, string>;
  fileField: 'file';
  /** The largest file the form accepts (the declared size, when there was one). */
  maxFileSize: number;
  expiresAt: string;
}

export interface GrantOptions {
  size?: number;
  checksumSha256?: string;
  expiresIn: number;
  /** The deployment's limits (lambdas/config.ts); the defaults when absent. */
  sizeLimits?: SizeLimits;
  /** The tenant's own cap (its settings' maxFileSize): lowers the deployment's limits, never raises them. */
  maxFileSize?: number;
}

/** The limits a grant for this tenant is bounded by, and signs into its metadata for processing to check again. */
export const grantSizeLimits = (options: { sizeLimits?: SizeLimits; maxFileSize?: number }, tenantId: string): TenantSizeLimits =>
  effectiveSizeLimits(sizeLimitsOf(options.sizeLimits, tenantId), options.maxFileSize);

/**
 * What a grant is issued under, or the promise of it: while the tenant's terms (URL lifetime, size
 * cap) are still being read, the file is read beside them and both share one DynamoDB round trip.
 */
export type Pending<T> = T | Promise<T>;

/** The caller's file and the grant's options, read side by side. */
export const fileAndOptions = <O>(deps: Deps, principal: Principal, id: string, options: Pending<O>): Promise<[FileRecord, O]> =>
  Promise.all([loadOwnFile(deps, principal, id), options]);

/**
 * What every way of uploading checks and signs before it hands anything out: the caller's file,
 * its right to replace content the file already has (`files:overwrite`), the tenant's size limit
 * for this way of uploading, and the grant metadata processing reads back from the object.
 */
export function prepareGrant(
  deps: Pick<Deps, 'fileTypes'>,
  principal: Principal,
  file: FileRecord,
  options: { size?: number; checksumSha256?: string; checksumCrc64nvme?: string; maxSize: number },
): { file: FileRecord; key: string; contentType: string; metadata: Record<string, string> } {
  const overwrite = mayOverwrite(principal);
  if (hasContent(file) && !overwrite) {
    throw fileportError('ALREADY_UPLOADED', { id: file.id });
  }
  checkDeclaredSize(options.size, options.maxSize);
  return {
    file,
    // Every grant is a new object: a client asking again (its window expired) gets a fresh one.
    key: newContentKey(file),
    contentType: canonicalMimeType(deps.fileTypes.forUpload(file)),
    metadata: grantMetadata({ uploadedBy: principal.userId, overwrite, checksumSha256: options.checksumSha256, checksumCrc64nvme: options.checksumCrc64nvme, maxSize: options.maxSize }),
  };
}

const expiry = (deps: Deps, expiresIn: number) => new Date(deps.now().getTime() + expiresIn * 1000).toISOString();

/**
 * A pre-signed PUT of a new object for the file: the upload becomes a new version of it. The file
 * type's Content-Type, the size and SHA-256 when the client states them, and the grant (who, and
 * whether it may replace content) are signed, so S3 itself refuses any other body or metadata.
 */
export async function createUploadUrl(deps: Deps, principal: Principal, id: string, pending: Pending<GrantOptions>): Promise<UploadGrant> {
  const { url, method, headers, expiresAt } = await grantPut(deps, principal, id, pending);
  return { url, method, headers, expiresAt };
}

/** A PUT URL's grant, and the key the PUT writes (the signing route answers it to Uppy). */
export async function grantPut(deps: Deps, principal: Principal, id: string, pending: Pending<GrantOptions>): Promise<UploadGrant & { key: string }> {
  const [file, options] = await fileAndOptions(deps, principal, id, pending);
  const { maxFileSize } = grantSizeLimits(options, principal.tenantId);
  const grant = prepareGrant(deps, principal, file, { size: options.size, checksumSha256: options.checksumSha256, maxSize: maxFileSize });
  const { url, headers } = await deps.objects.presignPut(grant.key, {
    contentType: grant.contentType,
    contentLength: options.size,
    checksumSha256: options.checksumSha256,
    metadata: grant.metadata,
    expiresIn: options.expiresIn,
  });
  const expiresAt = expiry(deps, options.expiresIn);
  audit(deps, { action: 'upload', tenantId: principal.tenantId, actor: actorOf(principal), fileId: grant.file.id, expiresAt, key: grant.key });
  return { url, method: 'PUT', headers, expiresAt, key: grant.key };
}

/**
 * A browser form upload straight to S3 (POST policy): the same grant as a PUT URL, with the size
 * bounded by the policy's content-length-range (exactly the declared size, when there is one).
 */
export async function createUploadForm(deps: Deps, principal: Principal, id: string, pending: Pending<GrantOptions>): Promise<UploadForm> {
  const [file, options] = await fileAndOptions(deps, principal, id, pending);
  const { maxFileSize } = grantSizeLimits(options, principal.tenantId);
  const grant = prepareGrant(deps, principal, file, { size: options.size, checksumSha256: options.checksumSha256, maxSize: maxFileSize });
  const max = options.size ?? maxFileSize;
  const { url, fields, expiresAt } = await deps.objects.presignPost(grant.key, {
    contentType: grant.contentType,
    minSize: options.size ?? 0,
    maxSize: max,
    metadata: grant.metadata,
    expiresIn: options.expiresIn,
  });
  audit(deps, { action: 'upload-form', tenantId: principal.tenantId, actor: actorOf(principal), fileId: grant.file.id, expiresAt, key: grant.key });
  return { url, method: 'POST', fields, fileField: 'file', maxFileSize: max, expiresAt };
}
