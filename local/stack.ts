import { mkdirSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { routeGroups, type RouteGroup } from '../lambdas/routes';
import { startAwsServices } from './aws-services';
import { putBucketCors } from './bucket-cors';
import { createDevAuth, devAuthKeyFile, type DevAuth } from './dev-auth';
import { devRoutes, loadedCode, type LoadedCode } from './dev-routes';
import { startGateway, type ApiLambda } from './gateway';
import { apiLambda } from './invocations';
import { lambdaNames, sourceCode, type LambdaCode, type LambdaName, type LoadedLambda } from './lambda-code';
import { readLocalEnvironment } from './local-environment';
import { pageAssets } from './page/assets';
import { assertPortsFree, claimPort } from './ports';
import { startProcessing } from './processing';
import { LOCAL_BUCKET, setFunctionEnvironment, setRegion } from './service-environment';
import { Stops } from './stops';

export { LOCAL_BUCKET, LOCAL_TABLE } from './service-environment';
export type { LoadedCode } from './dev-routes';

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

export interface LocalStack {
  apiUrl: string;
  s3Endpoint: string;
  dynamoDbEndpoint: string;
  auth: DevAuth;
  tenantClaim: string;
  loaded: LoadedCode;
  stop(): Promise<void>;
}

/**
 * The whole service on one machine: S3 and DynamoDB emulators (or LocalStack when
 * AWS_ENDPOINT_URL is set), the real Lambda handlers behind the local gateway, and S3 events
 * driving the real processors through durable queues with retries, timeouts and a dead-letter
 * queue, plus the reconciler on a timer, as deployed.
 *
 * Stops run in reverse of the starts: the gateway, the reconciler, then running processing
 * finishes (bounded) before the queues stop delivering and the emulators go away under it.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stops = new Stops();
  return stops.undoing(async () => {
    const { dataDir } = options;
    const code = options.code ?? sourceCode();
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const localStackEndpoint = process.env.AWS_ENDPOINT_URL;
    await assertPortsFree([
      { listener: 'API', port: options.port },
      ...(localStackEndpoint ? [] : [{ listener: 'S3' as const, port: options.s3Port ?? 0 }, { listener: 'DynamoDB' as const, port: options.dynamoDbPort ?? 0 }]),
    ]);
    const settings = readLocalEnvironment(process.env);
    const corsOrigins = options.corsOrigins ?? settings.corsOrigins;
    // The scanner stand-in listens to the emulator's S3 events: on LocalStack versions would wait for a scan forever.
    if (localStackEndpoint && settings.malwareScanning) throw new Error('FILEPORT_MALWARE_SCANNING=on needs the local emulators (the scanner stand-in hears their S3 events); unset AWS_ENDPOINT_URL or turn scanning off');
    setRegion();

    // What the functions call and what feeds the processors: the emulators, or LocalStack.
    const services = await startAwsServices(localStackEndpoint, {
      dataDir,
      s3Port: options.s3Port,
      dynamoDbPort: options.dynamoDbPort,
      corsOrigins,
      allowedHosts: settings.allowedHosts,
      processorTimeoutMs: settings.processorTimeoutMs,
      malwareScanning: settings.malwareScanning,
      faults: settings.faults,
    });
    stops.add(services.stop);

    setFunctionEnvironment({ code, dataDir, queueUrls: services.queueUrls, serviceDefaults: settings.serviceEnv });
    // Loaded only now: the handlers read the environment set above when they first run.
    const loaded = Object.fromEntries(await Promise.all(lambdaNames.map(async (name) => [name, await code.load(name)] as const))) as Record<LambdaName, LoadedLambda>;
    const lambdas = Object.fromEntries(routeGroups.map((group) => [group, apiLambda(loaded[group])])) as Record<RouteGroup, ApiLambda>;
    const { getConfig } = await import('../lambdas/config');

    // The processors on their queues and the reconciler on its timer, then what /_dev shows of it all.
    const { faults, reconcileIntervalMs } = settings;
    const processing = startProcessing(loaded, services, { faults, reconcileIntervalMs, dataDir });
    stops.add(processing.stop);

    const auth = await createDevAuth(dataDir && devAuthKeyFile(dataDir));
    const loadedFrom = loadedCode(code, loaded);
    const { emulated } = services;
    const dev = await devRoutes({ auth, loaded: loadedFrom, processing: emulated && { ...emulated, faults, reconcilerStats: processing.reconcilerStats, streamStats: processing.streamStats } });
    const { tenantClaim } = getConfig();
    const gateway = await claimPort('API', options.port, () =>
      startGateway({ port: options.port, auth, tenantClaim, lambdas, devRoutes: dev, corsOrigins, assets: pageAssets(), allowedHosts: settings.allowedHosts }),
    );
    stops.add(gateway.stop);
    // The upload page is served by the gateway, whose port is only known now, and talks to S3 on
    // another port: the bucket must allow the gateway's origins (by either local name) as well.
    const { port } = new URL(gateway.url);
    await putBucketCors(new S3Client({ forcePathStyle: true }), LOCAL_BUCKET, [...new Set([...corsOrigins, `http://127.0.0.1:${port}`, `http://localhost:${port}`])]);
    // What the first run recovers (files a previous run left stuck) is said before `npm start`
    // prints its token and URLs, not after them.
    await processing.firstReconcile;

    return {
      apiUrl: gateway.url,
      s3Endpoint: services.s3Endpoint,
      dynamoDbEndpoint: services.dynamoDbEndpoint,
      auth,
      tenantClaim,
      loaded: loadedFrom,
      stop: stops.stopAll,
    };
  });
}
