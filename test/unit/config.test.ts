import { parseConfig } from '../../lambdas/config';

describe('parseConfig', () => {
  const base = { FILEPORT_TABLE_NAME: 't', FILEPORT_BUCKET_NAME: 'b' };

  it('applies defaults', () => {
    expect(parseConfig(base)).toMatchObject({ tenantClaim: 'tenant_id', uploadUrlTtlSeconds: 900, downloadUrlTtlSeconds: 900, s3ForcePathStyle: false });
  });

  it('fails fast, naming what is missing or out of bounds', () => {
    expect(() => parseConfig({})).toThrow(/FILEPORT_TABLE_NAME/);
    expect(() => parseConfig({ ...base, FILEPORT_UPLOAD_URL_TTL_SECONDS: '3601' })).toThrow(/FILEPORT_UPLOAD_URL_TTL_SECONDS/);
  });
});
