import * as z from './validation';
import { FileTypeCatalogue } from './domain/files/file-types';
import { readFileTypeCatalogue } from './file-type-catalogue';
import { environmentVariables as names } from './function-needs';
import type { StuckFilePolicy } from './domain/processing/processing-recovery';
import type { SharePolicy } from './domain/sharing/share-tokens';
import { DEFAULT_PENDING_FILE_TTL_SECONDS } from './domain/files/files';
import { DEFAULT_SIZE_LIMITS, S3_LIMITS, type SizeLimits } from './domain/transfer/size-limits';
import { DEFAULT_RETRY_SCHEDULE_SECONDS, parseRetrySchedule } from './domain/webhooks/schedule';
import type { DeliveryPolicy } from './domain/webhooks/delivery';

/**
 * Configuration, read from the environment once per process and typed. Entry points call
 * `getConfig()` when they build their services, never domain code at import time, so the local
 * stack can set the environment before the first request.
 */
// At most an hour: a leaked URL must not stay useful for long.
const ttlSeconds = z.coerce.number().check(z.int(), z.minimum(1), z.maximum(3600));
const nonEmpty = z.string().check(z.minLength(1));
const sizeUpTo = (max: number) => z.coerce.number().check(z.int(), z.minimum(1), z.maximum(max));
const tenantLimits = z.strictObject({
  maxFileSize: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(S3_LIMITS.singleUpload))),
  maxMultipartFileSize: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(S3_LIMITS.object))),
});
const tenantSizeLimits = z.pipe(
  z.string().check(
    z.refine((text) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    }, 'must be JSON'),
  ),
  z.pipe(
    z.transform((text: string): unknown => JSON.parse(text)),
    z.record(nonEmpty, tenantLimits),
  ),
);

/** HMAC-SHA256 wants a key at least as long as its output. */
export const MIN_UPLOAD_ID_KEY_BYTES = 32;
// The message never quotes the value: it is a secret.
const uploadIdKey = z.string().check(
  z.refine((text) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) && Buffer.from(text, 'base64').length >= MIN_UPLOAD_ID_KEY_BYTES, {
    message: `must be the base64 of at least ${MIN_UPLOAD_ID_KEY_BYTES} random bytes`,
  }),
);

