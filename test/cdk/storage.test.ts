import { Match } from 'aws-cdk-lib/assertions';
import { tableSchema } from '../../lambdas/adapters/table-schema';
import { logicalId, synthFileport, type Synthesized } from './fixtures';

let synthesized: Synthesized;
let bucketId: string;

beforeAll(() => {
  synthesized = synthFileport();
  bucketId = logicalId(synthesized.stack, synthesized.stack.storage.bucket);
});

describe('file bucket', () => {
  const bucket = () => synthesized.template.toJSON().Resources[bucketId];

  it('blocks every kind of public access', () => {
    expect(bucket().Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('encrypts objects with S3-managed keys', () => {
    expect(bucket().Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('denies every request that does not use TLS', () => {
    synthesized.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets browsers of the configured origins PUT/POST/GET/HEAD and read the ETag', () => {
    const rules = bucket().Properties.CorsConfiguration.CorsRules;
    expect(rules).toHaveLength(1);
    expect(rules[0].AllowedOrigins).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000']);
    expect([...rules[0].AllowedMethods].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'POST', 'PUT']);
    expect(rules[0].ExposedHeaders).toContain('ETag');
  });

  it('takes its CORS origins from context, also as a comma-separated string', () => {
    const { template, stack } = synthFileport({ 'fileport:corsOrigins': 'https://files.example.com, https://admin.example.com' });
    const rules = template.toJSON().Resources[logicalId(stack, stack.storage.bucket)].Properties.CorsConfiguration.CorsRules;
    expect(rules[0].AllowedOrigins).toEqual(['https://files.example.com', 'https://admin.example.com']);
  });

  it('aborts incomplete multipart uploads after one day', () => {
    expect(bucket().Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]),
    );
  });

  it('writes server access logs to a separate, private, TLS-only bucket', () => {
    const logsBucketId = bucket().Properties.LoggingConfiguration.DestinationBucketName.Ref as string;
    expect(logsBucketId).toBeDefined();
    expect(logsBucketId).not.toBe(bucketId);
    const logsBucket = synthesized.template.toJSON().Resources[logsBucketId];
    expect(logsBucket.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
    synthesized.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsBucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('is kept when the stack is deleted', () => {
    expect(bucket().DeletionPolicy).toBe('Retain');
    expect(bucket().UpdateReplacePolicy).toBe('Retain');
  });
});

describe('metadata table', () => {
  const table = () => synthesized.template.toJSON().Resources[logicalId(synthesized.stack, synthesized.stack.storage.table)];

  it('has the key layout of tableSchema', () => {
    expect(table().Properties.KeySchema).toEqual([
      { AttributeName: tableSchema.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableSchema.sortKey, KeyType: 'RANGE' },
    ]);
  });

  it('bills on demand, with point-in-time recovery and the TTL attribute', () => {
    expect(table().Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table().Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table().Properties.TimeToLiveSpecification).toEqual({ AttributeName: tableSchema.ttlAttribute, Enabled: true });
  });

  it('has gsi1 on gsi1pk/gsi1sk (strings), projecting all attributes', () => {
    const gsi = tableSchema.indexes.byTenant;
    expect(table().Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: gsi.name,
        KeySchema: [
          { AttributeName: gsi.partitionKey, KeyType: 'HASH' },
          { AttributeName: gsi.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(table().Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: gsi.partitionKey, AttributeType: 'S' },
        { AttributeName: gsi.sortKey, AttributeType: 'S' },
      ]),
    );
  });

  it('is kept when the stack is deleted', () => {
    expect(table().DeletionPolicy).toBe('Retain');
    expect(table().Properties.DeletionProtectionEnabled).toBe(true);
  });
});
