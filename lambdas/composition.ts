import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { makeDocumentClient, makeEventBridgeClient, makeS3Client, makeSqsClient } from './adapters/aws-clients';
import { EventBridgeBus } from './adapters/eventbridge-bus';
import { DynamoFileQueries } from './adapters/dynamo-file-queries';
import { DynamoFileRepository } from './adapters/dynamo-file-repository';
import { DynamoRenditionRecords } from './adapters/dynamo-rendition-records';
import { DynamoSettingsRepository } from './adapters/dynamo-settings-repository';
import { DynamoShareTokenRepository } from './adapters/dynamo-share-token-repository';
import { S3ObjectStore } from './adapters/s3-object-store';
import { SqsProcessingQueue, SqsThumbnailQueue } from './adapters/sqs-queues';
import { uploadIdKeysOf } from './adapters/upload-id-keys';
import { DynamoWebhookRepository } from './adapters/dynamo-webhook-repository';
import { SqsWebhookRetries } from './adapters/sqs-webhook-retries';
import { HttpWebhookSender } from './adapters/webhook-sender';
import type { DeliveryDeps, DeliveryFunctionDeps } from './domain/webhooks/delivery';
import type { WebhookDeps } from './domain/webhooks/webhooks';
import { getConfig, getEventBusConfig, getFileTypes, type Config } from './config';
import type { EventBus } from './domain/events/model';
import type { Deps, ProcessingDeps, ProcessingQueue, QueryDeps, RenditionDeps, SharingDeps, UploadDeps } from './domain/ports';
import type { StuckFilePolicy } from './domain/processing/processing-recovery';
import { EmfTelemetry } from './observability/emf';

/**
 * The composition root: the one place that turns the configuration into the services each kind of
 * Fileport function runs with. A route group declares its builder (`services: apiServices` in
 * lambdas/api/groups/), a processor's entry point hands its own to its handler
 * (`createMetadataHandler(metadataServices)`); handlers and domain code receive what it built and
 * never reach for a global.
 *
 * Each builder runs on first use, not at import (the local stack sets the environment before the
 * first request), and keeps what it built for the life of the container; the builders of one
 * process share their clients. They are plain function declarations over a plain cache, so esbuild
 * drops the ones an entry point does not reference: only the uploads function carries the Secrets
 * Manager read, only the processors that queue carry the SQS client.
 */

/** Storage, clock and metrics: what every function works with. */
export type StorageServices = Deps & { config: Config };
/** The API's data routes: storage, share tokens and the parsed configuration. */
export type ApiServices = SharingDeps & { config: Config };
/** The upload routes: storage and the key multipart upload ids are signed with (no share tokens: they grant no uploads). */
export type UploadServices = StorageServices & UploadDeps;
/** The upload links' routes: share tokens, and what uploads need (the key of multipart upload ids). */
export type LinkServices = ApiServices & UploadDeps;
/** The files routes: the API's data routes, and the lists of files. */
export type FileServices = ApiServices & QueryDeps;
/** The renditions routes: the API's data routes, and where renditions made are recorded. */
export type RenditionServices = ApiServices & RenditionDeps;
/** The metadata processor: where thumbnail jobs go, and how many versions a file keeps. */
export type MetadataServices = ProcessingDeps & { config: Config };
/** The reconciler: where stuck uploads are re-driven, and when a file counts as stuck or hopeless. */
export type ReconcilerServices = StorageServices & QueryDeps & { processing: ProcessingQueue; stuckFiles: StuckFilePolicy };
/** The events publisher: only the bus (it reads the table's stream through its event source mapping, not the table). */
export type EventPublisherServices = { bus: EventBus };
/** The webhooks route group: endpoints, their deliveries, and the sender of test events and redeliveries. */
export type WebhookServices = WebhookDeps & DeliveryDeps;

const built: {
  db?: DynamoDBDocumentClient;
  sqs?: SQSClient;
  storage?: StorageServices;
  api?: ApiServices;
  files?: FileServices;
  renditions?: RenditionServices;
  uploads?: UploadServices;
  links?: LinkServices;
  metadata?: MetadataServices;
  reconciler?: ReconcilerServices;
  events?: EventPublisherServices;
  webhooks?: WebhookServices;
  webhookDeliveries?: DeliveryFunctionDeps;
} = {};

function documentClient(): DynamoDBDocumentClient {
  built.db ??= makeDocumentClient();
  return built.db;
}

function sqsClient(): SQSClient {
  built.sqs ??= makeSqsClient();
  return built.sqs;
}

/** A queue URL the function's configuration must hold; read only when the function first needs it. */
function required(url: string | undefined, variable: string): string {
  if (!url) throw new Error(`${variable} is not set`);
  return url;
}

