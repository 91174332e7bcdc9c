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
}

/**
 * The item-level DynamoDB actions a function may be given (lambdas/adapters/dynamo-*.ts): no Scan, no
 * streams, no table management. Transactions are authorized per item (a TransactWriteItems of Puts
 * needs PutItem). Reads coalesce (lambdas/adapters/consistent-reads.ts): one key is a GetItem,
 * several started together a BatchGetItem, so a function that reads gets both (which one a run of the
 * integration suite uses depends on timing: justified in test/conformance/iam.test.ts).
 */
export type ItemAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

/** What a function may do with the table: item actions (on the table only), and where it may Query. */
export interface TableAccess {
  items: ItemAction[];
  /** `table`: a file's own items (its versions, its share tokens); `byTenant`: the index that lists a tenant's files and finds files stuck in processing. */
  query?: ('table' | 'byTenant')[];
}

/** The bucket of file contents and thumbnails, and the table of file metadata. Both outlive the stack. */
export class Storage extends Construct {
  readonly bucket: s3.Bucket;
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const accessLogs = new AccessLogsBucket(this, 'AccessLogs');
    this.bucket = new s3.Bucket(this, 'Files', {
      // Nothing is ever public: every read and write goes through a short-lived pre-signed URL.
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs.bucket,
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

    this.table = new dynamodb.Table(this, 'Table', {
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
    this.table.addGlobalSecondaryIndex({
      indexName: gsi.name,
      partitionKey: { name: gsi.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: gsi.sortKey, type: dynamodb.AttributeType.STRING },
      // Listing files reads whole items from the index; projecting less would mean a GetItem per result.
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /**
   * Exactly the table access a function needs. Item actions name the table alone (they never apply
   * to an index); Query names the table or the index it reads, so grants carry no `index/*` wildcard.
   */
  grantTable(grantee: iam.IGrantable, access: TableAccess): void {
    if (access.items.length > 0) {
      iam.Grant.addToPrincipal({ grantee, actions: access.items.map((a) => `dynamodb:${a}`), resourceArns: [this.table.tableArn] });
    }
    const queried = (access.query ?? []).map((target) => (target === 'table' ? this.table.tableArn : `${this.table.tableArn}/index/${tableSchema.indexes.byTenant.name}`));
    if (queried.length > 0) iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: queried });
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
    // finding per wildcard resource, named after the bucket's logical id.
    const principal = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) throw new Error('grantObjects needs a principal defined in this app (a role).');
    const bucketArn = `<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    for (const pattern of patterns) {
      Validations.of(principal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${pattern}]`,
        reason: `Object keys are generated per file at run time; access is limited to the ${pattern} prefix of the Fileport bucket.`,
      });
    }
    return grant;
  }
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
