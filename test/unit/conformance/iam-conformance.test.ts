import { checkConformance, formatReport, TemplateResolver, toTemplateCall, type CfnTemplate, type IamCall } from '../../support/iam-conformance';

/**
 * The IAM conformance checker on a small hand-written template: one function whose role may read
 * objects under `content/` of a bucket (which denies non-TLS requests) and get items of a table, and
 * consumes a queue through an event source mapping.
 */

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const bucketArn = { 'Fn::GetAtt': ['Files', 'Arn'] };
const getObject: Statement = { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [bucketArn, '/content/*']] } };
const getItem: Statement = { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Table}' } };
const consume: Statement = {
  Effect: 'Allow',
  Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
  Resource: { 'Fn::GetAtt': ['Work', 'Arn'] },
};

function template(statements: Statement[], extra: CfnTemplate['Resources'] = {}): CfnTemplate {
  return {
    Resources: {
      Files: { Type: 'AWS::S3::Bucket', Properties: {} },
      FilesPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'Files' },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: 's3:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
              },
            ],
          },
        },
      },
      Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      Work: { Type: 'AWS::SQS::Queue', Properties: {} },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      RolePolicy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Version: '2012-10-17', Statement: statements } } },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
      Mapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: { 'Fn::GetAtt': ['Work', 'Arn'] } } },
      ...extra,
    },
  };
}

