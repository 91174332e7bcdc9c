import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { tableSchema } from '../lambdas/adapters/table-schema';
import { objectPrefixes } from '../lambdas/domain/files';

/**
 * Where objects live in the bucket. Uploads land under `content/`, which is what triggers
 * processing; thumbnails are written under `thumbnails/` so they never trigger it again. IAM
 * grants are per prefix, so no function can touch a prefix it has no business in.
 */
export { objectPrefixes };
export type ObjectPrefix = keyof typeof objectPrefixes;

export interface StorageProps {
  /** Browser origins that PUT and GET objects directly through pre-signed URLs. */
  corsOrigins: string[];
  /** A bucket of the operator's to use instead of creating one (see ExistingStorage). */
  existingBucket?: s3.IBucket;
  /** A table of the operator's to use instead of creating one (see ExistingStorage). */
  existingTable?: dynamodb.ITable;
}

// Only the calls the repository makes (lambdas/adapters/dynamo-file-repository.ts): no Scan, no
// streams, no table management.
const tableReadActions = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const tableWriteActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/**
 * The bucket of file contents and thumbnails, and the table of file metadata. Both outlive the stack.
 * Either may be the operator's own instead (`existingBucket`, `existingTable`): then it is used as it
 * is, and what is set up below for a created one is the operator's to do (see ExistingStorage).
 */
export class Storage extends Construct {
  readonly bucket: s3.IBucket;
  readonly table: dynamodb.ITable;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.bucket = props.existingBucket ?? new s3.Bucket(this, 'Files', {
      // Nothing is ever public: every read and write goes through a short-lived pre-signed URL.
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: new AccessLogsBucket(this, 'AccessLogs').bucket,
      serverAccessLogsPrefix: 'files/',
      cors: [
        {
          // Browsers upload and download straight to S3 with pre-signed URLs; the API never proxies bytes.
          allowedOrigins: props.corsOrigins,
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          // Any header: what a request may do is decided by its signature, not by CORS.
          allowedHeaders: ['*'],
          // Clients read the ETag of an upload to match it against the file's processed content.
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        {
          id: 'abort-incomplete-multipart-uploads',
          // Parts of abandoned multipart uploads are invisible but billed until aborted.
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = props.existingTable ?? this.createTable();
  }

  private createTable(): dynamodb.Table {
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableSchema.sortKey, type: dynamodb.AttributeType.STRING },
      // Traffic is spiky and small; on-demand costs nothing while idle and needs no capacity planning.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableSchema.ttlAttribute,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const gsi = tableSchema.indexes.byTenant;
    table.addGlobalSecondaryIndex({
      indexName: gsi.name,
      partitionKey: { name: gsi.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: gsi.sortKey, type: dynamodb.AttributeType.STRING },
      // Listing files reads whole items from the index; projecting less would mean a GetItem per result.
      projectionType: dynamodb.ProjectionType.ALL,
    });
    return table;
  }

  /** Named ARNs of the table and its index, so grants carry no `index/*` wildcard. */
  private get tableArns(): string[] {
    return [this.table.tableArn, `${this.table.tableArn}/index/${tableSchema.indexes.byTenant.name}`];
  }

  grantTableRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: tableReadActions, resourceArns: this.tableArns });
  }

  grantTableReadWrite(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: [...tableReadActions, ...tableWriteActions], resourceArns: this.tableArns });
  }

  /**
   * Object actions on whole prefixes only. The objects are named at run time by file id, so the
   * prefix wildcard is the narrowest grant there is; the matching cdk-nag finding is acknowledged
   * here, once, with that reason.
   */
  grantObjects(grantee: iam.IGrantable, actions: string[], prefixes: ObjectPrefix[]): iam.Grant {
    const patterns = prefixes.map((prefix) => `${objectPrefixes[prefix]}*`);
    const grant = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: patterns.map((p) => this.bucket.arnForObjects(p)) });
    // The statement lands in the principal's (the role's) default policy; cdk-nag reports one
    // finding per wildcard resource, named by the ARN as it renders it.
    const principal = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) throw new Error('grantObjects needs a principal defined in this app (a role).');
    for (const pattern of patterns) {
      Validations.of(principal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagRendered(Stack.of(this).resolve(this.bucket.arnForObjects(pattern)))}]`,
        reason: `Object keys are generated per file at run time; access is limited to the ${pattern} prefix of the Fileport bucket.`,
      });
    }
    return grant;
  }
}

/**
 * A resolved ARN as cdk-nag names it in a finding: `<Logical.Arn>/content/*` for a bucket of the
 * stack, `arn:<AWS::Partition>:s3:::name/content/*` for an existing one.
 */
function nagRendered(value: unknown): string {
  if (typeof value === 'string') return value;
  const record = (value ?? {}) as Record<string, unknown>;
  if ('Ref' in record) return `<${String(record.Ref)}>`;
  if ('Fn::GetAtt' in record) return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map(nagRendered).join(separator);
  }
  throw new Error(`Cannot name ${JSON.stringify(value)} as cdk-nag does.`);
}

/**
 * Target of the file bucket's server access logs: who touched which object, kept for a year. It has
 * no access logging of its own (that would log its own log deliveries); cdk-nag recognises a log
 * target and does not ask for it.
 */
class AccessLogsBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // S3 server access logging can only deliver to SSE-S3 buckets, not SSE-KMS.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