const schema = z
  .object({
    [names.tableName]: nonEmpty,
    [names.bucketName]: nonEmpty,
    [names.queueUrl.thumbnails]: z.optional(nonEmpty),
    [names.queueUrl.metadata]: z.optional(nonEmpty),
    // Longer than the metadata queue's retries take (5 receives, 18-minute visibility), so the
    // reconciler does not race SQS's own retries; see StuckFilePolicy.
    FILEPORT_PROCESSING_STUCK_AFTER_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 2 * 3600),
    FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 12 * 3600),
    FILEPORT_TENANT_CLAIM: z._default(nonEmpty, 'tenant_id'),
    FILEPORT_UPLOAD_URL_TTL_SECONDS: z._default(ttlSeconds, 900),
    FILEPORT_DOWNLOAD_URL_TTL_SECONDS: z._default(ttlSeconds, 900),
    // Versions live inline in the file's DynamoDB item (400 KB at most): a few hundred bytes each.
    [names.maxVersions]: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 10),
    // How long a file waits for its first content before it is gone; at most a year.
    [names.pendingFileTtlSeconds]: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(366 * 24 * 3600)), DEFAULT_PENDING_FILE_TTL_SECONDS),
    // The largest file a tenant may upload in one PUT or form (S3 takes at most 5 GiB that way),
    // and in parts (S3 objects are at most 5 TiB).
    [names.maxFileSize]: z._default(sizeUpTo(S3_LIMITS.singleUpload), DEFAULT_SIZE_LIMITS.maxFileSize),
    [names.maxMultipartFileSize]: z._default(sizeUpTo(S3_LIMITS.object), DEFAULT_SIZE_LIMITS.maxMultipartFileSize),
    // Tenants with other limits: {"<tenant>": {"maxFileSize"?: bytes, "maxMultipartFileSize"?: bytes}}.
    [names.tenantSizeLimits]: z._default(tenantSizeLimits, {}),
    // Requests one share token may make per minute, whatever the route (429 beyond).
    FILEPORT_SHARE_TOKEN_REQUESTS_PER_MINUTE: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100_000)), 120),
    // The key multipart upload ids are signed with: deployed, a Secrets Manager secret the uploads
    // function reads on first use; the local stack passes the key itself.
    [names.uploadIdSecretArn]: z.optional(z.string().check(z.regex(/^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN'))),
    FILEPORT_UPLOAD_ID_KEY: z.optional(uploadIdKey),
    // Set when the bucket's default encryption is a customer-managed KMS key (fileport:kmsKey):
    // browser forms pin their encryption, and must pin this key rather than SSE-S3.
    [names.objectKmsKeyArn]: z.optional(z.string().check(z.regex(/^arn:[\w-]+:kms:[\w-]+:\d{12}:key\/[\w-]+$/, 'must be a KMS key ARN'))),
    // Emulators and LocalStack serve buckets by path, not by virtual host; unset, path style is
    // used exactly when the SDK is pointed at an endpoint of its own (see s3ForcePathStyle below).
    FILEPORT_S3_FORCE_PATH_STYLE: z.optional(z.enum(['true', 'false'])),
    // Whether the bucket's content is scanned for malware (GuardDuty Malware Protection for S3,
    // `fileport:malwareScanning`): new versions then await their scan's result.
    [names.malwareScanning]: z._default(z.enum(['on', 'off']), 'off'),
    AWS_ENDPOINT_URL: z.optional(z.string()),
    AWS_ENDPOINT_URL_S3: z.optional(z.string()),
    // Webhooks (lambdas/domain/webhooks): the delivery function's own queue, for its retries.
    [names.queueUrl.webhooks]: z.optional(nonEmpty),
    // Waits before each retry, in seconds, comma-separated (default: Svix's, ~27.6 h in all).
    FILEPORT_WEBHOOK_RETRY_SCHEDULE: z._default(
      z.pipe(
        z.string().check(z.refine((text) => parseRetrySchedule(text) !== undefined, 'must be whole seconds, comma-separated')),
        z.transform((text: string) => parseRetrySchedule(text) as number[]),
      ),
      [...DEFAULT_RETRY_SCHEDULE_SECONDS],
    ),
    // An endpoint is turned off after this many consecutive failed attempts, failing for at least this long.
    FILEPORT_WEBHOOK_DISABLE_AFTER_FAILURES: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 20),
    FILEPORT_WEBHOOK_DISABLE_AFTER_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0)), 24 * 3600),
    FILEPORT_WEBHOOK_MAX_ENDPOINTS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 20),
    // Webhooks to this machine (loopback), over http too: the local stack's receivers. Never deployed.
    FILEPORT_WEBHOOK_ALLOW_LOOPBACK: z._default(z.enum(['true', 'false']), 'false'),
  })
  .check(
    z.refine((e) => e.FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS > e.FILEPORT_PROCESSING_STUCK_AFTER_SECONDS, {
      path: ['FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS'],
      message: 'must be longer than FILEPORT_PROCESSING_STUCK_AFTER_SECONDS',
    }),
    z.refine((e) => e.FILEPORT_UPLOAD_ID_SECRET_ARN === undefined || e.FILEPORT_UPLOAD_ID_KEY === undefined, {
      path: ['FILEPORT_UPLOAD_ID_KEY'],
      message: 'set either FILEPORT_UPLOAD_ID_KEY or FILEPORT_UPLOAD_ID_SECRET_ARN, not both',
    }),
  );

/** Where the key that signs multipart upload ids comes from (lambdas/adapters/upload-id-keys.ts). */
export type UploadIdKeySource = { secretArn: string } | { key: Uint8Array };

