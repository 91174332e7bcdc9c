import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { tableSchema } from '../lambdas/adapters/table-schema';
import { objectPrefixes } from '../lambdas/domain/files/files';
import type { TableAccess } from '../lambdas/function-needs';
import type { FileportSettings } from './deployment-settings';

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
  /** Keep noncurrent object versions (see FileportSettings); off when not given. */
  bucketVersioning?: FileportSettings['bucketVersioning'];
  noncurrentVersionDays?: FileportSettings['noncurrentVersionDays'];
  /** `managed` when not given. */
  kmsKey?: FileportSettings['kmsKey'];
  /** A bucket of the operator's to use instead of creating one (see ExistingStorage). */
  existingBucket?: s3.IBucket;
  /** A table of the operator's to use instead of creating one (see ExistingStorage). */
  existingTable?: dynamodb.ITable;
  /** GuardDuty Malware Protection scans the bucket (lib/malware-scanning.ts); off when not given. */
  malwareScanning?: FileportSettings['malwareScanning'];
}

// What a function may do with the table is declared with its code (lambdas/function-needs.ts).
export type { ItemAction, TableAccess } from '../lambdas/function-needs';

/**
 * With a customer-managed key, S3 and DynamoDB use the key on behalf of the caller, so each caller's
 * role needs the key actions its data actions imply (the key policy of a created key, like AWS's
 * default key policy, lets the account's IAM policies decide).
 * - S3 (SSE-KMS): reading an object decrypts its data key. Writing one generates a data key; a
 *   multipart upload (UploadPart, CompleteMultipartUpload, all `s3:PutObject`) and a CopyObject also
 *   decrypt, so `s3:PutObject` brings both. Deleting, listing parts and aborting need no key.
 *   Pre-signed URLs run with the signing function's role, so this applies to them too.
 * - DynamoDB: the table's items are encrypted with a table key that DynamoDB keeps encrypted under
 *   the KMS key and decrypts (kms:Decrypt, on behalf of the caller) when a caller first uses the table,
 *   then caches; writes use the same table key, so readers and writers need the same actions.
 *   DescribeKey (key metadata only) is kept because the key policy AWS writes for DynamoDB's own
 *   managed key allows it to callers; an unnecessary read of metadata is cheaper than a table that
 *   cannot be read after a deploy. Generating the table key is done once,
 *   by whoever creates or re-keys the table (CloudFormation), not by the functions; aws-cdk-lib's own
 *   Table grants add Encrypt, ReEncrypt* and GenerateDataKey* for writers, which no request needs.
 */
const objectKeyActions: Record<string, string[]> = {
  's3:GetObject': ['kms:Decrypt'],
  's3:PutObject': ['kms:GenerateDataKey', 'kms:Decrypt'],
};
const tableKeyActions = ['kms:Decrypt', 'kms:DescribeKey'];

/**
 * The bucket of file contents and thumbnails, and the table of file metadata. Both outlive the stack.
 * Either may be the operator's own instead (`existingBucket`, `existingTable`): then it is used as it
 * is, and what is set up below for a created one is the operator's to do (see ExistingStorage).
 */
