import { join } from 'node:path';
import type { LambdaCode } from './lambda-code';
import { localUploadIdKey } from './upload-id-key';

/**
 * Every variable the local stack sets in `process.env`, where the functions (and the SDK clients
 * of the stack itself) read them: the local stack's own settings are local/local-environment.ts.
 */

/** What the stack names its bucket and table. */
export const LOCAL_BUCKET = 'fileport-local';
export const LOCAL_TABLE = 'fileport-local';
/** The local events bus (local/event-bus.ts), as the publisher is told its name. */
export const LOCAL_EVENT_BUS = 'fileport-local-events';

/** The processing queues' URLs, as the functions that send to them are given them. */
export interface QueueUrls {
  metadata: string;
  thumbnails: string;
  /** The webhook delivery function's queue (its retries); the emulators only. */
  webhooks?: string;
}

/** Before anything calls AWS: the stack's own clients (LocalStack provisioning, the emulators' table) need a region too. */
export function setRegion(): void {
  process.env.AWS_REGION ??= 'us-east-1';
}

/** Points every SDK client of this process at the emulators, with the credentials they accept: real ones must never reach them. */
export function useEmulators(endpoints: { s3: string; dynamoDb: string; sqs: string; eventBridge: string }): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventBridge,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamoDb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
}

/**
 * What the functions are given, set before they load: the handlers read it when they first run.
 * The local resources, then the local defaults of the service's configuration (`serviceDefaults`),
 * then the rest of what each function is given deployed (the template's, with bundles); a value
 * this machine set (the local defaults, or the developer) wins over the template's.
 */
export function setFunctionEnvironment(options: { code: LambdaCode; dataDir: string | null; queueUrls: QueueUrls; serviceDefaults: Record<string, string> }): void {
  // What the template references stands for these.
  const resources = {
    FILEPORT_TABLE_NAME: LOCAL_TABLE,
    FILEPORT_BUCKET_NAME: LOCAL_BUCKET,
    FILEPORT_METADATA_QUEUE_URL: options.queueUrls.metadata,
    FILEPORT_THUMBNAIL_QUEUE_URL: options.queueUrls.thumbnails,
    FILEPORT_EVENT_BUS_NAME: LOCAL_EVENT_BUS,
  };
  Object.assign(process.env, resources, { FILEPORT_S3_FORCE_PATH_STYLE: 'true' });
  if (options.queueUrls.webhooks) process.env.FILEPORT_WEBHOOK_QUEUE_URL = options.queueUrls.webhooks;

  // The key multipart upload ids are signed with; one the developer set (either way) wins.
  if (!process.env.FILEPORT_UPLOAD_ID_KEY && !process.env.FILEPORT_UPLOAD_ID_SECRET_ARN) {
    process.env.FILEPORT_UPLOAD_ID_KEY = localUploadIdKey(options.dataDir && join(options.dataDir, 'upload-id-key'));
  }
  for (const [name, value] of Object.entries(options.serviceDefaults)) process.env[name] ??= value;

  const deployed = options.code.environment({
    ...resources,
    // Secrets Manager is not emulated: the uploads function gets the key itself (FILEPORT_UPLOAD_ID_KEY, above).
    FILEPORT_UPLOAD_ID_SECRET_ARN: process.env.FILEPORT_UPLOAD_ID_SECRET_ARN ?? null,
    FILEPORT_WEBHOOK_QUEUE_URL: options.queueUrls.webhooks ?? null,
  });
  for (const [name, value] of Object.entries(deployed)) process.env[name] ??= value;
}