export interface Config {
  tableName: string;
  bucketName: string;
  thumbnailQueueUrl: string | undefined;
  metadataQueueUrl: string | undefined;
  stuckFiles: StuckFilePolicy;
  tenantClaim: string;
  uploadUrlTtlSeconds: number;
  downloadUrlTtlSeconds: number;
  /** Versions a file keeps; older ones are deleted, objects and all. */
  maxVersions: number;
  /** A file without content is gone this long after it was created. */
  pendingFileTtlSeconds: number;
  /** The deployment's size limits, and the tenants' own where they differ. */
  sizeLimits: SizeLimits;
  s3ForcePathStyle: boolean;
  /** The bucket's customer-managed key; undefined with S3-managed keys (SSE-S3). */
  objectKmsKeyArn: string | undefined;
  sharing: SharePolicy;
  /** Absent in functions that sign no upload ids; the multipart routes then fail with a configuration error. */
  uploadIdKey: UploadIdKeySource | undefined;
  /** New versions start `pending` a malware scan (else `skipped`). */
  malwareScanning: boolean;
  webhooks: {
    /** The delivery function's queue (its retries); absent elsewhere. */
    queueUrl: string | undefined;
    delivery: DeliveryPolicy;
    maxEndpoints: number;
    allowLoopback: boolean;
  };
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid Fileport configuration: ${problems}`);
  }
  const e = result.data;
  return {
    tableName: e.FILEPORT_TABLE_NAME,
    bucketName: e.FILEPORT_BUCKET_NAME,
    thumbnailQueueUrl: e.FILEPORT_THUMBNAIL_QUEUE_URL,
    metadataQueueUrl: e.FILEPORT_METADATA_QUEUE_URL,
    stuckFiles: {
      stuckAfterMs: e.FILEPORT_PROCESSING_STUCK_AFTER_SECONDS * 1000,
      giveUpAfterMs: e.FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS * 1000,
      batchSize: 500,
    },
    tenantClaim: e.FILEPORT_TENANT_CLAIM,
    uploadUrlTtlSeconds: e.FILEPORT_UPLOAD_URL_TTL_SECONDS,
    downloadUrlTtlSeconds: e.FILEPORT_DOWNLOAD_URL_TTL_SECONDS,
    maxVersions: e.FILEPORT_MAX_VERSIONS,
    pendingFileTtlSeconds: e.FILEPORT_PENDING_FILE_TTL_SECONDS,
    sizeLimits: {
      maxFileSize: e.FILEPORT_MAX_FILE_SIZE,
      maxMultipartFileSize: e.FILEPORT_MAX_MULTIPART_FILE_SIZE,
      tenants: e.FILEPORT_TENANT_SIZE_LIMITS,
    },
    // A custom endpoint (LocalStack, an emulator: `fileport:s3Endpoint` deployed) serves buckets by
    // path; AWS's own endpoints by virtual host, which is what S3 recommends.
    s3ForcePathStyle: e.FILEPORT_S3_FORCE_PATH_STYLE ? e.FILEPORT_S3_FORCE_PATH_STYLE === 'true' : Boolean(e.AWS_ENDPOINT_URL_S3 || e.AWS_ENDPOINT_URL),
    objectKmsKeyArn: e.FILEPORT_OBJECT_KMS_KEY_ARN,
    sharing: { requestsPerMinute: e.FILEPORT_SHARE_TOKEN_REQUESTS_PER_MINUTE },
    uploadIdKey: e.FILEPORT_UPLOAD_ID_SECRET_ARN
      ? { secretArn: e.FILEPORT_UPLOAD_ID_SECRET_ARN }
      : e.FILEPORT_UPLOAD_ID_KEY
        ? { key: new Uint8Array(Buffer.from(e.FILEPORT_UPLOAD_ID_KEY, 'base64')) }
        : undefined,
    malwareScanning: e.FILEPORT_MALWARE_SCANNING === 'on',
    webhooks: {
      queueUrl: e.FILEPORT_WEBHOOK_QUEUE_URL,
      delivery: {
        retrySchedule: e.FILEPORT_WEBHOOK_RETRY_SCHEDULE,
        disableAfterFailures: e.FILEPORT_WEBHOOK_DISABLE_AFTER_FAILURES,
        disableAfterSeconds: e.FILEPORT_WEBHOOK_DISABLE_AFTER_SECONDS,
      },
      maxEndpoints: e.FILEPORT_WEBHOOK_MAX_ENDPOINTS,
      allowLoopback: e.FILEPORT_WEBHOOK_ALLOW_LOOPBACK === 'true',
    },
  };
}

let cached: Config | undefined;

export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

const authSchema = z.object({ FILEPORT_TENANT_CLAIM: z._default(nonEmpty, 'tenant_id') });

/** What every API function needs to read a principal, including those that touch no data. */
export function getAuthConfig(): { tenantClaim: string } {
  return { tenantClaim: authSchema.parse(process.env).FILEPORT_TENANT_CLAIM };
}

const eventBusSchema = z.object({ [names.eventBusName]: nonEmpty });

/** What the events publisher needs, and nothing else (it has no table or bucket of its own): the bus it puts events on. */
export function getEventBusConfig(): { eventBusName: string } {
  const result = eventBusSchema.safeParse(process.env);
  if (!result.success) throw new Error(`Invalid Fileport configuration: ${names.eventBusName} must be the name of the events bus`);
  return { eventBusName: result.data[names.eventBusName] };
}

let fileTypes: FileTypeCatalogue | undefined;

/**
 * The deployment's file types, read once from the JSON file FILEPORT_FILE_TYPES_FILE names and
 * checked as at synth: deployed, `file-types.json` in the function's own asset (a relative path is
 * taken from LAMBDA_TASK_ROOT, /var/task); locally, the catalogue `npm start` checked at its start.
 */
export function getFileTypes(): FileTypeCatalogue {
  if (!fileTypes) {
    const file = process.env[names.fileTypesFile];
    if (!file) throw new Error(`${names.fileTypesFile} is not set`);
    fileTypes = new FileTypeCatalogue(readFileTypeCatalogue(file, process.env.LAMBDA_TASK_ROOT ?? process.cwd()));
  }
  return fileTypes;
}
