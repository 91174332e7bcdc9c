import { upgradeRecord } from '../../../lambdas/adapters/dynamo-file-repository';

/** A file item as the repository stored it before versions existed. */
const before = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  tenantId: 't1',
  name: 'Lease.pdf',
  fileTypeId: 'pdf',
  tags: [],
  externalId: null,
  links: [],
  size: 593,
  pageCount: 2,
  thumbnails: [],
  createdBy: 'u1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:02.000Z',
  uploadedAt: '2026-01-01T00:00:01.000Z',
  version: 3,
  error: null,
  detectedMimeType: 'application/pdf',
  contentKey: 'content/0f8fad5bd9cb469fa16570867728950e',
  contentSequencer: '0A',
  contentETag: 'e1',
  thumbnailKeys: {},
};

describe('upgradeRecord', () => {
  it('turns the content of a file stored before versions into version 1', () => {
    const file = upgradeRecord({ ...before, status: 'ready' });
    expect(file).toMatchObject({ status: 'ready', contentKey: before.contentKey, checksumSha256: null, expiresAt: null, pageCount: 2 });
    expect(file.versions).toEqual([
      {
        version: 1,
        key: before.contentKey,
        sequencer: '0A',
        eTag: 'e1',
        uploadedAt: before.uploadedAt,
        uploadedBy: null,
        status: 'ready',
        size: 593,
        checksumSha256: null,
        pageCount: 2,
        detectedMimeType: 'application/pdf',
        error: null,
        contentRemoved: false,
      },
    ]);
    expect(file).not.toHaveProperty('contentSequencer');
  });

  it('gives an old file without content no version and no expiry, and leaves current items alone', () => {
    expect(upgradeRecord({ ...before, status: 'pending', uploadedAt: null, size: null, pageCount: null })).toMatchObject({ versions: [], contentKey: null, expiresAt: null });
    const current = { ...before, status: 'ready', versions: [], expiresAt: '2026-01-02T00:00:00.000Z', accessControl: 'public' };
    expect(upgradeRecord(current)).toBe(current);
    // Files from before access control existed are private.
    const { accessControl: _, ...older } = current;
    expect(upgradeRecord(older)).toEqual({ ...older, accessControl: 'private' });
  });
});
