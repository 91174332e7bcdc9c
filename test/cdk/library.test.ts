import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { DocumentsStack } from '../../examples/cdk-app/documents-stack';
import { Fileport } from '../../lib';
import { outdirForTest, permissionsOf, roleOf } from './fixtures';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** Unacknowledged AwsSolutions findings, one line each (as test/cdk/nag.test.ts). */
function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`));
}

/** The sample app of examples/cdk-app, with context of the operator's besides the props. */
function synthSample(context: Record<string, unknown> = {}) {
  const app = new App({ outdir: outdirForTest(), context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new DocumentsStack(app, 'Documents', { bucketName: 'acme-documents', tableName: 'acme-documents' });
  const template = Template.fromStack(stack);
  return { app, stack, template, resources: template.toJSON().Resources as Resources };
}

const functionsOf = (resources: Resources) =>
  Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description ?? '').startsWith('Fileport'));

describe('Fileport in an operator\'s own CDK app (examples/cdk-app)', () => {
  const sample = synthSample({ 'fileport:maxVersions': 7, 'fileport:uploadUrlTtlSeconds': 600 });
  const { resources } = sample;
  const functions = functionsOf(resources);
  const variablesOf = (fn: { node: IConstruct['node'] }) => {
    const logical = sample.stack.getLogicalId(fn.node.defaultChild as never);
    return resources[logical]?.Properties.Environment.Variables as Record<string, string>;
  };

  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(findings(sample.app)).toEqual([]);
  });

  it('uses the operator\'s bucket and table: it creates none, names theirs to every function and grants on theirs', () => {
    expect(Object.values(resources).filter((r) => ['AWS::S3::Bucket', 'AWS::DynamoDB::Table'].includes(r.Type))).toEqual([]);
    expect(functions).toHaveLength(13);
    const { api, processing } = sample.stack.files;
    for (const fn of [api.functions.files, api.functions.uploads, processing.metadataFunction, processing.thumbnailsFunction]) {
      expect({ fn: fn.node.path, bucket: variablesOf(fn).FILEPORT_BUCKET_NAME, table: variablesOf(fn).FILEPORT_TABLE_NAME }).toEqual({
        fn: fn.node.path,
        bucket: 'acme-documents',
        table: 'acme-documents',
      });
    }
    const uploads = permissionsOf(sample.template, roleOf(sample.template, sample.stack.getLogicalId(api.functions.uploads.node.defaultChild as never)));
    expect(uploads).toEqual(
      expect.arrayContaining([
        { effect: 'Allow', action: 's3:PutObject', resource: 'arn:<AWS::Partition>:s3:::acme-documents/content/*' },
        { effect: 'Allow', action: 'dynamodb:GetItem', resource: 'arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/acme-documents' },
      ]),
    );
    // Listing a tenant's files queries the operator's table's index.
    const files = permissionsOf(sample.template, roleOf(sample.template, sample.stack.getLogicalId(api.functions.files.node.defaultChild as never)));
    expect(files).toEqual(
      expect.arrayContaining([
        { effect: 'Allow', action: 'dynamodb:Query', resource: 'arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/acme-documents/index/gsi1' },
      ]),
    );
    // Uploads under content/ of their bucket still reach the metadata queue.
    const notifications = Object.values(resources).filter((r) => r.Type === 'Custom::S3BucketNotifications');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.Properties.BucketName).toBe('acme-documents');
    expect(notifications[0]?.Properties.NotificationConfiguration.QueueConfigurations[0].Filter).toEqual({
      Key: { FilterRules: [{ Name: 'prefix', Value: 'content/' }] },
    });
  });

  it('authorizes with the operator\'s issuer and audience, and creates no user pool', () => {
    const authorizers = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers.map((a) => a.Properties.JwtConfiguration)).toEqual([{ Issuer: 'https://login.acme.example', Audience: ['documents-api'] }]);
    expect(Object.values(resources).filter((r) => r.Type.startsWith('AWS::Cognito::'))).toEqual([]);
    expect(variablesOf(sample.stack.files.api.functions.files).FILEPORT_TENANT_CLAIM).toBe('org_id');
  });

  it('takes each option from the props, else from the context, else the default', () => {
    const { api, processing } = sample.stack.files;
    expect(functions.map(([, r]) => r.Properties.Architectures)).toEqual(functions.map(() => ['x86_64']));
    // A prop beats the context (maxVersions: 3 over the context's 7).
    expect(variablesOf(processing.metadataFunction).FILEPORT_MAX_VERSIONS).toBe('3');
    expect(variablesOf(api.functions.uploads).FILEPORT_MAX_FILE_SIZE).toBe(String(100 * 1024 ** 2));
    // No prop: the context (600, not the default 900).
    expect(variablesOf(api.functions.uploads).FILEPORT_UPLOAD_URL_TTL_SECONDS).toBe('600');
    // Neither: the default.
    expect(variablesOf(api.functions.downloads).FILEPORT_DOWNLOAD_URL_TTL_SECONDS).toBe('900');
    const apis = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Api');
    expect(apis.map((a) => a.Properties.CorsConfiguration.AllowOrigins)).toEqual([['https://documents.acme.example']]);
  });

  it('checks props as it checks context, naming the prop', () => {
    const stack = new Stack(new App({ outdir: outdirForTest(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad');
    expect(() => new Fileport(stack, 'Files', { architecture: 'amd64' as never })).toThrow('Fileport prop architecture must be one of "arm64", "x86_64", got "amd64".');
    expect(() => new Fileport(new Stack(new App({ outdir: outdirForTest() }), 'Bad'), 'Files', { jwtIssuer: 'https://login.acme.example' })).toThrow(
      'An audience (context fileport:jwtAudience, or the Fileport prop jwtAudience) is required when Fileport prop jwtIssuer is set.',
    );
  });
});

describe('Fileport with the storage it creates, in a stack of its own', () => {
  it('creates the bucket, the table and the user pool, nag clean, and two Fileports in one stack stay apart', () => {
    const app = new App({ outdir: outdirForTest(), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Two');
    const one = new Fileport(stack, 'One');
    const two = new Fileport(stack, 'Two', { corsOrigins: ['https://two.example.com'] });
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    const count = (type: string) => Object.values(resources).filter((r) => r.Type === type).length;
    // Per Fileport: the files bucket and its access-log bucket, one table, one user pool.
    expect({ buckets: count('AWS::S3::Bucket'), tables: count('AWS::DynamoDB::Table'), pools: count('AWS::Cognito::UserPool') }).toEqual({ buckets: 4, tables: 2, pools: 2 });
    const domains = Object.values(resources).filter((r) => r.Type === 'AWS::Cognito::UserPoolDomain').map((r) => JSON.stringify(r.Properties.Domain));
    expect(new Set(domains).size).toBe(2);
    expect(one.storage.bucket).not.toBe(two.storage.bucket);
    expect(findings(app)).toEqual([]);
  });
});