const secure = { 'aws:SecureTransport': 'true' };
const readObject: IamCall = { functionId: 'Fn', action: 's3:GetObject', resource: 'arn:aws:s3:::files/content/a/b', context: secure, via: 'sdk' };
const readItem: IamCall = { functionId: 'Fn', action: 'dynamodb:GetItem', resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Table', context: secure, via: 'sdk' };

const check = (t: CfnTemplate, calls: IamCall[], justified = []) => checkConformance({ template: t, calls, checkedFunctions: ['Fn'], justified });

describe('checkConformance', () => {
  it('passes when every call is allowed and every grant is used (the event source mapping uses the queue grants)', async () => {
    const report = await check(template([getObject, getItem, consume]), [readObject, readItem]);
    expect(report.denied).toEqual([]);
    expect(report.unused).toEqual([]);
    expect(report.ignoredContextKeys).toEqual([]);
    // 2 recorded + 3 the event source mapping implies.
    expect(report.calls).toBe(5);
  });

  it('reports a denial when the grant a call needs is removed', async () => {
    const report = await check(template([getItem, consume]), [readObject, readItem]);
    expect(report.denied.map((d) => [d.call.action, d.call.resource, d.result])).toEqual([['s3:GetObject', 'arn:aws:s3:::files/content/a/b', 'ImplicitlyDenied']]);
    expect(formatReport(report)).toContain('Denied: 1');
  });

  it('reports a call outside the granted prefix as denied', async () => {
    const report = await check(template([getObject, getItem, consume]), [readItem, { ...readObject, resource: 'arn:aws:s3:::files/thumbnails/a' }]);
    expect(report.denied.map((d) => d.call.resource)).toEqual(['arn:aws:s3:::files/thumbnails/a']);
  });

  it('reports an extra grant as unused, and a justified one with its reason', async () => {
    const deleteObject: Statement = { ...getObject, Action: 's3:DeleteObject' };
    const putItem: Statement = { ...getItem, Action: 'dynamodb:PutItem' };
    const report = await checkConformance({
      template: template([getObject, getItem, consume, deleteObject, putItem]),
      calls: [readObject, readItem],
      checkedFunctions: ['Fn'],
      justified: [{ action: 'dynamodb:PutItem', reason: 'kept for a reason' }],
    });
    expect(report.denied).toEqual([]);
    expect(report.unused).toEqual([{ functionId: 'Fn', action: 's3:DeleteObject', resource: 'arn:aws:s3:::files/content/*' }]);
    expect(report.justified).toEqual([{ functionId: 'Fn', action: 'dynamodb:PutItem', resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Table', reason: 'kept for a reason' }]);
    expect(report.staleJustifications).toEqual([]);
  });

  it('reports a justification that matches no grant as stale, and keeps one whose grant a call used', async () => {
    const report = await checkConformance({
      template: template([getObject, getItem, consume]),
      calls: [readObject, readItem],
      checkedFunctions: ['Fn'],
      justified: [
        { action: 's3:DeleteObject', reason: 'no longer granted' },
        { action: 's3:GetObject', reason: 'used by this run, maybe not by a partial one' },
      ],
    });
    expect(report.staleJustifications).toEqual([{ action: 's3:DeleteObject', reason: 'no longer granted' }]);
    expect(report.justified).toEqual([]);
  });

  it("denies a call the bucket policy denies even though the role allows it (a request without TLS)", async () => {
    const report = await check(template([getObject, getItem, consume]), [readItem, { ...readObject, context: { 'aws:SecureTransport': 'false' } }]);
    expect(report.denied.map((d) => [d.call.action, d.result])).toEqual([['s3:GetObject', 'ExplicitlyDenied']]);
    expect(report.denied[0]?.detail).toContain('aws:SecureTransport');
  });

  it("denies the event source mapping's receive when the role may not consume its queue", async () => {
    const report = await check(template([getObject, getItem, { ...consume, Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes'] }]), [readObject, readItem]);
    expect(report.denied.map((d) => [d.call.action, d.call.via])).toEqual([['sqs:ReceiveMessage', 'event-source-mapping']]);
  });

  it('requires the KMS calls S3 makes for the caller when the bucket encrypts with a customer key', async () => {
    const key = { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:root' } }, Action: 'kms:*', Resource: '*' }] } } };
    const encrypted = {
      Type: 'AWS::S3::Bucket',
      Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } } }] } },
    };
    const withKey = (statements: Statement[]) => template(statements, { Key: key, Files: encrypted });
    const denied = await check(withKey([getObject, getItem, consume]), [readObject, readItem]);
    expect(denied.denied.map((d) => [d.call.action, d.call.resource, d.call.via])).toEqual([['kms:Decrypt', 'arn:aws:kms:eu-west-1:123456789012:key/Key', 'kms-via-s3']]);

    const decrypt: Statement = { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': ['Key', 'Arn'] } };
    const allowed = await check(withKey([getObject, getItem, consume, decrypt]), [readObject, readItem]);
    expect(allowed.denied).toEqual([]);
    expect(allowed.unused).toEqual([]);
  });

  it('reports a recorded condition key that does not apply to the action', async () => {
    const report = await check(template([getObject, getItem, consume]), [readObject, { ...readItem, context: { ...secure, 's3:x-amz-server-side-encryption': 'AES256' } }]);
    expect(report.ignoredContextKeys.map((i) => i.keys)).toEqual([['s3:x-amz-server-side-encryption']]);
  });
});

describe('TemplateResolver', () => {
  const resolver = new TemplateResolver(template([]));

  it('resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub against the fixed account, region and partition', () => {
    expect(resolver.resolve({ 'Fn::Join': ['', [bucketArn, '/content/*']] })).toBe('arn:aws:s3:::files/content/*');
    expect(resolver.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Work.QueueName}' })).toBe('arn:aws:sqs:eu-west-1:123456789012:Work');
    expect(resolver.resolve({ Ref: 'Work' })).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/Work');
  });

  it("resolves a table's stream ARN (the events publisher's event source)", () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toMatch(/^arn:aws:dynamodb:eu-west-1:123456789012:table\/.+\/stream\/.+$/);
  });

  it('refuses what it cannot resolve rather than guessing', () => {
    expect(() => resolver.resolve({ 'Fn::GetAtt': ['Table', 'StreamLabel'] })).toThrow(/Table.StreamLabel/);
    expect(() => resolver.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/Fn::ImportValue/);
  });
});

describe('toTemplateCall', () => {
  const resolver = new TemplateResolver(template([]));
  const names = { functions: { 'api:files': 'Fn' }, buckets: { local: 'Files' }, tables: { local: 'Table' }, queues: { 'local-work': 'Work' } };

  it("maps the local stack's names to the template's", () => {
    const call = toTemplateCall(resolver, names, { function: 'api:files', service: 'dynamodb', action: 'dynamodb:Query', resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/local/index/gsi1', context: secure, via: 'sdk' });
    expect(call).toEqual({ functionId: 'Fn', action: 'dynamodb:Query', resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Table/index/gsi1', context: secure, via: 'sdk' });
    expect(toTemplateCall(resolver, names, { function: 'api:files', service: 's3', action: 's3:GetObject', resource: 'arn:aws:s3:::local/content/x', context: secure, via: 'sdk' }).resource).toBe('arn:aws:s3:::files/content/x');
    expect(toTemplateCall(resolver, names, { function: 'api:files', service: 'sqs', action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:local-work', context: secure, via: 'local-queue' }).resource).toBe('arn:aws:sqs:eu-west-1:123456789012:Work');
  });

  it('refuses a call made outside any invocation, or on a resource the template does not have', () => {
    const call = { service: 's3', action: 's3:GetObject', resource: 'arn:aws:s3:::local/content/x', context: secure, via: 'sdk' as const };
    expect(() => toTemplateCall(resolver, names, { ...call, function: null })).toThrow(/outside any function/);
    expect(() => toTemplateCall(resolver, names, { ...call, function: 'api:nope' })).toThrow(/api:nope/);
    expect(() => toTemplateCall(resolver, names, { ...call, function: 'api:files', resource: 'arn:aws:s3:::other/x' })).toThrow(/bucket other/);
  });
});