function storage(): StorageServices {
  if (!built.storage) {
    const config = getConfig();
    const db = documentClient();
    built.storage = {
      config,
      files: new DynamoFileRepository(db, config.tableName),
      settings: new DynamoSettingsRepository(db, config.tableName),
      objects: new S3ObjectStore(makeS3Client(config), config.bucketName, { kmsKeyArn: config.objectKmsKeyArn }),
      now: () => new Date(),
      fileTypes: getFileTypes(),
      telemetry: new EmfTelemetry(),
      malwareScanning: config.malwareScanning,
    };
  }
  return built.storage;
}

/** The files, downloads and shared route groups. */
export function apiServices(): ApiServices {
  if (!built.api) {
    const base = storage();
    built.api = { ...base, shareTokens: new DynamoShareTokenRepository(documentClient(), base.config.tableName) };
  }
  return built.api;
}

/** The files route group: the only API function that lists files. */
export function fileServices(): FileServices {
  if (!built.files) {
    const api = apiServices();
    built.files = { ...api, fileQueries: new DynamoFileQueries(documentClient(), api.config.tableName) };
  }
  return built.files;
}

/** The renditions route group. */
export function renditionServices(): RenditionServices {
  if (!built.renditions) {
    const api = apiServices();
    built.renditions = { ...api, renditionRecords: new DynamoRenditionRecords(documentClient(), api.config.tableName) };
  }
  return built.renditions;
}

/**
 * The uploads route group. The key is read from Secrets Manager on the first multipart request, not
 * here, and kept for the life of the container.
 */
export function uploadServices(): UploadServices {
  if (!built.uploads) {
    const base = storage();
    built.uploads = { ...base, uploadIdKeys: uploadIdKeysOf(base.config.uploadIdKey) };
  }
  return built.uploads;
}

/** The links route group: upload links' holders upload, members manage drop boxes. */
export function linkServices(): LinkServices {
  if (!built.links) {
    const api = apiServices();
    built.links = { ...api, uploadIdKeys: uploadIdKeysOf(api.config.uploadIdKey) };
  }
  return built.links;
}

export function metadataServices(): MetadataServices {
  if (!built.metadata) {
    const base = storage();
    const queueUrl = required(base.config.thumbnailQueueUrl, 'FILEPORT_THUMBNAIL_QUEUE_URL');
    built.metadata = { ...base, thumbnails: new SqsThumbnailQueue(sqsClient(), queueUrl), maxVersions: base.config.maxVersions };
  }
  return built.metadata;
}

export function thumbnailServices(): StorageServices {
  return storage();
}

export function deadLetterServices(): StorageServices {
  return storage();
}

/** The scan-result function: GuardDuty's verdicts, recorded on the versions they name. */
export function scanResultServices(): StorageServices {
  return storage();
}

export function reconcilerServices(): ReconcilerServices {
  if (!built.reconciler) {
    const base = storage();
    const queueUrl = required(base.config.metadataQueueUrl, 'FILEPORT_METADATA_QUEUE_URL');
    built.reconciler = { ...base, fileQueries: new DynamoFileQueries(documentClient(), base.config.tableName), processing: new SqsProcessingQueue(sqsClient(), queueUrl, base.config.bucketName), stuckFiles: base.config.stuckFiles };
  }
  return built.reconciler;
}

export function eventPublisherServices(): EventPublisherServices {
  built.events ??= { bus: new EventBridgeBus(makeEventBridgeClient(), getEventBusConfig().eventBusName) };
  return built.events;
}

/**
 * The webhooks route group. Only the table and the sender: it reads no file and no bucket, so it is
 * built from the configuration alone (the file-type catalogue is not read).
 */
export function webhookServices(): WebhookServices {
  if (!built.webhooks) {
    const config = getConfig();
    const target = { allowLoopback: config.webhooks.allowLoopback };
    built.webhooks = {
      webhooks: new DynamoWebhookRepository(documentClient(), config.tableName),
      sender: new HttpWebhookSender(target),
      now: () => new Date(),
      policy: { maxEndpoints: config.webhooks.maxEndpoints, target },
      delivery: config.webhooks.delivery,
    };
  }
  return built.webhooks;
}

/** The delivery function: the endpoints and deliveries, the sender, and its own queue for retries. */
export function webhookDeliveryServices(): DeliveryFunctionDeps {
  if (!built.webhookDeliveries) {
    const config = getConfig();
    built.webhookDeliveries = {
      webhooks: new DynamoWebhookRepository(documentClient(), config.tableName),
      sender: new HttpWebhookSender({ allowLoopback: config.webhooks.allowLoopback }),
      retries: new SqsWebhookRetries(sqsClient(), required(config.webhooks.queueUrl, 'FILEPORT_WEBHOOK_QUEUE_URL')),
      now: () => new Date(),
      delivery: config.webhooks.delivery,
    };
  }
  return built.webhookDeliveries;
}
