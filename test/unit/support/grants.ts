import { randomBytes } from 'node:crypto';
import { createUploadUrl } from '../../../lambdas/domain/transfer/uploads';
import type { FileRecord, Principal } from '../../../lambdas/domain/model';
import type { UploadedObject } from '../../../lambdas/domain/ports';
import { MemoryAuditLog, MemoryFiles, MemoryObjects, MemoryQueue, MemoryRenditionRecords, MemorySettings, MemoryTelemetry } from './memory';
import { MemoryShareTokens } from './memory-share-tokens';
import { fileTypesWithoutPdfPreview } from './file-types';
import type { FileTypeCatalogue } from '../../../lambdas/domain/files/file-types';

export const writer: Principal = { tenantId: 't1', userId: 'u1', scopes: new Set(['files:read', 'files:write']) };
export const overwriter: Principal = { tenantId: 't1', userId: 'svc', scopes: new Set(['files:read', 'files:write', 'files:overwrite']) };

/**
 * The in-memory ports with a clock the test moves, and the processing settings. PDFs are ready
 * after the metadata step unless `fileTypes` is the shipped catalogue (defaultFileTypes), with PDF previews.
 */
export function setup(options: { maxVersions?: number; fileTypes?: FileTypeCatalogue } = {}) {
  const uploadIdKey = randomBytes(32);
  let now = new Date('2026-01-01T00:00:00Z');
  const files = new MemoryFiles(() => now);
  const deps = {
    files,
    fileQueries: files,
    renditionRecords: new MemoryRenditionRecords(files),
    objects: new MemoryObjects(() => now),
    settings: new MemorySettings(),
    auditLog: new MemoryAuditLog(),
    telemetry: new MemoryTelemetry(),
    thumbnails: new MemoryQueue(),
    shareTokens: new MemoryShareTokens(),
    maxVersions: options.maxVersions ?? 10,
    // The deployment's key for multipart upload ids (lambdas/domain/transfer/upload-ids.ts), one per test.
    uploadIdKeys: { signingKey: async () => uploadIdKey },
    now: () => now,
    fileTypes: options.fileTypes ?? fileTypesWithoutPdfPreview,
  };
  return { deps, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}
export type TestDeps = ReturnType<typeof setup>['deps'];

/**
 * What a client does with an upload grant: asks for one (the real createUploadUrl, which signs the
 * key and metadata) and PUTs `bytes` to its key, as S3 would store them. Returns the S3 event.
 */
export async function uploadThroughGrant(
  deps: TestDeps,
  principal: Principal,
  file: Pick<FileRecord, 'id'>,
  bytes: Uint8Array,
  sequencer: string,
  options: { checksumSha256?: string; eventTime?: string } = {},
): Promise<UploadedObject> {
  await createUploadUrl(deps, principal, file.id, { expiresIn: 900, checksumSha256: options.checksumSha256 });
  const signed = deps.objects.presigned.at(-1)!;
  return putAgain(deps, signed.key, bytes, sequencer, options.eventTime);
}

/** The same URL used again: new bytes at a key a grant already signed, with that grant's metadata. */
export async function putAgain(deps: TestDeps, key: string, bytes: Uint8Array, sequencer: string, eventTime = '2026-01-01T00:00:01Z'): Promise<UploadedObject> {
  const signed = deps.objects.presigned.find((p) => p.key === key);
  if (!signed) throw new Error(`No grant signed ${key}`);
  await deps.objects.put(key, bytes, signed.contentType, signed.metadata);
  return { key, eTag: deps.objects.eTagOf(key), sequencer, eventTime };
}
