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

  it('reads the size limits, the deployment\'s and per tenant, within what S3 can store', () => {
    expect(parseConfig(base).sizeLimits).toEqual({ maxFileSize: 5 * 1024 ** 3, maxMultipartFileSize: 1024 ** 4, tenants: {} });
    const tenants = { acme: { maxFileSize: 1024 }, globex: { maxMultipartFileSize: 10 * 1024 ** 2 } };
    expect(
      parseConfig({ ...base, FILEPORT_MAX_FILE_SIZE: '1048576', FILEPORT_MAX_MULTIPART_FILE_SIZE: '1073741824', FILEPORT_TENANT_SIZE_LIMITS: JSON.stringify(tenants) }).sizeLimits,
    ).toEqual({ maxFileSize: 1024 ** 2, maxMultipartFileSize: 1024 ** 3, tenants });
    expect(() => parseConfig({ ...base, FILEPORT_MAX_FILE_SIZE: String(5 * 1024 ** 3 + 1) })).toThrow(/FILEPORT_MAX_FILE_SIZE/);
    expect(() => parseConfig({ ...base, FILEPORT_MAX_MULTIPART_FILE_SIZE: String(5 * 1024 ** 4 + 1) })).toThrow(/FILEPORT_MAX_MULTIPART_FILE_SIZE/);
    expect(() => parseConfig({ ...base, FILEPORT_TENANT_SIZE_LIMITS: '{"acme":' })).toThrow(/FILEPORT_TENANT_SIZE_LIMITS/);
    expect(() => parseConfig({ ...base, FILEPORT_TENANT_SIZE_LIMITS: '{"acme":{"maxSize":1}}' })).toThrow(/FILEPORT_TENANT_SIZE_LIMITS/);
  });

  it('reads the customer-managed KMS key objects are encrypted with, if any (a key ARN only)', () => {
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(parseConfig(base).objectKmsKeyArn).toBeUndefined();
    expect(parseConfig({ ...base, FILEPORT_OBJECT_KMS_KEY_ARN: arn }).objectKmsKeyArn).toBe(arn);
    expect(() => parseConfig({ ...base, FILEPORT_OBJECT_KMS_KEY_ARN: 'alias/fileport' })).toThrow(/FILEPORT_OBJECT_KMS_KEY_ARN/);
  });

  it('reads where the key of multipart upload ids comes from: a secret\'s ARN, or the key itself (32 bytes or more, never echoed)', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ApiUploadIdSecret-AbCdEf';
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(parseConfig(base).uploadIdKey).toBeUndefined();
    expect(parseConfig({ ...base, FILEPORT_UPLOAD_ID_SECRET_ARN: arn }).uploadIdKey).toEqual({ secretArn: arn });
    expect(parseConfig({ ...base, FILEPORT_UPLOAD_ID_KEY: key }).uploadIdKey).toEqual({ key: new Uint8Array(Buffer.alloc(32, 7)) });
    const short = Buffer.alloc(31, 7).toString('base64');
    expect(() => parseConfig({ ...base, FILEPORT_UPLOAD_ID_KEY: short })).toThrow(/FILEPORT_UPLOAD_ID_KEY: must be the base64 of at least 32 random bytes/);
    for (const bad of [short, 'not base64!'.repeat(8)]) {
      const message = (() => {
        try {
          parseConfig({ ...base, FILEPORT_UPLOAD_ID_KEY: bad });
          return 'accepted';
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect({ bad, quoted: message.includes(bad) || message === 'accepted' }).toEqual({ bad, quoted: false });
    }
    expect(() => parseConfig({ ...base, FILEPORT_UPLOAD_ID_SECRET_ARN: 'my-secret' })).toThrow(/FILEPORT_UPLOAD_ID_SECRET_ARN/);
    expect(() => parseConfig({ ...base, FILEPORT_UPLOAD_ID_SECRET_ARN: arn, FILEPORT_UPLOAD_ID_KEY: key })).toThrow(/not both/);
  });

  it('addresses buckets by path when the SDK is given an S3 endpoint of its own (LocalStack, an emulator), by virtual host on AWS\'s; an explicit setting wins', () => {
    const pathStyle = (env: Record<string, string>) => parseConfig({ ...base, ...env }).s3ForcePathStyle;
    expect({
      aws: pathStyle({}),
      s3Endpoint: pathStyle({ AWS_ENDPOINT_URL_S3: 'http://s3.localhost.localstack.cloud:4566' }),
      anyEndpoint: pathStyle({ AWS_ENDPOINT_URL: 'http://localhost:4566' }),
      explicitOff: pathStyle({ AWS_ENDPOINT_URL_S3: 'http://s3.localhost.localstack.cloud:4566', FILEPORT_S3_FORCE_PATH_STYLE: 'false' }),
      explicitOn: pathStyle({ FILEPORT_S3_FORCE_PATH_STYLE: 'true' }),
      emptyEndpoint: pathStyle({ AWS_ENDPOINT_URL_S3: '' }),
    }).toEqual({ aws: false, s3Endpoint: true, anyEndpoint: true, explicitOff: false, explicitOn: true, emptyEndpoint: false });
    expect(() => parseConfig({ ...base, FILEPORT_S3_FORCE_PATH_STYLE: 'yes' })).toThrow(/FILEPORT_S3_FORCE_PATH_STYLE/);
  });
});
