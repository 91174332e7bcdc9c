import { parseConfig } from '../../lambdas/config';

describe('parseConfig', () => {
  const base = { FILEPORT_TABLE_NAME: 't', FILEPORT_BUCKET_NAME: 'b' };

  it('applies defaults', () => {
    expect(parseConfig(base)).toMatchObject({
      tenantClaim: 'tenant_id',
      uploadUrlTtlSeconds: 900,
      downloadUrlTtlSeconds: 900,
      maxVersions: 10,
      pendingFileTtlSeconds: 24 * 3600,
      s3ForcePathStyle: false,
    });
  });

  it('fails fast, naming what is missing or out of bounds', () => {
    expect(() => parseConfig({})).toThrow(/FILEPORT_TABLE_NAME/);
    expect(() => parseConfig({ ...base, FILEPORT_UPLOAD_URL_TTL_SECONDS: '3601' })).toThrow(/FILEPORT_UPLOAD_URL_TTL_SECONDS/);
    expect(() => parseConfig({ ...base, FILEPORT_MAX_VERSIONS: '0' })).toThrow(/FILEPORT_MAX_VERSIONS/);
    expect(() => parseConfig({ ...base, FILEPORT_PENDING_FILE_TTL_SECONDS: '2.5' })).toThrow(/FILEPORT_PENDING_FILE_TTL_SECONDS/);
  });

  it('reads how many versions a file keeps and how long a file may wait for content', () => {
    expect(parseConfig({ ...base, FILEPORT_MAX_VERSIONS: '3', FILEPORT_PENDING_FILE_TTL_SECONDS: '2' })).toMatchObject({ maxVersions: 3, pendingFileTtlSeconds: 2 });
  });
});
