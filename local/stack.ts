import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3EventRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { routeGroups, type RouteGroup } from '../lambdas/routes';
import { maxReceiveCount, processors, type Processor } from '../lambdas/processors';
import { createDevAuth, devAuthKeyFile, type DevAuth } from './dev-auth';
import { startDynamoDb } from './emulators/dynamodb';
import { startS3 } from './emulators/s3';
import { fileIdOfContentKey, objectPrefixes } from '../lambdas/domain/files/files';
import { thumbnailJobOf, uploadedObjectsOf } from '../lambdas/adapters/processing-messages';
import { faultRules } from './faults';
import { devError, devJson, lambdaContext, startGateway, type ApiLambda, type DevRoute } from './gateway';
import { LocalQueue, type QueueConsumer } from './local-queue';
import { lambdaNames, sourceCode, type LambdaCode, type LambdaName, type LoadedLambda } from './lambda-code';
import { startSqsEndpoint } from './sqs-endpoint';
import { runEvery } from './schedule';
import { readLocalEnvironment } from './local-environment';
import { ensureTable } from './provision';
import { connectLocalStack } from './localstack';
import { S3Client } from '@aws-sdk/client-s3';
import { putBucketCors } from './bucket-cors';
import { pageAssets } from './page/assets';
import { localUploadIdKey } from './upload-id-key';
import { assertPortsFree, claimPort } from './ports';
import { apiFunctionName, asInvocationOf, processorFunctionName } from '../lambdas/adapters/aws-call-recorder';

export interface LocalStackOptions {
  /** Gateway port; 0 picks a free one. */
  port: number;
  /** The S3 emulator's port; 0 or absent picks a free one. */
  s3Port?: number;
  /** DynamoDB Local's port; 0 or absent picks a free one. */
  dynamoDbPort?: number;
  /** Where S3 objects, the database and the signing keys persist; null keeps everything in memory. */
  dataDir: string | null;
  /** Browser origins besides the gateway's own; default FILEPORT_LOCAL_CORS_ORIGINS (local/local-environment.ts). */
  corsOrigins?: string[];
  /** The functions' code: the TypeScript sources (default) or the bundles of a cloud assembly (local/lambda-code.ts). */
  code?: LambdaCode;
}

/** Which file each function was loaded from, as `GET /_dev/lambdas` reports it. */
export interface LoadedCode {
  code: LambdaCode['code'];
  assembly: string | null;
  functions: Record<LambdaName, string>;
}

