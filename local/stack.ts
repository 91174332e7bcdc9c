import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3EventRecord } from 'aws-lambda';
import { entrypointFile, maxReceiveCount, processors, routeGroups, type Processor, type RouteGroup } from '../lambdas/routes';
import { createDevAuth, devAuthKeyFile, type DevAuth } from './dev-auth';
import { startDynamoDb } from './emulators/dynamodb';
import { startS3 } from './emulators/s3';
import { fileIdOfContentKey, objectPrefixes } from '../lambdas/domain/files';
import type { UploadedObject } from '../lambdas/domain/ports';
import { thumbnailJobOf, uploadNotification, uploadedObjectsOf } from '../lambdas/adapters/processing-messages';
import { faultRules } from './faults';
import { devError, devJson, startGateway, type ApiLambda, type DevRoute } from './gateway';
import { LocalQueue } from './local-queue';
import { runEvery } from './schedule';
import { readLocalSettings } from './settings';
import { ensureTable } from './provision';
import { connectLocalStack } from './localstack';
import { S3Client } from '@aws-sdk/client-s3';
import { putBucketCors } from './bucket-cors';
import { pageAssets } from './page/assets';
import { localUploadIdKey } from './upload-id-key';
import { assertPortsFree, claimPort } from './ports';
import { apiFunctionName, asInvocationOf, processorFunctionName, queueArnOf, recordCalls } from '../lambdas/adapters/aws-call-recorder';

export interface LocalStackOptions {
  /** Gateway port; 0 picks a free one. */
  port: number;
  /** The S3 emulator's port; 0 or absent picks a free one. */
  s3Port?: number;
  /** DynamoDB Local's port; 0 or absent picks a free one. */
  dynamoDbPort?: number;
  /** Where S3 objects, the database and the signing keys persist; null keeps everything in memory. */
  dataDir: string | null;
  /** Browser origins besides the gateway's own; default FILEPORT_LOCAL_CORS_ORIGINS (local/settings.ts). */
  corsOrigins?: string[];
}

