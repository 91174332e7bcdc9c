import type { FileRecord } from '../../../lambdas/domain/model';

/**
 * A stored file as `createFile` leaves it (no content yet, private, no tags), with `fields` on top:
 * tests name only what they are about.
 */
export function fileRecord(fields: Partial<FileRecord> & Pick<FileRecord, 'id'>): FileRecord {
  return {
    tenantId: 'acme',
    name: 'a.pdf',
    fileTypeId: 'pdf',
    tags: [],
    externalId: null,
    links: [],
    accessControl: 'private',
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
    expiresAt: null,
    createdBy: 'user:a',
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    version: 1,
    ...fields,
  };
}
