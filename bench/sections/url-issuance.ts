import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Context } from 'aws-lambda';
import { newContentKey } from '../../lambdas/domain/files';
import type { ApiEvent, ApiResult } from '../../lambdas/http/request';
import type { RouteGroup } from '../../lambdas/routes';
import { gatewayClaims, lambdaContext, matchRoute, toEvent, type ApiLambda } from '../../local/gateway';
import { startLocalStack } from '../../local/stack';
import type { Figure, Section } from '../figures';
import { distribution, ratio, round, shuffled } from '../stats';

/**
 * Section 1: what the upload-URL and download-URL Lambdas cost over the least they must do.
 *
 * Each handler is the real group entrypoint, called in-process with the event the local gateway
 * builds (JWT claims included) against DynamoDB Local. Its floor is the same DynamoDB GetItem and the
 * same presign called directly, with clients configured as the service's. Handler and floor calls
 * alternate, in a fresh order each round, so a GC pause or a busy neighbour lands on both alike.
 */
export const urlIssuance: Section = async ({ quick }) => {
  const samples = quick ? 200 : 2000;
  const warmup = quick ? 50 : 300;
  const stack = await startLocalStack({ port: 0, dataDir: null });
  try {
    // Imported after the stack has set the environment the Lambdas read on first use.
    const { handler: uploadsLambda } = (await import('../../lambdas/entrypoints/api-uploads')) as { handler: ApiLambda };
    const { handler: downloadsLambda } = (await import('../../lambdas/entrypoints/api-downloads')) as { handler: ApiLambda };
    const { handler: filesLambda } = (await import('../../lambdas/entrypoints/api-files')) as { handler: ApiLambda };
    const { getConfig } = await import('../../lambdas/config');
    const { makeDocumentClient, makeS3Client } = await import('../../lambdas/adapters/aws-clients');
    const { tableSchema } = await import('../../lambdas/adapters/table-schema');
    const { contentDisposition } = await import('../../lambdas/domain/downloads');

    const token = await stack.auth.issue({ tenantId: 'bench', sub: 'bench-user', scopes: ['files:read', 'files:write'] }, stack.tenantClaim);
    const claims = gatewayClaims(await stack.auth.verify(token));
    const invoke = (lambda: ApiLambda, group: RouteGroup, method: string, path: string, body?: unknown) => {
      const event = gatewayEvent(method, path, token, claims, body);
      return lambda(event, lambdaContext(`fileport-${group}`));
    };
    const expectOk = (result: ApiResult, what: string): Record<string, unknown> => {
      if (result.statusCode !== 200 && result.statusCode !== 201) throw new Error(`${what} answered ${result.statusCode}: ${result.body}`);
      return JSON.parse(result.body ?? '{}') as Record<string, unknown>;
    };

    // A PDF-typed file to upload to, and a text file with content to download.
    const pdf = expectOk(await invoke(filesLambda, 'files', 'POST', '/v1/files', { name: 'Bench contract', fileTypeId: 'pdf' }), 'create');
    const txt = expectOk(await invoke(filesLambda, 'files', 'POST', '/v1/files', { name: 'Bench notes', fileTypeId: 'txt' }), 'create');
    const grant = expectOk(await invoke(uploadsLambda, 'uploads', 'PUT', `/v1/files/${txt.id}/upload`), 'upload URL') as { url: string; headers: Record<string, string> };
    const put = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: 'hello from the bench\n' });
    if (put.status !== 200) throw new Error(`PUT to the S3 emulator failed: ${put.status} ${await put.text()}`);
    await waitUntilUploaded(async () => String(expectOk(await invoke(filesLambda, 'files', 'GET', `/v1/files/${txt.id}`), 'get').status));

    const config = getConfig();
    const db = makeDocumentClient();
    const s3 = makeS3Client(config);
    const keyOf = (id: unknown) => ({ [tableSchema.partitionKey]: `FILE#${String(id)}`, [tableSchema.sortKey]: 'FILE' });
    const getItem = async (id: unknown) => {
      const { Item } = await db.send(new GetCommand({ TableName: config.tableName, Key: keyOf(id), ConsistentRead: true }));
      // A miss is cheaper than a hit: a floor that measured misses would flatter nothing and mean nothing.
      if (!Item) throw new Error(`The floor's GetItem found no file ${String(id)}: the key layout changed`);
      return Item;
    };

    const uploadFloor = async () => {
      const item = await getItem(pdf.id);
      await getSignedUrl(
        s3,
        // A fresh key per grant, as the handler mints one.
        new PutObjectCommand({ Bucket: config.bucketName, Key: newContentKey({ id: String(item.id) }), ContentType: 'application/pdf', Metadata: { 'upload-id': randomUUID() } }),
        { expiresIn: config.uploadUrlTtlSeconds, signableHeaders: new Set(['content-type']) },
      );
    };
    const disposition = contentDisposition('attachment', 'Bench notes.txt');
    const downloadFloor = async () => {
      const item = await getItem(txt.id);
      await getSignedUrl(
        s3,
        new GetObjectCommand({
          Bucket: config.bucketName,
          // The current version's object, as the handler serves it.
          Key: String(item.contentKey),
          ResponseContentType: 'text/plain',
          ResponseContentDisposition: disposition,
        }),
        { expiresIn: config.downloadUrlTtlSeconds },
      );
    };
    // The event is built outside the timing: deployed, API Gateway and the Lambda runtime build it.
    // Only the status is checked inside it; the floor parses no answer either.
    const expect200 = (result: ApiResult) => {
      if (result.statusCode !== 200) throw new Error(`The handler answered ${result.statusCode}: ${result.body}`);
    };
    const uploadHandler = (event: ApiEvent, context: Context) => async () => expect200(await uploadsLambda(event, context));
    const downloadHandler = (event: ApiEvent, context: Context) => async () => expect200(await downloadsLambda(event, context));

    const figures: Figure[] = [];
    for (const [name, handler, floor, group, method, path] of [
      ['upload URL handler (PUT /v1/files/{id}/upload)', uploadHandler, uploadFloor, 'uploads', 'PUT', `/v1/files/${pdf.id}/upload`],
      ['download URL handler (GET /v1/files/{id}/download)', downloadHandler, downloadFloor, 'downloads', 'GET', `/v1/files/${txt.id}/download`],
    ] as const) {
      const timings = { handler: [] as number[], floor: [] as number[] };
      for (let i = 0; i < warmup + samples; i++) {
        const event = gatewayEvent(method, path, token, claims);
        const contenders = { handler: handler(event, lambdaContext(`fileport-${group}`)), floor };
        for (const which of shuffled(['handler', 'floor'] as const)) {
          const started = performance.now();
          await contenders[which]();
          const elapsed = performance.now() - started;
          if (i >= warmup) timings[which].push(elapsed * 1000);
        }
      }
      const measured = distribution(name, 'µs', timings.handler);
      const floorMeasured = distribution('DynamoDB GetItem + getSignedUrl, called directly', 'µs', timings.floor);
      const r = ratio(measured.median, floorMeasured.median);
      figures.push({
        section: 'url-issuance',
        ...measured,
        floor: floorMeasured,
        ratio: r,
        target: 'ratio ≤ 1.2 at p50',
        pass: r <= 1.2,
        extra: { 'overhead p50 µs': round(measured.median - floorMeasured.median), warmup },
      });
    }
    db.destroy();
    s3.destroy();
    return figures;
  } finally {
    await stack.stop();
  }
};

/** The event the local gateway hands a route group's Lambda for this request. */
function gatewayEvent(method: string, path: string, token: string, claims: Record<string, string>, body?: unknown): ApiEvent {
  const url = new URL(`http://127.0.0.1${path}`);
  const found = matchRoute(method, url.pathname);
  if (!found) throw new Error(`No route ${method} ${path}`);
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string[]> = { host: ['127.0.0.1'], 'user-agent': ['fileport-bench'], authorization: [`Bearer ${token}`] };
  if (body !== undefined) headers['content-type'] = ['application/json'];
  return toEvent({ url, headers, httpVersion: '1.1', sourceIp: '127.0.0.1', body: bytes }, found.route, found.params, claims);
}

/** Processing takes the file out of `pending` once the S3 event has been handled. */
async function waitUntilUploaded(status: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await status()) === 'pending') {
    if (Date.now() > deadline) throw new Error('The uploaded bench file stayed pending for 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