export class Storage extends Construct {
  readonly bucket: s3.IBucket;
  readonly table: dynamodb.ITable;
  /** The customer-managed key of objects and table (`fileport:kmsKey` not `managed`). */
  readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.encryptionKey = dataKey(this, props.kmsKey ?? 'managed');
    const versioning = props.bucketVersioning ?? false;
    const noncurrentDays = props.noncurrentVersionDays ?? 30;
    this.bucket = props.existingBucket ?? new s3.Bucket(this, 'Files', {
      // Nothing is ever public: every read and write goes through a short-lived pre-signed URL.
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Default encryption applies to every write that names none: pre-signed PUTs, multipart uploads
      // and copies need no encryption header or parameter for a KMS key to be used ("If a PUT Object
      // request doesn't specify any server-side encryption, this default encryption will be applied",
      // S3 API reference, ServerSideEncryptionByDefault). Browser form uploads are the exception: their
      // policy pins an encryption field, which must follow this setting (lambdas/adapters/s3-object-store.ts).
      ...(this.encryptionKey
        ? {
            encryption: s3.BucketEncryption.KMS,
            encryptionKey: this.encryptionKey,
            // One data key per bucket and period instead of a KMS call per object: KMS requests,
            // and their cost, drop by up to 99% (S3 user guide, "Reducing the cost of SSE-KMS").
            bucketKeyEnabled: true,
          }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      versioned: versioning,
      // GuardDuty's plan turns on the bucket's EventBridge notifications (its managed rule reads
      // them); declared here too, or the next deploy's bucket-notifications resource, which writes
      // the bucket's whole notification configuration, would turn them off under it.
      ...(props.malwareScanning && { eventBridgeEnabled: true }),
      enforceSSL: true,
      serverAccessLogsBucket: new AccessLogsBucket(this, 'AccessLogs').bucket,
      serverAccessLogsPrefix: 'files/',
      cors: [
        {
          // Browsers upload and download straight to S3 with pre-signed URLs; the API never proxies bytes.
          allowedOrigins: props.corsOrigins,
          // DELETE: an uploader that speaks S3 (Uppy 6) aborts its multipart upload itself, signed by the API.
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD, s3.HttpMethods.DELETE],
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
        ...(versioning
          ? [
              {
                id: 'expire-noncurrent-versions',
                // Replaced and deleted bytes stay restorable this long, then stop being billed.
                noncurrentVersionExpiration: Duration.days(noncurrentDays),
              },
              {
                id: 'remove-expired-delete-markers',
                // A deleted object leaves a delete marker; once its older versions have expired the
                // marker hides nothing and would only slow listings down.
                expiredObjectDeleteMarker: true,
              },
            ]
          : []),
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
      // With a customer-managed key the metadata (file names, share-token hashes, who uploaded what)
      // is under the same key as the bytes: revoking or auditing the key covers both. Otherwise the
      // table keeps DynamoDB's own key, which costs nothing.
      ...(this.encryptionKey
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.encryptionKey }
        : {}),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableSchema.ttlAttribute,
      // What the events publisher reads (lib/events.ts): both images, to tell what a write changed.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
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

  /**
   * Exactly the table access a function needs. Item actions name the table alone (they never apply
   * to an index); Query names the table or the index it reads, so grants carry no `index/*` wildcard.
   */
  grantTable(grantee: iam.IGrantable, access: TableAccess): void {
    this.grantKey(grantee, tableKeyActions);
    if (access.items.length > 0) {
      iam.Grant.addToPrincipal({ grantee, actions: access.items.map((a) => `dynamodb:${a}`), resourceArns: [this.table.tableArn] });
    }
    const queried = (access.query ?? []).map((target) => (target === 'table' ? this.table.tableArn : `${this.table.tableArn}/index/${tableSchema.indexes.byTenant.name}`));
    if (queried.length > 0) iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: queried });
  }

  /** The key actions on the customer-managed key, if there is one; nothing with S3/DynamoDB-managed keys. */
  private grantKey(grantee: iam.IGrantable, actions: string[]): void {
    if (!this.encryptionKey || actions.length === 0) return;
    // On the principal's policy, naming the key: the key policy is not touched (an imported key's
    // policy is not ours to change).
    iam.Grant.addToPrincipal({ grantee, actions: [...new Set(actions)], resourceArns: [this.encryptionKey.keyArn] });
  }

  /**
   * Object actions on whole prefixes only. The objects are named at run time by file id, so the
   * prefix wildcard is the narrowest grant there is; the matching cdk-nag finding is acknowledged
   * here, once, with that reason.
   */
  /** s3:ListBucket of the bucket, for keys under these prefixes only (the `s3:prefix` a ListObjectsV2 names). */
  grantList(grantee: iam.IGrantable, prefixes: ObjectPrefix[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${objectPrefixes[prefix]}*`) } },
    });
  }

  grantObjects(grantee: iam.IGrantable, actions: string[], prefixes: ObjectPrefix[]): iam.Grant {
    const patterns = prefixes.map((prefix) => `${objectPrefixes[prefix]}*`);
    this.grantKey(grantee, actions.flatMap((action) => objectKeyActions[action] ?? []));
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
 * The key of `fileport:kmsKey`: none for `managed`, a new one for `create`, the given one for an ARN.
 * A created key is retained with the stack, like the data it protects: without it the bucket's
 * objects and the table (and its backups) could never be read again.
 */
function dataKey(scope: Construct, setting: NonNullable<StorageProps['kmsKey']>): kms.IKey | undefined {
  if (setting === 'managed') return undefined;
  if (setting === 'create') {
    return new kms.Key(scope, 'DataKey', {
      description: 'Fileport: encrypts file contents, thumbnails and file metadata',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
  return kms.Key.fromKeyArn(scope, 'DataKey', setting);
}

/**
 * A resolved ARN as cdk-nag names it in a finding: `<Logical.Arn>/content/*` for a bucket of the
 * stack, `arn:<AWS::Partition>:s3:::name/content/*` for an existing one.
 */
export function nagRendered(value: unknown): string {
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