export interface LocalStack {
  apiUrl: string;
  s3Endpoint: string;
  dynamoDbEndpoint: string;
  auth: DevAuth;
  tenantClaim: string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..');
const BUCKET = 'fileport-local';
const TABLE = 'fileport-local';
/** What the stack names its bucket and table, for tools beside it (the bench's floors). */
export { BUCKET as LOCAL_BUCKET, TABLE as LOCAL_TABLE };

/**
 * The whole service on one machine: S3 and DynamoDB emulators (or LocalStack when
 * AWS_ENDPOINT_URL is set), the real Lambda handlers behind the local gateway, and S3 events
 * driving the real processors through durable queues with retries, timeouts and a dead-letter
 * queue, plus the reconciler on a timer, as deployed.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const { dataDir } = options;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const external = process.env.AWS_ENDPOINT_URL;
    const s3Port = options.s3Port ?? 0;
    const dynamoDbPort = options.dynamoDbPort ?? 0;
    await assertPortsFree([{ listener: 'API', port: options.port }, ...(external ? [] : [{ listener: 'S3' as const, port: s3Port }, { listener: 'DynamoDB' as const, port: dynamoDbPort }])]);

    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      FILEPORT_TABLE_NAME: TABLE,
      FILEPORT_BUCKET_NAME: BUCKET,
      FILEPORT_S3_FORCE_PATH_STYLE: 'true',
    });

    // The key multipart upload ids are signed with; one the developer set (either way) wins.
    if (!process.env.FILEPORT_UPLOAD_ID_KEY && !process.env.FILEPORT_UPLOAD_ID_SECRET_ARN) {
      process.env.FILEPORT_UPLOAD_ID_KEY = localUploadIdKey(dataDir && join(dataDir, 'upload-id-key'));
    }

    const settings = readLocalSettings(process.env);
    const corsOrigins = options.corsOrigins ?? settings.corsOrigins;
    for (const [name, value] of Object.entries(settings.serviceEnv)) process.env[name] ??= value;

    let s3Endpoint: string;
    let dynamoDbEndpoint: string;
    const recentEvents: S3EventRecord[] = [];
    const queues = makeQueues(dataDir, settings.processorTimeoutMs);
    // Deployed, each SQS message carries one S3 event notification; the same here.
    const deliver = (record: S3EventRecord) => queues.metadata.send(JSON.stringify({ Records: [record] }));
    if (external) {
      s3Endpoint = external;
      dynamoDbEndpoint = external;
    } else {
      const s3 = await claimPort('S3', s3Port, () =>
        startS3({ port: s3Port, directory: dataDir && join(dataDir, 's3'), bucket: BUCKET, corsOrigins, allowedHosts: settings.allowedHosts }),
      );
      stops.push(s3.stop);
      const dynamo = await claimPort('DynamoDB', dynamoDbPort, () => startDynamoDb({ port: dynamoDbPort, directory: dataDir && join(dataDir, 'dynamodb') }));
      stops.push(dynamo.stop);
      s3Endpoint = s3.endpoint;
      dynamoDbEndpoint = dynamo.endpoint;
      // The emulators accept any credentials that match their own; real ones must never reach them.
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      });
      // The event is on disk (with a data folder) before the upload's response: none is lost.
      s3.onObjectCreated((record) => {
        // The deployed bucket notifies only for this prefix (lib/processing.ts): thumbnails the
        // processors write must not come back to them as uploads.
        if (!record.s3.object.key.startsWith(objectPrefixes.content)) return;
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
    const { createDeadLettersHandler } = await import('../lambdas/entrypoints/process-dead-letters');
    const { createReconcileHandler } = await import('../lambdas/entrypoints/reconcile-processing');
    const { getServices } = await import('../lambdas/services');
    const { getConfig } = await import('../lambdas/config');

    const devRoutes: Record<string, DevRoute> = {};
    let firstReconcile: Promise<void> = Promise.resolve();
    if (external) {
      const localstack = await connectLocalStack({ bucket: BUCKET, table: TABLE, corsOrigins });
      stops.push(localstack.stop);
      // The deployed reconciler as is: it re-drives onto LocalStack's metadata queue.
      const { handler: reconcile } = await import('../lambdas/entrypoints/reconcile-processing');
      const reconciler = startReconciler(asInvocationOf(processorFunctionName('reconciler'), reconcile), settings.reconcileIntervalMs);
      stops.push(reconciler.stop);
      firstReconcile = reconciler.firstRun;
    } else {
      const { faults } = settings;
      // The local queues stand in for SQS: a send is recorded as the SendMessage the deployed function makes.
      const thumbnails = {
        enqueue: async (job: unknown) => {
          recordQueueSend(queues.thumbnails.name);
          queues.thumbnails.send(JSON.stringify(job));
        },
      };
      // Each consumer runs as an invocation of the function deployed for it (the IAM conformance check reads which).
      queues.metadata.consume(
        faults.wrap(
          'metadata',
          fileIdOfUpload,
          asInvocationOf(processorFunctionName('metadata'), createMetadataHandler(() => ({ ...getServices(), thumbnails, maxVersions: getConfig().maxVersions }))),
        ),
      );
      queues.thumbnails.consume(faults.wrap('thumbnails', fileIdOfThumbnailJob, asInvocationOf(processorFunctionName('thumbnails'), createThumbnailsHandler(getServices))));
      queues.deadLetters.consume(asInvocationOf(processorFunctionName('deadLetters'), createDeadLettersHandler(getServices)));

      const processing = {
        redrive: async (object: UploadedObject) => {
          recordQueueSend(queues.metadata.name);
          queues.metadata.send(uploadNotification(object, BUCKET));
        },
      };
      const reconciler = startReconciler(
        asInvocationOf(processorFunctionName('reconciler'), createReconcileHandler(() => ({ ...getServices(), processing }), () => getConfig().stuckFiles)),
        settings.reconcileIntervalMs,
      );
      // Stops run in reverse: the gateway, the reconciler, then running processing finishes
      // (bounded) before the queues stop delivering and the emulators go away under it.
      stops.push(async () => {
        await Promise.race([Promise.all(Object.values(queues).map((q) => q.idle())), new Promise((resolve) => setTimeout(resolve, 5000))]);
        Object.values(queues).forEach((q) => q.stop());
      });
      stops.push(reconciler.stop);
      firstReconcile = reconciler.firstRun;

      Object.assign(devRoutes, {
        // The S3 events processing received, and a way to deliver one again (a duplicate, or an
        // old one after a newer one) as S3 is allowed to.
        '/_dev/s3-events': ({ method, query, body }) => {
          if (method === 'GET') return { status: 200, body: { items: recentEvents.filter((r) => !query.has('key') || r.s3.object.key === query.get('key')) } };
          if (method !== 'POST') return undefined;
          const json = devJson(body);
          if ('error' in json) return json.error;
          const record = json.value as S3EventRecord;
          if (typeof record?.s3?.object?.key !== 'string') return devError(400, 'VALIDATION_ERROR', 'Send one S3 event record.');
          deliver(record);
          return { status: 202, body: { queued: true } };
        },
        // Counts: every message sent ends succeeded or dead-lettered (or is still pending).
        '/_dev/queues': ({ method }) =>
          method === 'GET'
            ? { status: 200, body: { ...Object.fromEntries(Object.entries(queues).map(([name, q]) => [name, q.stats()])), reconciler: reconciler.stats() } }
            : undefined,
        '/_dev/faults': ({ method, body }) => {
          if (method === 'GET') return { status: 200, body: { rules: faults.list() } };
          if (method !== 'PUT') return undefined;
          const json = devJson(body);
          if ('error' in json) return json.error;
          const rules = faultRules.safeParse((json.value as { rules?: unknown })?.rules);
          if (!rules.success) return devError(400, 'VALIDATION_ERROR', `Send {"rules": [...]}: ${rules.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
          faults.set(rules.data);
          return { status: 200, body: { rules: faults.list() } };
        },
      } satisfies Record<string, DevRoute>);
    }

    const auth = await createDevAuth(dataDir && devAuthKeyFile(dataDir));
    // What a deployed issuer publishes: anything that verifies the local tokens itself (the bench's floor) reads it here.
    const jwks = { keys: [await auth.publicJwk()] };
    devRoutes['/_dev/jwks.json'] = ({ method }) => (method === 'GET' ? { status: 200, body: jwks } : undefined);
    const { tenantClaim } = getConfig();
    const gateway = await claimPort('API', options.port, () =>
      startGateway({ port: options.port, auth, tenantClaim, lambdas, devRoutes, corsOrigins, assets: pageAssets(), allowedHosts: settings.allowedHosts }),
    );
    stops.push(gateway.stop);
    // The upload page is served by the gateway, whose port is only known now, and talks to S3 on
    // another port: the bucket must allow the gateway's origins (by either local name) as well.
    const { port } = new URL(gateway.url);
    await putBucketCors(new S3Client({ forcePathStyle: true }), BUCKET, [...new Set([...corsOrigins, `http://127.0.0.1:${port}`, `http://localhost:${port}`])]);
    // What the first run recovers (files a previous run left stuck) is said before `npm start`
    // prints its token and URLs, not after them.
    await firstReconcile;

    return {
      apiUrl: gateway.url,
      s3Endpoint,
      dynamoDbEndpoint,
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
      // Each request runs as an invocation of its group's function (the IAM conformance check reads which).
      return [group, asInvocationOf(apiFunctionName(group), module.handler)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<RouteGroup, ApiLambda>;
}

/**
 * The processing queues as deployed (metadata, thumbnails, and one dead-letter queue that both
 * redrive into), persisted under the data folder.
 */
function makeQueues(dataDir: string | null, timeoutOverrideMs: number | undefined) {
  const settings = (processor: Processor) => ({
    maxReceiveCount,
    timeoutMs: timeoutOverrideMs ?? processors[processor].timeoutSeconds * 1000,
    directory: dataDir && join(dataDir, 'queues', processor),
  });
  const deadLetters = new LocalQueue('fileport-dead-letters', settings('deadLetters'));
  const onDeadLetter = (body: string) => deadLetters.send(body);
  return {
    metadata: new LocalQueue('fileport-metadata', { ...settings('metadata'), onDeadLetter }),
    thumbnails: new LocalQueue('fileport-thumbnails', { ...settings('thumbnails'), onDeadLetter }),
    deadLetters,
  };
}

/** A message sent to a local queue, as the SQS SendMessage the running function makes deployed. */
const recordQueueSend = (queue: string) =>
  recordCalls([{ service: 'sqs', action: 'sqs:SendMessage', resource: queueArnOf(process.env.AWS_REGION ?? 'us-east-1', queue), context: { 'aws:SecureTransport': 'true' }, via: 'local-queue' }]);

const fileIdOfUpload = (body: string): string | undefined => {
  try {
    const [object] = uploadedObjectsOf(body);
    return object && fileIdOfContentKey(object.key);
  } catch {
    return undefined;
  }
};

const fileIdOfThumbnailJob = (body: string): string | undefined => {
  try {
    return thumbnailJobOf(body).fileId;
  } catch {
    return undefined;
  }
};

/** Runs the reconciler now and then every `intervalMs`, as the deployed schedule does. */
function startReconciler(reconcile: () => Promise<{ redriven: number; gaveUp: number }>, intervalMs: number) {
  const counts = { runs: 0, redriven: 0, gaveUp: 0 };
  const schedule = runEvery(
    'Reconciler run',
    intervalMs,
    async () => {
      const report = await reconcile();
      counts.runs++;
      counts.redriven += report.redriven;
      counts.gaveUp += report.gaveUp;
    },
    { immediately: true },
  );
  return { stats: () => ({ ...counts }), stop: schedule.stop, firstRun: schedule.firstRun };
}
