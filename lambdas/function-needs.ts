/**
 * What a Lambda may touch, as data next to its code (a route group's declaration, a processor's
 * wiring): the Lambdas cannot import the CDK, so `lib/function-needs.ts` turns each need into the
 * environment variable that names its target and the grant that opens it, in one place.
 */
import type { objectPrefixes } from './domain/files/files';

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

/** S3 actions on the objects under some of the bucket's prefixes. */
export interface ObjectAccess {
  actions: string[];
  prefixes: (keyof typeof objectPrefixes)[];
}

/** A queue a function sends to: the processing pipeline's (lib/processing.ts), the webhook deliveries' (lib/webhooks.ts). */
export type WorkQueueName = 'metadata' | 'thumbnails' | 'webhooks';

export interface FunctionNeeds {
  /** The table (FILEPORT_TABLE_NAME), with these actions. */
  table?: TableAccess;
  /** The bucket (FILEPORT_BUCKET_NAME), with these actions; `[]` names the bucket and opens no object. */
  objects?: ObjectAccess[];
  /**
   * Lists the bucket under these prefixes only (s3:ListBucket with an s3:prefix condition): the
   * functions that delete a version's or a file's image renditions, which only S3 records.
   */
  listsObjects?: (keyof typeof objectPrefixes)[];
  /** The operator's size limits, the deployment's and per tenant (FILEPORT_MAX_FILE_SIZE…). */
  sizeLimits?: true;
  /** How long a file waits for its first content (FILEPORT_PENDING_FILE_TTL_SECONDS). */
  pendingFileTtl?: true;
  /** Versions a file keeps (FILEPORT_MAX_VERSIONS). */
  maxVersions?: true;
  /** The bucket's customer-managed key, when it has one (FILEPORT_OBJECT_KMS_KEY_ARN). */
  objectKmsKey?: true;
  /** The key multipart upload ids are signed with: its secret's ARN, and the right to read its value. */
  uploadIdSecret?: true;
  /** Queues it sends messages to (FILEPORT_<QUEUE>_QUEUE_URL, sqs:SendMessage). */
  sendsTo?: WorkQueueName[];
  /** Puts events on the deployment's events bus (FILEPORT_EVENT_BUS_NAME, events:PutEvents on that bus only). */
  publishesEvents?: true;
  /** Whether new versions await a malware scan (FILEPORT_MALWARE_SCANNING, on or off): the functions that record versions. */
  malwareScanning?: true;
}

/**
 * The environment variables that carry the deployment's resources and settings to the Lambdas:
 * written by `lib/function-needs.ts`, read by `lambdas/config.ts`.
 */
export const environmentVariables = {
  tableName: 'FILEPORT_TABLE_NAME',
  bucketName: 'FILEPORT_BUCKET_NAME',
  maxFileSize: 'FILEPORT_MAX_FILE_SIZE',
  maxMultipartFileSize: 'FILEPORT_MAX_MULTIPART_FILE_SIZE',
  tenantSizeLimits: 'FILEPORT_TENANT_SIZE_LIMITS',
  pendingFileTtlSeconds: 'FILEPORT_PENDING_FILE_TTL_SECONDS',
  maxVersions: 'FILEPORT_MAX_VERSIONS',
  objectKmsKeyArn: 'FILEPORT_OBJECT_KMS_KEY_ARN',
  uploadIdSecretArn: 'FILEPORT_UPLOAD_ID_SECRET_ARN',
  malwareScanning: 'FILEPORT_MALWARE_SCANNING',
  // Every function's: the file-type catalogue, a JSON file in its asset (lib/fileport-function.ts).
  fileTypesFile: 'FILEPORT_FILE_TYPES_FILE',
  eventBusName: 'FILEPORT_EVENT_BUS_NAME',
  queueUrl: { metadata: 'FILEPORT_METADATA_QUEUE_URL', thumbnails: 'FILEPORT_THUMBNAIL_QUEUE_URL', webhooks: 'FILEPORT_WEBHOOK_QUEUE_URL' },
} as const;
