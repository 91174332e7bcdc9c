import { z } from 'zod';
import type { StuckFilePolicy } from './domain/processing-recovery';

/**
 * Configuration, read from the environment once per process and typed. Entry points call
 * `getConfig()` when they build their services, never domain code at import time, so the local
 * stack can set the environment before the first request.
 */
// At most an hour: a leaked URL must not stay useful for long.
const ttlSeconds = z.coerce.number().int().min(1).max(3600);

const schema = z
  .object({
    FILEPORT_TABLE_NAME: z.string().min(1),
    FILEPORT_BUCKET_NAME: z.string().min(1),
    FILEPORT_THUMBNAIL_QUEUE_URL: z.string().min(1).optional(),
    FILEPORT_METADATA_QUEUE_URL: z.string().min(1).optional(),
    // Longer than the metadata queue's retries take (5 receives, 6-minute visibility), so the
    // reconciler does not race SQS's own retries; see StuckFilePolicy.
    FILEPORT_PROCESSING_STUCK_AFTER_SECONDS: z.coerce.number().int().min(1).default(3600),
    FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS: z.coerce.number().int().min(1).default(6 * 3600),
    FILEPORT_TENANT_CLAIM: z.string().min(1).default('tenant_id'),
    FILEPORT_UPLOAD_URL_TTL_SECONDS: ttlSeconds.default(900),
    FILEPORT_DOWNLOAD_URL_TTL_SECONDS: ttlSeconds.default(900),
    // Emulators and LocalStack serve buckets by path, not by virtual host.
    FILEPORT_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
  })
  .refine((e) => e.FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS > e.FILEPORT_PROCESSING_STUCK_AFTER_SECONDS, {
    path: ['FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS'],
    message: 'must be longer than FILEPORT_PROCESSING_STUCK_AFTER_SECONDS',
  });

export interface Config {
  tableName: string;
  bucketName: string;
  thumbnailQueueUrl: string | undefined;
  metadataQueueUrl: string | undefined;
  stuckFiles: StuckFilePolicy;
  tenantClaim: string;
  uploadUrlTtlSeconds: number;
  downloadUrlTtlSeconds: number;
  s3ForcePathStyle: boolean;
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
    s3ForcePathStyle: e.FILEPORT_S3_FORCE_PATH_STYLE === 'true',
  };
}

let cached: Config | undefined;

export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

const authSchema = z.object({ FILEPORT_TENANT_CLAIM: z.string().min(1).default('tenant_id') });

/** What every API function needs to read a principal, including those that touch no data. */
export function getAuthConfig(): { tenantClaim: string } {
  return { tenantClaim: authSchema.parse(process.env).FILEPORT_TENANT_CLAIM };
}
