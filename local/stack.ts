import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3EventRecord } from 'aws-lambda';
import { entrypointFile, routeGroups, type RouteGroup } from '../lambdas/routes';
import { createDevAuth, type DevAuth } from './dev-auth';
import { startDynamoDb } from './emulators/dynamodb';
import { startS3 } from './emulators/s3';
import { startGateway, type ApiLambda } from './gateway';
import { LocalQueue } from './local-queue';
import { ensureTable } from './provision';
import { connectLocalStack } from './localstack';

export interface LocalStackOptions {
  /** Gateway port; 0 picks a free one. */
  port: number;
  /** Where S3 objects, the database and the signing key persist; null keeps everything in memory. */
  dataDir: string | null;
  corsOrigins?: string[];
}

export interface LocalStack {
  apiUrl: string;
  s3Endpoint: string;
  auth: DevAuth;
  tenantClaim: string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..');
const BUCKET = 'fileport-local';
const TABLE = 'fileport-local';

/**
 * The whole service on one machine: S3 and DynamoDB emulators (or LocalStack when
 * AWS_ENDPOINT_URL is set), the real Lambda handlers behind the local gateway, and S3 events
 * driving the real processors through queues with retries and a dead-letter list.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const { dataDir } = options;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const corsOrigins = options.corsOrigins ?? ['http://localhost:3000', 'http://127.0.0.1:3000'];
    const external = process.env.AWS_ENDPOINT_URL;

    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      FILEPORT_TABLE_NAME: TABLE,
      FILEPORT_BUCKET_NAME: BUCKET,
      FILEPORT_S3_FORCE_PATH_STYLE: 'true',
    });

    let s3Endpoint: string;
    const recentEvents: S3EventRecord[] = [];
    const metadataQueue = new LocalQueue('fileport-metadata');
    const thumbnailQueue = new LocalQueue('fileport-thumbnails');
    // Deployed, each SQS message carries one S3 event notification; the same here.
    const deliver = (record: S3EventRecord) => metadataQueue.send(JSON.stringify({ Records: [record] }));
    if (external) {
      s3Endpoint = external;
    } else {
      // Next to the gateway's port, so URLs handed out survive a restart of a persistent stack.
      const s3 = await startS3({ port: options.port === 0 ? 0 : options.port + 1, directory: dataDir && join(dataDir, 's3'), bucket: BUCKET, corsOrigins });
      stops.push(s3.stop);
      const dynamo = await startDynamoDb({ port: 0, directory: dataDir && join(dataDir, 'dynamodb') });
      stops.push(dynamo.stop);
      s3Endpoint = s3.endpoint;
      // The emulators accept any credentials that match their own; real ones must never reach them.
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      });
      s3.onObjectCreated((record) => {
        recentEvents.push(record);
        if (recentEvents.length > 1000) recentEvents.shift();
        deliver(record);
      });
      await ensureTable(new DynamoDBClient({}), TABLE);
    }

    // Imported only now: the handlers read the environment set above when they first run.
    const lambdas = await loadLambdas();
    const { createMetadataHandler } = await import('../lambdas/entrypoints/process-metadata');
    const { createThumbnailsHandler } = await import('../lambdas/entrypoints/process-thumbnails');
    const { getServices } = await import('../lambdas/services');
    const { getConfig } = await import('../lambdas/config');

    if (external) {
      const localstack = await connectLocalStack({ bucket: BUCKET, table: TABLE, corsOrigins });
      stops.push(localstack.stop);
    } else {
      const thumbnails = { enqueue: async (job: unknown) => thumbnailQueue.send(JSON.stringify(job)) };
      metadataQueue.consume(createMetadataHandler(() => ({ ...getServices(), thumbnails })));
      thumbnailQueue.consume(createThumbnailsHandler(getServices));
    }

    const auth = await createDevAuth(dataDir && join(dataDir, 'jwt-key.json'));
    const { tenantClaim } = getConfig();
    const s3Events = external
      ? undefined
      : {
          recent: (key?: string) => recentEvents.filter((r) => key === undefined || r.s3.object.key === key),
          redeliver: deliver,
        };
    const gateway = await startGateway({ port: options.port, auth, tenantClaim, lambdas, s3Events });
    // Stops (in reverse) the gateway first, then lets running processing finish (bounded) before
    // the emulators go away under it.
    stops.push(async () => {
      await Promise.race([Promise.all([metadataQueue.idle(), thumbnailQueue.idle()]), new Promise((resolve) => setTimeout(resolve, 5000))]);
    });
    stops.push(gateway.stop);

    return {
      apiUrl: gateway.url,
      s3Endpoint,
      auth,
      tenantClaim,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The same entry files CDK bundles, one per route group of the route table. */
async function loadLambdas(): Promise<Record<RouteGroup, ApiLambda>> {
  const entries = await Promise.all(
    routeGroups.map(async (group) => {
      const module = (await import(join(ROOT, entrypointFile(group)))) as { handler: ApiLambda };
      return [group, module.handler] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<RouteGroup, ApiLambda>;
}