export interface LocalStack {
  apiUrl: string;
  s3Endpoint: string;
  dynamoDbEndpoint: string;
  auth: DevAuth;
  tenantClaim: string;
  loaded: LoadedCode;
  stop(): Promise<void>;
}

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
    const code = options.code ?? sourceCode();
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

    const settings = readLocalEnvironment(process.env);
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
      // The processors and the reconciler send to the queues with their own SQS client, as deployed.
      const sqs = await startSqsEndpoint({ [queues.metadata.name]: (body) => queues.metadata.send(body), [queues.thumbnails.name]: (body) => queues.thumbnails.send(body) });
      stops.push(sqs.stop);
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        FILEPORT_METADATA_QUEUE_URL: sqs.queueUrl(queues.metadata.name),
        FILEPORT_THUMBNAIL_QUEUE_URL: sqs.queueUrl(queues.thumbnails.name),
      });
    }
    const devRoutes: Record<string, DevRoute> = {};
    let localstack: Awaited<ReturnType<typeof connectLocalStack>> | undefined;
    if (external) {
      localstack = await connectLocalStack({ bucket: BUCKET, table: TABLE, corsOrigins });
      stops.push(localstack.stop);
    }

    // What the template references stands for the local resources; the rest of what each function
    // is given deployed is the template's, unless this machine set it (the local defaults above, or the developer).
    const deployedEnv = code.environment({
      FILEPORT_TABLE_NAME: TABLE,
      FILEPORT_BUCKET_NAME: BUCKET,
      FILEPORT_METADATA_QUEUE_URL: process.env.FILEPORT_METADATA_QUEUE_URL ?? null,
      FILEPORT_THUMBNAIL_QUEUE_URL: process.env.FILEPORT_THUMBNAIL_QUEUE_URL ?? null,
      // Secrets Manager is not emulated: the uploads function gets the key itself (FILEPORT_UPLOAD_ID_KEY, above).
      FILEPORT_UPLOAD_ID_SECRET_ARN: process.env.FILEPORT_UPLOAD_ID_SECRET_ARN ?? null,
    });
    for (const [name, value] of Object.entries(deployedEnv)) process.env[name] ??= value;

    // Loaded only now: the handlers read the environment set above when they first run.
    const loaded = Object.fromEntries(await Promise.all(lambdaNames.map(async (name) => [name, await code.load(name)] as const))) as Record<LambdaName, LoadedLambda>;
    const lambdas = Object.fromEntries(routeGroups.map((group) => [group, apiLambda(loaded[group])])) as Record<RouteGroup, ApiLambda>;
    const { getConfig } = await import('../lambdas/config');

    let firstReconcile: Promise<void> = Promise.resolve();
    if (localstack) {
      localstack.consume({ metadata: sqsConsumer(loaded.metadata), thumbnails: sqsConsumer(loaded.thumbnails), deadLetters: sqsConsumer(loaded.deadLetters) });
      // The deployed reconciler as is: it re-drives onto LocalStack's metadata queue.
      const reconciler = startReconciler(scheduled(loaded.reconciler), settings.reconcileIntervalMs);
      stops.push(reconciler.stop);
      firstReconcile = reconciler.firstRun;
    } else {
      const { faults } = settings;
      queues.metadata.consume(faults.wrap('metadata', fileIdOfUpload, sqsConsumer(loaded.metadata)));
      queues.thumbnails.consume(faults.wrap('thumbnails', fileIdOfThumbnailJob, sqsConsumer(loaded.thumbnails)));
      queues.deadLetters.consume(sqsConsumer(loaded.deadLetters));
      const reconciler = startReconciler(scheduled(loaded.reconciler), settings.reconcileIntervalMs);
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
    // Which code answers: the tests of bundle mode check that it is the assembly's.
    const loadedCode: LoadedCode = {
      code: code.code,
      assembly: code.assembly ?? null,
      functions: Object.fromEntries(lambdaNames.map((name) => [name, loaded[name].file])) as Record<LambdaName, string>,
    };
    devRoutes['/_dev/lambdas'] = ({ method }) => (method === 'GET' ? { status: 200, body: loadedCode } : undefined);
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
      loaded: loadedCode,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/*
 * Every invocation of a function goes through one of these three, one per way Lambda invokes
 * Fileport's functions (an API Gateway HTTP API v2 event, an SQS batch, a scheduled event), with
 * a Lambda context of its own: what wraps an invocation (a recorder of its AWS calls) wraps it here.
 */

/** A route group's function, as the gateway invokes it. */
function apiLambda(fn: LoadedLambda): ApiLambda {
  return asInvocationOf(functionNameOf(fn.name), (event, context) => fn.handler(event, context) as ReturnType<ApiLambda>);
}

/** A processor, as its queue's event source mapping invokes it: an SQS event, the batch failures back. */
function sqsConsumer(fn: LoadedLambda): QueueConsumer {
  return asInvocationOf(functionNameOf(fn.name), (event) => fn.handler(event, lambdaContext(`fileport-${fn.name}`)) as ReturnType<QueueConsumer>);
}

/** The reconciler, as its EventBridge schedule invokes it. */
function scheduled(fn: LoadedLambda): () => Promise<{ redriven: number; gaveUp: number }> {
  return asInvocationOf(functionNameOf(fn.name), async () => {
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time,
      region,
      resources: [`arn:aws:events:${region}:000000000000:rule/fileport-reconciler-schedule`],
      detail: {},
    };
    return (await fn.handler(event, lambdaContext(`fileport-${fn.name}`))) as { redriven: number; gaveUp: number };
  });
}

/** The deployed function a local one stands for, as the IAM conformance check names it (lambdas/adapters/aws-call-recorder.ts). */
const functionNameOf = (name: LambdaName): string => (name in processors ? processorFunctionName(name) : apiFunctionName(name));

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
